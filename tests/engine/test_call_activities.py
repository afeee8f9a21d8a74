"""Call activities to a process of another file, and collaborations of several pools, run as SpiffWorkflow runs them.

Each diagram is run on the bare library (the parser given every file, `BpmnWorkflow(spec, subprocess_specs)`)
and through the engine with the state restored cold between steps; the completed tasks in order and the
data must be the same. A called process's version is pinned when the instance starts.
"""
from __future__ import annotations

import shutil

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, VALIDATOR
from SpiffWorkflow.util.task import TaskState

from engine import DeployRefused, FormInvalid, ProcessEngine
from engine.deploy import DiagramSource
from scenario_data import DIAGRAMS
from support import assert_derived_rows_match_state, open_task, open_task_ids, restored_workflow

CALLS = DIAGRAMS / "calls"
START = {"requester": "Ada", "fee_paid": True}

pytestmark = pytest.mark.warm_and_restored


def library_workflow(process_id: str, *files: str, collaboration: bool = False) -> BpmnWorkflow:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for name in files:
        parser.add_bpmn_file(str(CALLS / name))
    if collaboration:
        return BpmnWorkflow(*parser.get_collaboration(process_id))
    return BpmnWorkflow(parser.get_spec(process_id), parser.get_subprocess_specs(process_id))


def library_start(workflow: BpmnWorkflow, data: dict) -> None:
    workflow.task_tree.data.update(data)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    workflow.do_engine_steps()


def library_complete(workflow: BpmnWorkflow, bpmn_id: str, data: dict) -> None:
    [task] = [task for task in workflow.get_tasks(state=TaskState.READY, manual=True) if task.task_spec.bpmn_id == bpmn_id]
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()


def completed_in_order(workflow: BpmnWorkflow) -> list[str]:
    return [task.task_spec.bpmn_id for task in workflow.get_tasks(state=TaskState.COMPLETED)
            if task.task_spec.bpmn_id]


def cold(engine: ProcessEngine) -> ProcessEngine:
    """A new engine on the same database: nothing in memory, as after a restart or in another worker."""
    return ProcessEngine(engine.database, warm_cache_size=0)


def deploy_calls(engine: ProcessEngine, *names: str) -> None:
    for name in names:
        engine.deploy_file(CALLS / name, CALLS / "forms", actor="analyst")


def complete(engine: ProcessEngine, instance_id: int, bpmn_id: str, data: dict) -> None:
    engine.complete_task(open_task(engine, instance_id, bpmn_id).task_id, data, actor="clerk")
    assert_derived_rows_match_state(engine, instance_id)


def test_a_call_to_a_shared_process_of_another_file_runs_as_spiffworkflow_runs_it(engine):
    library = library_workflow("permit_request", "permit_request.bpmn", "notify_requester.bpmn")
    deploy_calls(engine, "notify_requester.bpmn", "permit_request.bpmn")
    library_start(library, START)
    instance_id = engine.start_instance("permit_request", START, actor="clerk").instance_id
    steps = [("check_address", {"address_ok": True}), ("send_notice", {"sent_by": "mail"}),
             ("file_permit", {"filed_by": "Bea"})]
    for bpmn_id, data in steps:
        engine = cold(engine)
        assert open_task_ids(engine, instance_id) == [bpmn_id]
        library_complete(library, bpmn_id, data)
        complete(engine, instance_id, bpmn_id, data)
        assert completed_in_order(restored_workflow(engine, instance_id)) == completed_in_order(library)
    ours = restored_workflow(engine, instance_id)
    assert ours.is_completed() and library.is_completed()
    assert ours.data == library.data
    assert ours.data["notice"] == "Dear Ada, your request is granted."
    assert engine.get_instance(instance_id).status == "completed"


