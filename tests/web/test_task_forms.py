"""Drawing a task's form from its JSON Schema and reading the browser's strings back as typed values."""
from __future__ import annotations

import hashlib
import html
import io
import json
import re

import pytest

from web.inbox.form_values import prefilled_values, read_submission
from web.inbox.form_files import parse_file_reference
from web.inbox.forms import fields_of

RELEASE_SCHEMA = {
    "type": "object",
    "required": ["released_on", "method"],
    "properties": {
        "released_on": {"type": "string", "format": "date", "title": "Released on"},
        "method": {"type": "string", "enum": ["email", "mail", "pickup"]},
        "copies": {"type": "integer", "minimum": 1, "maximum": 10},
        "fee": {"type": "number", "default": 0},
        "notes": {"type": "string", "maxLength": 2000, "description": "Anything the requester should know."},
        "certified": {"type": "boolean"},
        "requester_name": {"type": ["string", "null"], "maxLength": 100},
        "exemption": {"oneOf": [{"const": "45-221(a)(1)", "title": "Closed by statute"},
                                {"const": "45-221(a)(30)", "title": "Personal privacy"}]},
        "attachments": {"type": "array", "items": {"type": "string"}},
    },
}


def widgets(schema):
    return {field.name: field.widget for field in fields_of(schema)}


def test_each_schema_type_gets_its_input():
    assert widgets(RELEASE_SCHEMA) == {
        "released_on": "date", "method": "select", "copies": "integer", "fee": "number", "notes": "textarea",
        "certified": "yes_no", "requester_name": "text", "exemption": "select", "attachments": "list"}


def test_labels_requiredness_limits_and_defaults_come_from_the_schema():
    fields = {field.name: field for field in fields_of(RELEASE_SCHEMA)}
    assert fields["released_on"].label == "Released on" and fields["released_on"].required
    assert fields["requester_name"].label == "Requester name" and not fields["requester_name"].required
    assert fields["copies"].attributes == {"step": "1", "min": 1, "max": 10}
    assert fields["notes"].help == "Anything the requester should know."
    assert [label for _, label, _ in fields["exemption"].choices] == ["Closed by statute", "Personal privacy"]
    assert prefilled_values(fields_of(RELEASE_SCHEMA), {})["fee"] == "0"


def test_strings_become_the_schema_types_and_empty_optional_inputs_are_left_out():
    submission = read_submission(fields_of(RELEASE_SCHEMA), {
        "released_on": "2026-11-25", "method": "mail", "copies": " 3 ", "fee": "1.50", "notes": "  two boxes\n",
        "certified": "false", "requester_name": "", "exemption": "45-221(a)(30)", "attachments-0-item": "x",
        "attachments-1-item": " "})
    assert submission.errors == {}
    assert submission.values == {"released_on": "2026-11-25", "method": "mail", "copies": 3, "fee": 1.5,
                          "notes": "  two boxes\n", "certified": False, "exemption": "45-221(a)(30)",
                                 "attachments": ["x"]}


def test_whole_number_typed_in_a_number_field_stays_whole():
    submission = read_submission(fields_of(RELEASE_SCHEMA), {"fee": "2"}).values
    assert submission == {"fee": 2, "attachments": []} and isinstance(submission["fee"], int)


@pytest.mark.parametrize("name, typed, error", [
    ("copies", "2.5", "must be a whole number"),
    ("copies", "three", "must be a whole number"),
    ("fee", "NaN", "must be a number"),
    ("fee", "$4", "must be a number"),
    ("certified", "maybe", "choose yes or no"),
    ("method", "carrier pigeon", "choose one of the options"),
])
def test_unreadable_value_is_kept_as_typed_with_a_plain_error(name, typed, error):
    submission = read_submission(fields_of(RELEASE_SCHEMA), {name: typed})
    assert submission.errors == {name: error}
    # the engine's schema check refuses it along with everything else; a list left empty is an empty list
    assert submission.values == {name: typed, "attachments": []}


def test_a_task_without_a_form_has_no_fields():
    assert fields_of(None) == [] and read_submission([], {"anything": "x"}).values == {}


