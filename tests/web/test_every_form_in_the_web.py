"""Every user task of every process can be done from the inbox, on every path its gateway offers.

Generated from the diagrams in processes/ and their forms in forms/: each form has an input for
every field, and walks through the real task pages (the real diagrams, filled as a clerk would
fill them) take each outgoing flow of the gateway right after a user task, in every process.
A walk answers only what its path needs; every other required field gets a plain value of its type.
"""
from __future__ import annotations

import html
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import etree

from city.open_data.catalog import publish_dataset
from city.rules.business_calendar import CITY_TIME_ZONE
from engine.filestore import file_reference
from web.inbox.forms import fields_of
from web.modeler.renderable import unrenderable_fields
from web.models import db

REPO = Path(__file__).parents[2]
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}
# Monday 23 November 2026, 10:00 in the city: a business day, the requests filed that morning.
MONDAY = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)
# Whoever works the walks holds every role the records request's lanes name.
WALKER_ROLES = ("clerk", "city_clerk", "custodian", "custodian:city_clerk", "custodian:police", "city_attorney",
                "finance", "records_manager", "open_data_liaison", "it_open_data_coordinator", "city_manager",
                "open_data_officer")


def _diagram(path: Path):
    return etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))


def _user_tasks():
    """(process file, user task id, its form file, its UI form file) for every user task in processes/."""
    found = []
    for path in sorted((REPO / "processes").glob("*.bpmn")):
        for task in _diagram(path).iterfind(".//bpmn:userTask", NS):
            properties = {item.get("name"): item.get("value")
                          for item in task.iterfind(".//spiffworkflow:property", NS)}
            found.append((path.stem, task.get("id"), properties.get("formJsonSchemaFilename"),
                          properties.get("formUiSchemaFilename")))
    return found


def _form(process: str, file_name: str | None):
    if not file_name:
        return None
    for folder in (REPO / "forms" / process, REPO / "forms"):
        if (folder / file_name).is_file():
            return json.loads((folder / file_name).read_text())
    raise AssertionError(f"form {file_name} of {process} is missing")


@pytest.mark.parametrize("process, task_id, form_file, ui_file", _user_tasks(),
                         ids=[f"{process}:{task}" for process, task, _, _ in _user_tasks()])
def test_every_field_of_every_task_form_has_an_input(process, task_id, form_file, ui_file):
    schema, ui_schema = _form(process, form_file), _form(process, ui_file)
    if schema is None:
        return      # a task with no form is done with one button
    assert unrenderable_fields(schema, ui_schema) == []
    shown = {form_field.name for form_field in fields_of(schema, ui_schema)}
    assert shown == set(schema.get("properties", {}))


def _branches_after_user_tasks():
    """(process, user task, gateway, target) for each outgoing flow of a gateway right after a user task."""
    branches = set()
    for path in sorted((REPO / "processes").glob("*.bpmn")):
        tree = _diagram(path)
        flows = {flow.get("id"): flow for flow in tree.iterfind(".//bpmn:sequenceFlow", NS)}
        gateways = {element.get("id"): element for element in tree.iter()
                    if isinstance(element.tag, str) and element.tag.endswith("Gateway")}
        for task in tree.iterfind(".//bpmn:userTask", NS):
            for outgoing in task.iterfind("bpmn:outgoing", NS):
                gateway = gateways.get(flows[outgoing.text].get("targetRef"))
                if gateway is None or len(gateway.findall("bpmn:outgoing", NS)) < 2:
                    continue
                for leaving in gateway.iterfind("bpmn:outgoing", NS):
                    branches.add((path.stem, task.get("id"), gateway.get("id"), flows[leaving.text].get("targetRef")))
    return branches


# -- walks through the records request's task pages ---------------------------------------------------

@dataclass(frozen=True)
class Walk:
    """Tasks done in order (bpmn id, what the clerk answers) or a moment the clock moves to ("@", when:
    the timers due by then fire), and the elements the path must reach."""
    steps: tuple[tuple, ...]       # an answer (file name, bytes) is a file uploaded
    reaches: frozenset[str]
    process: str = "records_request"
    start: dict = field(default_factory=dict)
    start_files: tuple[tuple[str, str, bytes], ...] = ()   # (field, file name, bytes) put in the file store first


