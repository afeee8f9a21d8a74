"""Compare two versions (issue 13): each change shows what it was and what it is (a timer's expression,
a task's name, a condition, an operator's parameter, a form), on the page and in the JSON; an event's
timer is read as part of its event, not as a separate element with a generated id."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from records_office import open_records_office

from web.modeler.compare import Difference, compare_diagrams

REPO = Path(__file__).parents[2]


def records_request_xml() -> str:
    return (REPO / "processes" / "records_request.bpmn").read_text(encoding="utf-8")


def only_change(old: str, new: str):
    [change] = compare_diagrams(old, new).changed
    return change


def test_a_timer_change_shows_the_old_and_new_expression_on_its_event():
    old = records_request_xml()
    change = only_change(old, old.replace('"PT72H"', '"PT48H"'))
    assert change.bpmn_id == "privacy_wait" and change.kind == "intermediateCatchEvent"
    assert change.details == (Difference("timer duration", '"PT72H"', '"PT48H"'),)


def test_a_timer_whose_type_changes_names_both_kinds():
    old = records_request_xml()
    new = old.replace('<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT72H"</bpmn:timeDuration>',
                      '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">privacy_wait_ends_at</bpmn:timeDate>')
    details = {difference.what: (difference.old, difference.new) for difference in only_change(old, new).details}
    assert details["timer duration"] == ('"PT72H"', None)
    assert details["timer date"] == (None, "privacy_wait_ends_at")


def test_a_renamed_task_shows_both_names():
    old = records_request_xml()
    change = only_change(old, old.replace('name="Compute the response deadline"', 'name="Compute the deadline"'))
    assert change.details == (Difference("name", "Compute the response deadline", "Compute the deadline"),)
    assert change.name == "Compute the deadline"


def test_a_condition_change_shows_both_expressions():
    old = records_request_xml()
    change = only_change(old, old.replace(">not holds_record<", ">holds_record == False<"))
    assert change.bpmn_id == "held_elsewhere"
    assert change.details == (Difference("condition", "not holds_record", "holds_record == False"),)


def test_extension_elements_are_named_in_the_modelers_words():
    old = records_request_xml()
    new = old.replace('<spiffworkflow:parameter id="business_days" type="integer" value="3" />',
                      '<spiffworkflow:parameter id="business_days" type="integer" value="4" />')
    new = new.replace('resultVariable="response_due_at"', 'resultVariable="respond_by"', 1)
    new = new.replace('value="review_request.schema.json"', 'value="review.schema.json"')
    changes = {change.bpmn_id: change.details for change in compare_diagrams(old, new).changed}
    assert set(changes["compute_response_deadline"]) == {Difference("parameter business_days", "3", "4"),
                                                         Difference("result variable", "response_due_at", "respond_by")}
    assert changes["review_request"] == (Difference("form", "review_request.schema.json", "review.schema.json"),)


def test_documentation_added_shows_none_before():
    old = records_request_xml()
    new = old.replace('<bpmn:serviceTask id="compute_response_deadline" name="Compute the response deadline">\n'
                      '      <bpmn:documentation>', '<bpmn:serviceTask id="compute_response_deadline" '
                      'name="Compute the response deadline">\n      <bpmn:documentation>Note. ', 1)
    [difference] = only_change(old, new).details
    assert difference.what == "documentation" and difference.new.startswith("Note. K.S.A. 45-218(d)")


def test_every_process_compared_with_itself_is_unchanged():
    for diagram in sorted((REPO / "processes").glob("*.bpmn")):
        xml = diagram.read_text(encoding="utf-8")
        assert compare_diagrams(xml, xml).unchanged, diagram.name


@pytest.fixture
def two_versions(process_engine, login_as, client, csrf_token):
    open_records_office(process_engine)
    login_as("analyst")
    changed = records_request_xml().replace('"PT72H"', '"PT48H"').replace(
        'name="Compute the response deadline"', 'name="Compute the deadline"')
    answer = client.post("/modeler/deploy", data=json.dumps({"bpmn": changed, "file_name": "records_request.bpmn"}),
                         content_type="application/json",
                         headers={"X-CSRF-Token": csrf_token(client, "/inbox"), "Accept": "application/json"})
    assert answer.get_json()["version"] == 2
    return client


def test_the_compare_page_shows_each_old_and_new_value(two_versions):
    page = two_versions.get("/modeler/records_request/compare?from=1&to=2").get_data(as_text=True)
    assert "<strong>timer duration</strong>" in page
    assert 'version 1: <code class="compare-value">&#34;PT72H&#34;</code>' in page
    assert 'version 2: <code class="compare-value">&#34;PT48H&#34;</code>' in page
    assert "Compute the response deadline" in page and "Compute the deadline" in page


def test_the_compare_json_gives_what_old_and_new(two_versions):
    body = two_versions.get("/modeler/records_request/compare?from=1&to=2&format=json").get_json()
    details = {change["bpmn_id"]: change["details"] for change in body["changed"]}
    assert details["privacy_wait"] == [{"what": "timer duration", "old": '"PT72H"', "new": '"PT48H"'}]
    assert details["compute_response_deadline"] == [
        {"what": "name", "old": "Compute the response deadline", "new": "Compute the deadline"}]