# -- the UI schema, money, read-only fields, tables of rows and file uploads, through the task page --------------

ESTIMATE_SCHEMA = {
    "type": "object",
    "required": ["search_hours", "pages"],
    "additionalProperties": False,
    "properties": {
        "description": {"type": "string", "title": "Records asked for"},
        "search_hours": {"type": "array", "title": "Search time", "maxItems": 5, "items": {
            "type": "object", "required": ["employee", "hours"], "additionalProperties": False,
            "properties": {"employee": {"type": "string", "minLength": 1, "title": "Employee"},
                           "hours": {"type": "number", "minimum": 0, "title": "Hours"}}}},
        "pages": {"type": "integer", "minimum": 0, "title": "Pages to copy"},
        "mailing_fee": {"type": "number", "minimum": 0, "title": "Mailing and handling"},
        "delivery": {"type": "string", "enum": ["email", "mail"], "title": "Delivery"},
        "worksheet": {"type": "string", "format": "data-url", "title": "Fee worksheet"},
        "remarks": {"type": "string", "title": "Remarks"},
    },
}
ESTIMATE_UI = {
    "ui:order": ["description", "*", "remarks"],
    "description": {"ui:readonly": True},
    "mailing_fee": {"ui:widget": "money"},
    "delivery": {"ui:widget": "radio"},
    "remarks": {"ui:widget": "textarea", "ui:placeholder": "For the requester", "ui:title": "Remarks to the requester",
                "ui:help": "Shown in the estimate letter."},
}
ESTIMATE_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="estimate_definitions" targetNamespace="http://clerkflow.example/bpmn">
  <bpmn:collaboration id="estimate_collaboration">
    <bpmn:participant id="office" name="Records office" processRef="estimate_shaped" />
  </bpmn:collaboration>
  <bpmn:process id="estimate_shaped" name="Estimate-shaped test process" isExecutable="true">
    <bpmn:laneSet id="estimate_lanes">
      <bpmn:lane id="custodian_lane" name="Custodian">
        <bpmn:flowNodeRef>received</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>estimate_fees</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>estimated</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="received"><bpmn:outgoing>to_estimate</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="estimate_fees" name="Estimate the fees">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="estimate_fees.schema.json" />
          <spiffworkflow:property name="formUiSchemaFilename" value="estimate_fees.ui.json" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>to_estimate</bpmn:incoming>
      <bpmn:outgoing>to_estimated</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="estimated"><bpmn:incoming>to_estimated</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="to_estimate" sourceRef="received" targetRef="estimate_fees" />
    <bpmn:sequenceFlow id="to_estimated" sourceRef="estimate_fees" targetRef="estimated" />
  </bpmn:process>
