"""A request granted in part, as people see it (003, Art. 6(b)(6); issue 15): the requester reads that only
what is made available is charged, and the custodian apportions the search time on its own page."""
from __future__ import annotations

from test_prepayment_is_an_estimate_pages import filed_and_estimated
from test_release_and_messages import file_online, plain, task_of  # noqa: F401  (fixture)


def test_custodian_apportions_the_search_time_of_a_request_granted_in_part(portal, client, file_online, login_as,
                                                                          time_machine):
    tracking_number, status_path = filed_and_estimated(portal, file_online, time_machine, hours=1)
    for bpmn_id, values in (("check_personal_privacy", {"personal_information": False}),
                            ("decide_request", {"decision": "partial", "exemption_codes": ["45-221(a)(4)"]})):
        portal.complete_task(task_of(portal, tracking_number, bpmn_id).task_id, values, actor="custodian")

    assert "You are charged only for what is made available" in plain(client.get(status_path))
    login_as("custodian:city_clerk", username="jo")
    page = plain(client.get(f"/inbox/tasks/{task_of(portal, tracking_number, 'apportion_search_time').task_id}"))
    assert "Apportion the search time" in page and "Search time that served the records released" in page
    assert "Jo Records" in page