REVIEWED = ("review_request", {"holds_record": "true", "description_sufficient": "true"})
ESTIMATED = ("estimate_fees", {"pages": "0"})
NO_PRIVACY = ("check_personal_privacy", {"personal_information": "false"})
REQUEST = {"requester_name": "Pat Doe", "requester_address": "12 Elm Street, Springfield KS 66000",
           "records_description": "Personnel files of the parks department, 2025", "office_key": None}
REMOVAL = {"requester_name": "Pat Doe", "record_description": "Accident report 2026-1187, original",
           "office_key": "police", "purpose": "Certified copy at the county courthouse"}
PERMITTED = ("decide_on_removal", {"permission": "granted", "promised_return_at": "2026-11-24T17:00:00-06:00",
                                   "return_place": "Police records counter", "removal_conditions": "None",
                                   "permission_granted_by": "Chief Lee"})
OVERDUE = ("@", datetime(2026, 11, 24, 23, 0, 1, tzinfo=timezone.utc))
RETURNED = ("confirm_return", {"returned_at": "2026-11-26T11:30:00-06:00", "returned_to_place": "Police records",
                               "returned_to_promised_place": "true", "returned_complete": "true",
                               "return_received_by": "Chief Lee"})
WALKS = {
    "grant": Walk((REVIEWED, ESTIMATED, NO_PRIVACY, ("decide_request", {"decision": "grant"}),
                   ("prepare_records", {"delivery_method": "inspection"})),
                  frozenset({"described_enough", "decision_merge", "fulfilment_merge", "late_prepayment_settled"})),
    "deny with two grounds": Walk(
        (REVIEWED, ESTIMATED, NO_PRIVACY,
         ("decide_request", {"decision": "deny", "exemption_codes": ["45-221(a)(4)", "45-221(a)(30)"],
                             "grounds_text": "Personnel files of named employees."}),
         ("receive_denial_copy", {})),
        frozenset({"denial_merge", "cite_exemptions", "copy_to_attorney"})),
    "refused at once": Walk(
        (("review_request", {"holds_record": "true", "description_sufficient": "true",
                             "refuse_without_search": "true"}),
         ("state_denial_grounds", {"exemption_codes": ["45-218(e)"], "grounds_text": "Forty thousand e-mails."})),
        frozenset({"cite_exemptions"})),
    "referred to the police": Walk(
        (("review_request", {"holds_record": "false", "referral_office_key": "police"}),),
        frozenset({"find_referred_custodian"})),
    "privacy at stake": Walk(
        (REVIEWED, ESTIMATED, ("check_personal_privacy", {"personal_information": "true",
                                                         "privacy_reason": "Names of crime victims."})),
        frozenset({"privacy_wait_split"})),
    "prepayment demanded while preparing": Walk(
        (REVIEWED, ESTIMATED, NO_PRIVACY, ("decide_request", {"decision": "grant"}),
         ("prepare_records", {"delivery_method": "copies", "demand_prepayment_now": "true",
                              "prepayment_now_amount": "12.50"})),
        frozenset({"work_out_late_prepayment"})),
    "removal refused": Walk(
        (("decide_on_removal", {"permission": "refused", "refusal_reason": "The original stays in the office."}),),
        frozenset({"removal_refused"}), process="record_removal"),
    "removal overdue and referred": Walk(
        (PERMITTED, OVERDUE, ("handle_overdue_return", {"overdue_notes": "Called; no answer.",
                                                        "refer_to_city_attorney": "true",
                                                        "referral_note": "Original not returned."}), RETURNED,
         ("review_removal_referral", {"referral_outcome": "warning_given", "referral_outcome_note": "Letter sent."})),
        frozenset({"write_permission", "review_removal_referral", "referral_reviewed"}), process="record_removal"),
    "removal overdue, noted only": Walk(
        (PERMITTED, OVERDUE, ("handle_overdue_return", {"overdue_notes": "Returned the next morning.",
                                                        "refer_to_city_attorney": "false"})),
        frozenset({"overdue_noted"}), process="record_removal"),
    "removal returned elsewhere": Walk(
        (PERMITTED, ("confirm_return", {**RETURNED[1], "returned_at": "2026-11-24T16:00:00-06:00",
                                        "returned_to_promised_place": "false"}),
         ("follow_up_return", {"follow_up_notes": "Left at City Hall.", "refer_to_city_attorney": "false"})),
        frozenset({"follow_up_return", "overdue_noted"}), process="record_removal"),
}
DATASET_SUBMISSION = {
    "dataset_title": "Building permits issued", "department": "Community Development",
    "dataset_description": "Every building permit issued.", "source": "The permit register.",
    "quality": "Complete from 2019.", "update_frequency": "monthly",
    "license": "https://opendatacommons.org/licenses/pddl/1-0/", "contact_name": "Dana Liaison",
    "contact_email": "dana@city.example",
    **{criterion: True for criterion in ("in_retention_schedule", "appropriate_for_release", "often_requested",
                                         "increases_accountability", "improves_public_knowledge", "furthers_mission",
                                         "creates_economic_opportunity", "not_protected_data")}}