def test_an_instance_runs_the_called_version_pinned_when_it_started_and_a_new_one_the_newest(engine):
    deploy_calls(engine, "notify_requester.bpmn", "permit_request.bpmn")
    waiting = engine.start_instance("permit_request", START, actor="clerk").instance_id
    assert open_task_ids(engine, waiting) == ["check_address"]   # inside the call, on version 1
    deploy_calls(engine, "notify_requester_v2.bpmn")
    assert [version.version for version in engine.versions("notify_requester")] == [1, 2]
    newer = engine.start_instance("permit_request", START, actor="clerk").instance_id
    engine = cold(engine)
    assert [(c.process_key, c.version) for c in engine.called_versions(waiting)] == [("notify_requester", 1)]
    assert [(c.process_key, c.version) for c in engine.called_versions(newer)] == [("notify_requester", 2)]
    for instance_id in (waiting, newer):
        complete(engine, instance_id, "check_address", {})
    assert open_task(engine, waiting, "send_notice")
    assert restored_workflow(engine, waiting).get_tasks(state=TaskState.READY, manual=True)[0].data["notice"] == \
        "Dear Ada, your request is granted."
    assert restored_workflow(engine, newer).get_tasks(state=TaskState.READY, manual=True)[0].data["notice"] == \
        "Hello Ada: granted (notice form 2)"
    audit = [event.detail for event in engine.audit_trail(waiting) if event.action == "start"]
    assert audit == ["version 1; calls notify_requester version 1"]


def test_a_task_of_the_called_process_takes_its_form_from_the_called_version(engine):
    deploy_calls(engine, "notify_requester.bpmn", "permit_request.bpmn")
    instance_id = engine.start_instance("permit_request", START, actor="clerk").instance_id
    complete(engine, instance_id, "check_address", {})
    engine = cold(engine)
    send = open_task(engine, instance_id, "send_notice")
    assert engine.form_schema(send.task_id)["required"] == ["sent_by"]
    with pytest.raises(FormInvalid) as refused:
        engine.complete_task(send.task_id, {"sent_by": "pigeon"}, actor="clerk")
    assert "sent_by" in refused.value.field_errors
    complete(engine, instance_id, "send_notice", {"sent_by": "email"})
    assert open_task_ids(engine, instance_id) == ["file_permit"]


def test_deploy_refuses_a_call_to_a_process_that_is_not_deployed_naming_it(engine):
    with pytest.raises(DeployRefused) as refused:
        deploy_calls(engine, "permit_request.bpmn")
    [problem] = refused.value.details
    assert "element 'notify' (Notify the requester)" in problem
    assert 'calls the process "notify_requester", which is not deployed; deploy its diagram first' in problem
    assert engine.versions() == []
    source = DiagramSource("permit_request.bpmn", (CALLS / "permit_request.bpmn").read_bytes(), {})
    [located] = engine.check_source(source)   # the modeler's Validate says the same, on the element
    line = next(number for number, text in enumerate(source.bpmn.decode().splitlines(), 1) if 'id="notify"' in text)
    assert (located.bpmn_id, located.line) == ("notify", line)


def test_deploying_a_folder_deploys_the_called_process_before_the_file_calling_it(engine, tmp_path):
    shutil.copy(CALLS / "permit_request.bpmn", tmp_path / "a_permit_request.bpmn")
    shutil.copy(CALLS / "notify_requester.bpmn", tmp_path / "z_notify_requester.bpmn")
    results = engine.deploy_directory(tmp_path, CALLS / "forms", actor="analyst")
    assert [result.version.process_key for result in results] == ["notify_requester", "permit_request"]


def test_a_collaboration_of_two_pools_starts_both_and_carries_the_message_between_them(engine):
    library = library_workflow("permit_and_payment", "permit_and_payment.bpmn", collaboration=True)
    result = engine.deploy_file(CALLS / "permit_and_payment.bpmn", None, actor="analyst")
    assert (result.version.process_key, result.version.display_name) == ("permit_and_payment", "Permit and payment")
    library_start(library, {"applicant": "Ada"})
    instance_id = engine.start_instance("permit_and_payment", {"applicant": "Ada"}, actor="clerk").instance_id
    assert open_task_ids(engine, instance_id) == ["take_fee"]
    assert engine.task_data(open_task(engine, instance_id, "take_fee").task_id)["applicant"] == "Ada"
    for bpmn_id, data in [("take_fee", {"amount": 25}), ("issue_permit", {"permit_number": "P-7"})]:
        engine = cold(engine)
        library_complete(library, bpmn_id, data)
        complete(engine, instance_id, bpmn_id, data)
        assert completed_in_order(restored_workflow(engine, instance_id)) == completed_in_order(library)
        if bpmn_id == "take_fee":
            assert open_task_ids(engine, instance_id) == ["issue_permit"]
            [issue] = restored_workflow(engine, instance_id).get_tasks(state=TaskState.READY, manual=True)
            assert issue.data["payment"] == {"amount": 25}
    assert restored_workflow(engine, instance_id).data == library.data
    assert engine.get_instance(instance_id).status == "completed"


