"""The custodian who mails the copies is asked for the mailing charge (003, Art. 6(a)(11); issue 15)."""
from __future__ import annotations

from test_inbox import field_block
from test_prepayment_is_an_estimate_pages import filed_and_estimated
from test_release_and_messages import file_online, task_of  # noqa: F401  (fixture)


def test_copies_mailed_without_a_mailing_charge_are_refused_beside_the_field(portal, client, file_online, login_as,
                                                                             post_form, time_machine):
    tracking_number, _status_path = filed_and_estimated(portal, file_online, time_machine, hours=1)
    for bpmn_id, values in (("check_personal_privacy", {"personal_information": False}),
                            ("decide_request", {"decision": "grant"})):
        portal.complete_task(task_of(portal, tracking_number, bpmn_id).task_id, values, actor="custodian")

    login_as("custodian:city_clerk", username="jo")
    prepare = task_of(portal, tracking_number, "prepare_records")
    task_path = f"/inbox/tasks/{prepare.task_id}"
    response = post_form(client, f"{task_path}/complete", {"delivery_method": "mail", "actual_mailing_fee": "0"},
                         token_from=task_path)
    assert response.status_code == 422
    block = field_block(response.get_data(as_text=True), "actual_mailing_fee")
    assert "has-error" in block and "Required, above 0, when the copies are mailed" in block
    assert portal.get_task(prepare.task_id).status == "open"