PERMITS_SAMPLE = (("sample", "permits_sample.csv", b"permit_number,issued_on,applicant_email\nBP-1,2026-10-01,pat@example.org\n"
                                                  b"BP-2,2026-10-02,lee@example.org\n"),)
NOT_APPROVED = ("decide_dataset", {"dataset_decision": "not_approved",
                                   "rejection_explanation": "applicant_email identifies private persons."})
REVIEWED_DATASET = ("review_dataset", {"consult_city_attorney": "false", "consult_it_coordinator": "false"})
WALKS.update({
    "data set approved": Walk(
        (REVIEWED_DATASET, ("decide_dataset", {"dataset_decision": "approved"}),
         ("give_dataset_access", {"dataset_url": "https://permits.city.example/export.csv"})),
        frozenset({"attorney_needed", "it_needed", "give_dataset_access", "catalog_dataset"}),
        process="dataset_approval", start=DATASET_SUBMISSION, start_files=PERMITS_SAMPLE),
    "data set revised after a refusal": Walk(
        (REVIEWED_DATASET, NOT_APPROVED,
         ("revise_submission", {**{name: str(value).lower() if isinstance(value, bool) else value
                                   for name, value in DATASET_SUBMISSION.items()},
                                "resubmit": "true", "revision_note": "The e-mail column is removed."})),
        frozenset({"revise_submission", "start_new_review", "review_dataset"}),
        process="dataset_approval", start=DATASET_SUBMISSION, start_files=PERMITS_SAMPLE),
    "data set withdrawn after a refusal": Walk(
        (REVIEWED_DATASET, NOT_APPROVED, ("revise_submission", {"resubmit": "false"})),
        frozenset({"dataset_withdrawn"}),
        process="dataset_approval", start=DATASET_SUBMISSION, start_files=PERMITS_SAMPLE),
})
# A report on the published data set the walker fixture puts in the catalog (processes/dataset_takedown.bpmn).
REPORTED = {"dataset_slug": "building-permits-issued", "dataset_title": "Building permits issued",
            "report_kind": "protected_data", "report_details": "The applicant_email column names private persons."}
WALKS.update({
    "data set corrected after a report": Walk(
        (("decide_takedown", {"takedown_choice": "correct", "takedown_reason": "The e-mail column is taken out.",
                              "corrected_files": ("permits.csv", b"permit_number,issued_on\nBP-1,2026-10-01\n")}),),
        frozenset({"correct_dataset", "write_outcome", "reporter_told"}), process="dataset_takedown"),
    "data set removed after a report": Walk(
        (("decide_takedown", {"takedown_choice": "remove", "takedown_reason": "Private persons' addresses."}),),
        frozenset({"remove_dataset", "reporter_told"}), process="dataset_takedown"),
    "data set left as it is after a report": Walk(
        (("decide_takedown", {"takedown_choice": "leave", "takedown_reason": "The addresses are the city's offices."}),),
        frozenset({"outcome_merge", "reporter_told"}), process="dataset_takedown"),
    # Reported Monday 23 November 2026: three business days (Thanksgiving not counted) end Friday 27, 23:59:59 CST.
    "data set report not decided in time": Walk(
        (("@", datetime(2026, 11, 28, 6, 0, 0, tzinfo=timezone.utc)),
         ("take_up_late_decision", {"late_decision_action": "Asked the Records Manager to decide by Tuesday."}),
         ("decide_takedown", {"takedown_choice": "leave", "takedown_reason": "The addresses are the city's offices."})),
        frozenset({"decision_late", "take_up_late_decision", "late_decision_taken_up", "reporter_told"}),
        process="dataset_takedown"),
})
# The yearly Open Data Compliance Report (processes/open_data_compliance_report.bpmn) starts on its timer: the walk
# starts it as the timer would.
WALKS["compliance report through the Advisory Group to the City Manager"] = Walk(
    (("prepare_compliance_report", {"state_of_open_data": "One department publishes.",
                                    "department_plans": "Planning: permits by March."}),
     ("comment_as_liaisons", {"liaison_comments": "Planning agrees."}),
     ("comment_as_it_coordinator", {"it_comments": "The portal is ready."}),
     ("finalise_compliance_report", {"prepared_by": "Rita Manager"}),
     ("acknowledge_compliance_report", {"received_by": "Cameron City Manager"})),
    frozenset({"comment_as_liaisons", "comment_as_it_coordinator", "keep_compliance_report",
               "compliance_report_received"}), process="open_data_compliance_report")