</bpmn:definitions>
"""
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def estimate_task(process_engine, tmp_path):
    """The open "Estimate the fees" task of a request asking for "2025 council minutes"."""
    forms = tmp_path / "forms"
    forms.mkdir()
    (forms / "estimate_fees.schema.json").write_text(json.dumps(ESTIMATE_SCHEMA))
    (forms / "estimate_fees.ui.json").write_text(json.dumps(ESTIMATE_UI))
    (tmp_path / "estimate_shaped.bpmn").write_text(ESTIMATE_DIAGRAM)
    process_engine.deploy_file(tmp_path / "estimate_shaped.bpmn", forms, actor="tests")
    instance = process_engine.start_instance("estimate_shaped", {"description": "2025 council minutes"},
                                             actor="tests", business_key="R-2026-0150")
    [task] = instance.open_tasks
    return task


@pytest.fixture
def estimate_page(login_as, client, estimate_task):
    login_as("custodian")
    return f"/inbox/tasks/{estimate_task.task_id}"


@pytest.fixture
def submit_estimate(client, estimate_page, csrf_token):
    def submit(data: dict, **options):
        return client.post(f"{estimate_page}/complete", data={**data, "csrf_token": csrf_token(client, estimate_page)},
                           **options)
    return submit


def typed_value(page: str, name: str) -> str:
    """The value an input of the page carries (or a textarea's text)."""
    found = (re.search(rf'name="{re.escape(name)}" type="[^"]+" value="([^"]*)"', page)
             or re.search(rf'name="{re.escape(name)}"[^>]*>([^<]*)</textarea>', page, re.S))
    assert found, f"no input {name}"
    return html.unescape(found.group(1))


def error_beside(page: str, input_name: str) -> str:
    found = re.search(rf'id="field-{re.escape(input_name)}-error">([^<]*)<', page)
    assert found, f"no error beside {input_name}"
    return html.unescape(found.group(1))


def recorded(process_engine, task) -> dict:
    [completion] = [event for event in process_engine.audit_trail(task.instance_id) if event.action == "complete"]
    return completion.changes


def test_ui_schema_orders_the_fields_and_chooses_their_widgets():
    fields = fields_of(ESTIMATE_SCHEMA, ESTIMATE_UI)
    assert [(field.name, field.widget) for field in fields] == [
        ("description", "text"), ("search_hours", "rows"), ("pages", "integer"), ("mailing_fee", "money"),
        ("delivery", "radio"), ("worksheet", "file"), ("remarks", "textarea")]
    remarks = fields[-1]
    assert (remarks.label, remarks.help, remarks.attributes["placeholder"]) == (
        "Remarks to the requester", "Shown in the estimate letter.", "For the requester")
    assert fields[0].readonly and [column.name for column in fields[1].columns] == ["employee", "hours"]


def test_hidden_widget_carries_the_value_without_showing_it():
    [field] = fields_of({"properties": {"office": {"type": "string"}}}, {"office": {"ui:widget": "hidden"}})
    assert field.hidden
    assert read_submission([field], {"office": "police"}).values == {"office": "police"}


@pytest.mark.parametrize("typed, amount", [("31.5", 31.5), ("$1,234.50", 1234.5), ("25", 25)])
def test_money_is_read_as_dollars_and_cents(typed, amount):
    [fee] = fields_of({"properties": {"fee": {"type": "number", "format": "money"}}})
    assert read_submission([fee], {"fee": typed}).values == {"fee": amount}


def test_money_with_fractions_of_a_cent_is_refused_in_plain_words():
    [fee] = fields_of({"properties": {"fee": {"type": "number", "multipleOf": 0.01}}})
    assert read_submission([fee], {"fee": "3.125"}).errors == {"fee": "must be an amount in dollars and cents, like 31.50"}


def test_read_only_field_shows_the_requests_earlier_value_and_ignores_what_the_browser_sends(
        estimate_page, client, submit_estimate, process_engine, estimate_task):
    page = client.get(estimate_page).get_data(as_text=True)
    assert "2025 council minutes" in page and 'name="description"' not in page

    submit_estimate({"description": "something else", "search_hours-0-employee": "", "pages": "0"})

    assert recorded(process_engine, estimate_task).get("description", "2025 council minutes") == "2025 council minutes"


def test_money_field_shows_a_dollar_sign_and_two_decimals(estimate_page, client, submit_estimate):
    response = submit_estimate({"pages": "-1", "mailing_fee": "4.5"})
    page = response.get_data(as_text=True)
    assert '<span class="currency" aria-hidden="true">$</span>' in page and "(in dollars)" in page
    assert typed_value(page, "mailing_fee") == "4.5"      # as typed after a refusal...
    fields = fields_of(ESTIMATE_SCHEMA, ESTIMATE_UI)
    from web.inbox.form_values import prefilled_values
    assert prefilled_values(fields, {"mailing_fee": 4.5})["mailing_fee"] == "4.50"   # ...as recorded otherwise


def test_table_offers_blank_rows_named_by_row_and_column(estimate_page, client):
    page = client.get(estimate_page).get_data(as_text=True)
    assert 'name="search_hours-0-employee"' in page and 'name="search_hours-1-hours"' in page
    assert '<label class="cell-label" for="field-search_hours-1-hours">Hours, row 2</label>' in page


def test_empty_rows_are_dropped_and_the_filled_ones_saved_as_a_list(submit_estimate, process_engine, estimate_task):
    response = submit_estimate({"search_hours-rows": "3", "search_hours-0-employee": "", "search_hours-0-hours": "",
                                "search_hours-1-employee": "J. Ortiz", "search_hours-1-hours": "1.5",
                                "search_hours-2-employee": "M. Chen", "search_hours-2-hours": "2",
                                "pages": "12", "mailing_fee": "$3.25", "delivery": "mail"})
    assert response.status_code == 302, response.get_data(as_text=True)
    changes = recorded(process_engine, estimate_task)
    assert changes["search_hours"] == [{"employee": "J. Ortiz", "hours": 1.5}, {"employee": "M. Chen", "hours": 2}]
    assert (changes["pages"], changes["mailing_fee"], changes["delivery"]) == (12, 3.25, "mail")


def test_typed_rows_are_kept_when_one_hour_value_is_invalid(submit_estimate, process_engine, estimate_task):
    response = submit_estimate({"search_hours-rows": "3",
                                "search_hours-0-employee": "J. Ortiz", "search_hours-0-hours": "1.5",
                                "search_hours-1-employee": "M. Chen", "search_hours-1-hours": "two",
                                "pages": "12"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_beside(page, "search_hours-1-hours") == "Row 2: Hours must be a number"
    assert 'aria-describedby="field-search_hours-1-hours-error"' in page
    assert [typed_value(page, name) for name in ("search_hours-0-employee", "search_hours-0-hours",
                                                 "search_hours-1-employee", "search_hours-1-hours")] == [
        "J. Ortiz", "1.5", "M. Chen", "two"]
    assert typed_value(page, "search_hours-2-employee") == ""     # the blank row is still there
    assert process_engine.get_task(estimate_task.task_id).status == "open"


def test_schema_error_in_a_row_is_shown_beside_that_row_even_below_an_empty_one(submit_estimate):
    # The engine's "search_hours.0.hours" is the first row *used*: the third row of the page here.
    response = submit_estimate({"search_hours-rows": "3", "search_hours-2-employee": "M. Chen",
                                "search_hours-2-hours": "-4", "pages": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_beside(page, "search_hours-2-hours") == "Row 3: Hours must be 0 or more"


def test_missing_cell_of_a_used_row_is_reported_beside_it(submit_estimate):
    response = submit_estimate({"search_hours-0-hours": "3", "pages": "1"})
    assert error_beside(response.get_data(as_text=True), "search_hours-0-employee") == "Row 1: Employee is required"


def test_add_a_row_shows_one_more_row_and_keeps_everything_typed(submit_estimate, process_engine, estimate_task):
    response = submit_estimate({"search_hours-rows": "2", "search_hours-0-employee": "J. Ortiz",
                                "search_hours-0-hours": "1", "search_hours-1-employee": "M. Chen",
                                "search_hours-1-hours": "", "pages": "7", "remarks": "Two boxes",
                                "add_row": "search_hours"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert typed_value(page, "search_hours-1-employee") == "M. Chen" and typed_value(page, "pages") == "7"
    assert typed_value(page, "remarks") == "Two boxes"
    assert typed_value(page, "search_hours-2-employee") == ""
    assert 'name="search_hours-3-employee"' not in page
    assert "is required" not in page                                      # not a refusal: nothing was checked
    assert process_engine.get_task(estimate_task.task_id).status == "open"


def test_table_stops_offering_rows_at_its_max_items(submit_estimate):
    page = submit_estimate({"search_hours-rows": "5", "add_row": "search_hours"}).get_data(as_text=True)
    assert 'name="search_hours-4-employee"' in page and 'name="search_hours-5-employee"' not in page
    assert "This table holds at most 5 rows." in page and 'value="search_hours"' not in page


def test_uploaded_file_is_saved_as_a_reference_and_listed_with_the_attachments(
        submit_estimate, process_engine, estimate_task, client, estimate_page):
    response = submit_estimate({"pages": "0", "worksheet": (io.BytesIO(PDF), "fee worksheet.pdf")},
                               content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    reference = recorded(process_engine, estimate_task)["worksheet"]
    stored = parse_file_reference(reference)
    assert (stored.filename, stored.content_type, stored.size) == ("fee worksheet.pdf", "application/pdf", len(PDF))
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    page = client.get(estimate_page).get_data(as_text=True)
    assert "fee worksheet.pdf" in page and "(form field worksheet)" in page


def test_file_chosen_before_a_refusal_is_kept_without_choosing_it_again(submit_estimate, process_engine,
                                                                         estimate_task):
    refused = submit_estimate({"pages": "-1", "worksheet": (io.BytesIO(PDF), "worksheet.pdf")},
                              content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Chosen: <strong>worksheet.pdf</strong>" in page
    kept = re.search(r'name="worksheet-kept" value="([^"]+)"', page).group(1)

    response = submit_estimate({"pages": "1", "worksheet-kept": kept}, content_type="multipart/form-data")

    assert response.status_code == 302
    assert parse_file_reference(recorded(process_engine, estimate_task)["worksheet"]).filename == "worksheet.pdf"


def test_forged_kept_file_token_names_no_file(submit_estimate, process_engine, estimate_task):
    forged = "sha256:" + "0" * 64 + ";size=1;type=application/pdf;name=x.pdf"
    response = submit_estimate({"pages": "1", "worksheet-kept": forged})
    assert response.status_code == 302
    assert "worksheet" not in recorded(process_engine, estimate_task)


def test_file_of_a_refused_type_is_reported_beside_its_field_and_nothing_is_saved(submit_estimate, process_engine,
                                                                                   estimate_task):
    response = submit_estimate({"pages": "1", "worksheet": (io.BytesIO(b"MZ\x90\x00program"), "worksheet.pdf")},
                               content_type="multipart/form-data")
    assert response.status_code == 422
    assert "does not contain what its name says (.pdf)" in error_beside(response.get_data(as_text=True), "worksheet")
    assert process_engine.get_task(estimate_task.task_id).status == "open"


def test_every_input_of_the_task_page_has_a_label(estimate_page, client):
    page = client.get(estimate_page).get_data(as_text=True)
    labelled = set(re.findall(r'<label[^>]* for="([^"]+)"', page))
    for tag, attributes in re.findall(r"<(input|select|textarea)\b([^>]*)>", page):
        kind = re.search(r'type="([^"]+)"', attributes)
        if kind and kind.group(1) in ("hidden", "radio"):
            continue      # radios sit in a fieldset whose legend names them, each inside its own label
        input_id = re.search(r'id="([^"]+)"', attributes)
        assert input_id and input_id.group(1) in labelled, f"{tag}{attributes}"


def test_error_paths_of_array_items_name_the_row_the_person_typed_in():
    # Rows 0 and 2 of the page were empty; the engine's item 1 is the page's row 3.
    fields = fields_of(ESTIMATE_SCHEMA, ESTIMATE_UI)
    submission = read_submission(fields, {"search_hours-1-employee": "J. Ortiz", "search_hours-1-hours": "1",
                                          "search_hours-3-employee": "M. Chen", "search_hours-3-hours": "-2"})
    assert submission.values["search_hours"] == [{"employee": "J. Ortiz", "hours": 1}, {"employee": "M. Chen", "hours": -2}]
    assert submission.input_name("search_hours.1.hours") == "search_hours-3-hours"
    assert submission.input_name("search_hours/0/employee") == "search_hours-1-employee"
    assert submission.input_name("search_hours") == "search_hours" and submission.input_name("pages") == "pages"


def test_file_chosen_before_adding_a_row_is_kept(submit_estimate):
    response = submit_estimate({"add_row": "search_hours", "worksheet": (io.BytesIO(PDF), "worksheet.pdf")},
                               content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Chosen: <strong>worksheet.pdf</strong>" in page
    assert 'name="worksheet-kept"' in page


def test_task_form_with_a_file_field_is_sent_as_multipart_with_its_csrf_token(estimate_page, client):
    page = client.get(estimate_page).get_data(as_text=True)
    form = re.search(r'<form method="post" action="[^"]+/complete"[^>]*>.*?</form>', page, re.S).group(0)
    assert 'enctype="multipart/form-data"' in form and 'name="csrf_token"' in form