def test_a_diagram_with_two_executable_processes_outside_one_collaboration_is_refused(engine, tmp_path):
    text = (CALLS / "permit_and_payment.bpmn").read_text()
    path = tmp_path / "two.bpmn"
    path.write_text(text.replace('processRef="cash_desk"', 'processRef="somewhere_else"'))
    with pytest.raises(DeployRefused) as refused:
        engine.deploy_file(path, None, actor="analyst")
    assert "permit_desk, cash_desk outside any one collaboration" in str(refused.value)


def test_a_pool_of_a_collaboration_calling_a_process_of_another_file_is_refused_saying_why(engine, tmp_path):
    deploy_calls(engine, "notify_requester.bpmn")
    path = tmp_path / "permit_and_payment.bpmn"
    path.write_text((CALLS / "permit_and_payment.bpmn").read_text().replace(
        '<bpmn:userTask id="issue_permit" name="Issue the permit">',
        '<bpmn:callActivity id="issue_permit" name="Issue the permit" calledElement="notify_requester">').replace(
        "</bpmn:userTask>\n    <bpmn:endEvent id=\"permit_issued\"", "</bpmn:callActivity>\n    <bpmn:endEvent id=\"permit_issued\""))
    with pytest.raises(DeployRefused) as refused:
        engine.deploy_file(path, None, actor="analyst")
    assert "the pool permit_desk calls notify_requester, a process of another file" in str(refused.value)


def test_clerkflow_deploy_of_a_folder_deploys_the_called_process_first(clerkflow, tmp_path):
    shutil.copy(CALLS / "permit_request.bpmn", tmp_path / "a_permit_request.bpmn")
    shutil.copy(CALLS / "notify_requester.bpmn", tmp_path / "z_notify_requester.bpmn")
    status, out, err = clerkflow("deploy", "--forms", str(CALLS / "forms"), str(tmp_path))
    assert status == 0, err
    assert out.splitlines() == ["deployed notify_requester version 1", "deployed permit_request version 1"]


def test_an_instance_waiting_inside_a_call_moves_to_a_new_version_of_its_process_and_keeps_its_called_version(
        engine, tmp_path):
    deploy_calls(engine, "notify_requester.bpmn", "permit_request.bpmn")
    waiting = engine.start_instance("permit_request", START, actor="clerk").instance_id
    deploy_calls(engine, "notify_requester_v2.bpmn")
    renamed = tmp_path / "permit_request.bpmn"     # version 2 of the caller: the same steps, a new name
    text = (CALLS / "permit_request.bpmn").read_text()
    renamed.write_text(text.replace('name="Permit request"', 'name="Permit request (2)"', 1))
    shutil.copytree(CALLS / "forms", tmp_path / "forms")
    engine.deploy_file(renamed, tmp_path / "forms", actor="analyst")
    engine = cold(engine)
    assert engine.check_migration(waiting, 2).movable
    engine.migrate_instance(waiting, 2, actor="admin", reason="the new name")
    engine = cold(engine)
    assert engine.get_instance(waiting).version == 2
    assert [(c.process_key, c.version) for c in engine.called_versions(waiting)] == [("notify_requester", 1)]
    complete(engine, waiting, "check_address", {})
    assert restored_workflow(engine, waiting).get_tasks(state=TaskState.READY, manual=True)[0].data["notice"] == \
        "Dear Ada, your request is granted."