STARTS = {"records_request": (REQUEST, "R"), "record_removal": (REMOVAL, None), "dataset_approval": ({}, "OD"),
          "dataset_takedown": (REPORTED, "DT")}
SCHEDULED = {"open_data_compliance_report"}


def test_the_walks_take_every_branch_after_a_user_task():
    """Every gateway right after a user task has each of its branches walked, in every process."""
    walked = {(walk.process, element) for walk in WALKS.values() for element in walk.reaches}
    missing = sorted((process, task, gateway, target) for process, task, gateway, target in _branches_after_user_tasks()
                     if (process, target) not in walked)
    assert missing == []


@pytest.fixture
def walker(app, client, login_as, process_engine, time_machine):
    """Signed in with every role, the city's records office opened on the Monday of the walks (the records
    request, the removal of a record, the data set approval and the report on a published data set deployed, and
    the data set REPORTED names published)."""
    from records_office import open_records_office
    time_machine.move_to(MONDAY)
    open_records_office(process_engine)
    for process in ("record_removal", "dataset_approval", "dataset_takedown", "open_data_compliance_report"):
        process_engine.deploy_file(REPO / "processes" / f"{process}.bpmn", REPO / "forms", actor="analyst")
    with app.app_context():
        stored = process_engine.operators.files.store(PERMITS_SAMPLE[0][2], "permits.csv")
        publish_dataset(db.session.connection(), metadata={
            "title": REPORTED["dataset_title"], "description": "Every permit.", "department": "Planning",
            "contact_email": "opendata@city.example"}, approved_in=1, files=[
            {"sha256": stored.sha256, "filename": stored.filename, "content_type": stored.content_type,
             "size": stored.size}])
        db.session.commit()
    return login_as(*WALKER_ROLES, username="walker")


