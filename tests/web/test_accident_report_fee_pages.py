"""The accident report copy fee "set by resolution" (003, Art. 6; issue 15), as people see it: the administrator
enters the resolution's amount with its number and date, or none; until then the custodian is asked, and told why."""
from __future__ import annotations

from test_admin_settings import AMOUNTS, TODAY, admin, file_request, office, post, words_of  # noqa: F401  (fixtures)
from test_inbox import field_block
from test_release_and_messages import task_of


def test_administrator_enters_the_accident_report_fee_with_its_resolution_or_none(admin, post, office):
    without_resolution = {**AMOUNTS, "effective_from": TODAY.isoformat(), "accident_report_resolution": "",
                          "accident_report_resolution_date": ""}
    refused = post(admin, "/admin/settings/fees", without_resolution)
    assert refused.status_code == 400
    assert "the resolution&#39;s number" in field_block(refused.get_data(as_text=True), "accident_report_resolution")

    none_yet = {**without_resolution, "accident_report_copy_fee": ""}
    assert post(admin, "/admin/settings/fees", none_yet).status_code == 302
    page = words_of(admin.get("/admin/settings/fees"))
    assert "not set" in page and "none entered" in page


def test_custodian_is_asked_for_the_accident_report_fee_and_told_why(client, office, login_as):
    request = file_request(office)
    office.complete_task(task_of(office, request.business_key, "review_request").task_id,
                         {"holds_record": True, "description_sufficient": True}, actor="custodian")
    office.complete_task(task_of(office, request.business_key, "estimate_fees").task_id,
                         {"search_hours": [], "pages": 0, "accident_reports": 1}, actor="custodian")

    login_as("custodian:city_clerk", username="jo")
    ask = task_of(office, request.business_key, "give_accident_report_fee")
    page = words_of(client.get(f"/inbox/tasks/{ask.task_id}"))
    assert "Give the accident report copy fee" in page and "set by resolution" in page
    assert "has not yet entered the resolution's amount" in page