@pytest.mark.parametrize("name", list(WALKS))
def test_a_process_can_be_walked_through_its_task_pages(name, walker, process_engine, csrf_token, time_machine,
                                                        staff_password):
    walk = WALKS[name]
    if walk.process in SCHEDULED:
        instance = process_engine.start_scheduled_instance(walk.process, actor="scheduler")
    else:
        start, prefix = STARTS[walk.process]
        received = MONDAY.astimezone(CITY_TIME_ZONE).isoformat()
        uploaded = {name: file_reference(process_engine.operators.files.store(content, filename))
                    for name, filename, content in walk.start_files}      # the app's file store, as the form's upload
        instance = process_engine.start_instance(walk.process, {**start, "received_at": received, **walk.start,
                                                                **uploaded}, actor="clerk", tracking_prefix=prefix)
    assert instance.incidents == ()
    for bpmn_id, answers in walk.steps:
        if bpmn_id == "@":
            time_machine.move_to(answers)
            assert process_engine.fire_due_timers() >= 1
            # A day later the sign-in has lapsed: the walker signs in again, as a clerk would.
            signed_in = walker.post("/login", data={"username": "walker", "password": staff_password,
                                                    "csrf_token": csrf_token(walker)})
            assert signed_in.status_code == 302
            continue
        task = _open_task(process_engine, instance.instance_id, bpmn_id)
        page = walker.get(f"/inbox/tasks/{task.task_id}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        fields = fields_of(process_engine.form_schema(task.task_id), process_engine.form_ui_schema(task.task_id))
        for form_field in fields:
            assert _has_input(text, form_field), f"{bpmn_id}: no input for {form_field.name}"
        uploads = {name: (io.BytesIO(value[1]), value[0]) for name, value in answers.items() if isinstance(value, tuple)}
        data = {**_plain_answers(fields, process_engine.form_schema(task.task_id)), **answers, **uploads,
                **_kept_files(text),
                "csrf_token": csrf_token(walker, f"/inbox/tasks/{task.task_id}")}
        done = walker.post(f"/inbox/tasks/{task.task_id}/complete", data=data)
        assert done.status_code == 302, _errors_on(done.get_data(as_text=True))
        assert process_engine.get_instance(instance.instance_id).status in ("active", "completed")
    diagram = process_engine.instance_diagram(instance.instance_id)
    reached = {*diagram.completed, *diagram.active, *(bpmn_id for bpmn_id, _ in diagram.timers),
               *(bpmn_id for bpmn_id, _ in diagram.messages)}
    assert walk.reaches <= reached, sorted(walk.reaches - reached)


def _open_task(engine, instance_id: int, bpmn_id: str):
    tasks = {task.bpmn_id: task for task in engine.list_tasks(instance_id=instance_id)}
    assert bpmn_id in tasks, f"{bpmn_id} is not open; open: {sorted(tasks)}"
    return tasks[bpmn_id]


def _has_input(page: str, form_field) -> bool:
    if form_field.readonly:
        return True
    if form_field.widget in ("rows", "list"):
        return all(f'name="{form_field.name}-0-{column.name}"' in page for column in form_field.columns)
    return f'name="{form_field.name}"' in page


def _kept_files(page: str) -> dict:
    """The files the page shows as chosen already, sent back as a browser sends them (the kept tokens)."""
    return {name: html.unescape(token) for name, token in re.findall(r'name="([\w-]+-kept)" value="([^"]*)"', page)}


def _plain_answers(fields, schema) -> dict:
    """A plain value for each required field the walk leaves unanswered, as a browser sends it."""
    required = set((schema or {}).get("required", ()))
    answers: dict = {}
    for form_field in fields:
        if form_field.name not in required or form_field.readonly:
            continue
        if form_field.widget in ("select", "radio", "yes_no"):
            answers[form_field.name] = "false" if form_field.widget == "yes_no" else form_field.choices[0][0]
        elif form_field.widget == "checkboxes":
            answers[form_field.name] = [form_field.choices[0][0]]
        elif form_field.widget in ("integer", "number", "money"):
            answers[form_field.name] = "0"
        elif form_field.widget == "date":
            answers[form_field.name] = MONDAY.astimezone(CITY_TIME_ZONE).date().isoformat()
        elif form_field.widget in ("rows", "list"):
            answers[f"{form_field.name}-rows"] = "0"
        else:
            answers[form_field.name] = "Walked through the inbox"
    return answers


def _errors_on(page: str) -> list[str]:
    return [html.unescape(error) for error in re.findall(r'class="field-error"[^>]*>([^<]*)<', page)] \
        + [html.unescape(alert) for alert in re.findall(r'role="alert">([^<]*)<', page)]


def test_validate_and_deploy_refuse_a_form_the_inbox_cannot_draw(login_as, client, csrf_token, forms_copy,
                                                                   process_engine):
    login_as("analyst")
    token = csrf_token(client, "/inbox")
    review = forms_copy / "records_request" / "review_request.schema.json"
    schema = json.loads(review.read_text())
    schema["properties"]["shelf_marks"] = {"type": "array", "items": {"type": "array", "items": {"type": "string"}}}
    review.write_text(json.dumps(schema))
    body = json.dumps({"bpmn": (REPO / "processes" / "records_request.bpmn").read_text(), "file_name": "rr.bpmn"})
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    checked = client.post("/modeler/validate", data=body, content_type="application/json", headers=headers)
    messages = [problem["message"] for problem in checked.get_json()["problems"]]
    assert checked.get_json()["ok"] is False
    assert messages == ["form review_request.schema.json: the inbox has no input for field 'shelf_marks' (its type); "
                        "use a string, number, boolean, choices, a list of those or a table of rows (docs/forms.md)"]
    deployed = client.post("/modeler/deploy", data=body, content_type="application/json", headers=headers)
    assert deployed.status_code == 422 and process_engine.versions("records_request") == []


@pytest.mark.parametrize("process, task_id, form_file, ui_file", _user_tasks(),
                         ids=[f"{process}:{task}" for process, task, _, _ in _user_tasks()])
def test_every_choice_of_every_task_form_is_shown_by_its_label(process, task_id, form_file, ui_file):
    """A clerk reads "Grant in full", never the stored value "grant" or "account_credit"."""
    schema = _form(process, form_file)
    if schema is None:
        return
    bare = [form_field.name for form_field in fields_of(schema, _form(process, ui_file))
            for submitted, label, _ in form_field.choices
            if form_field.widget in ("select", "radio", "checkboxes") and label == submitted]
    assert bare == []
