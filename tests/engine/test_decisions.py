"""A business rule task evaluates the DMN decision table deployed with its diagram exactly as SpiffWorkflow
does, through the sandbox, with the table kept in the version (so a restart evaluates the same table); a
diagram whose decision is not deployed, or a cell the sandbox refuses, is refused at deploy (issue 18)."""
from __future__ import annotations

from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, VALIDATOR
from SpiffWorkflow.util.task import TaskState

from engine import DeployRefused, DiagramSource, ProcessEngine
from scenario_data import FORMS, WARM_AND_RESTORED
from support import open_task

DECISIONS = Path(__file__).parent / "diagrams" / "decisions"
BPMN, DMN = DECISIONS / "fee_waiver.bpmn", DECISIONS / "fee_waiver.dmn"
SLOW_CELL = "sum(x for x in range(999) for y in range(999) for z in range(999))"


def decided_on_the_bare_library(answers: dict) -> tuple[list[str], dict]:
    """The completed tasks in order and the data at the review, run on SpiffWorkflow alone."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(BPMN))
    parser.add_dmn_file(str(DMN))
    workflow = BpmnWorkflow(parser.get_spec("fee_waiver"), parser.get_subprocess_specs("fee_waiver"))
    workflow.do_engine_steps()
    describe = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    describe.data.update(answers)
    describe.run()
    workflow.do_engine_steps()
    review = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    done = [task.task_spec.bpmn_id for task in workflow.get_tasks(state=TaskState.COMPLETED)
            if task.task_spec.bpmn_id and task.task_spec.bpmn_id != "fee_waiver"]
    return done, dict(review.data)


def hostile(cell: str) -> DiagramSource:
    """The fee waiver diagram with the short-request rule's percent cell replaced by `cell`."""
    dmn = DMN.read_text().replace("<text>pages * 2</text>", f"<text>{cell}</text>")
    return DiagramSource(BPMN.name, BPMN.read_bytes(), {}, {DMN.name: dmn.encode()})


@WARM_AND_RESTORED
@pytest.mark.parametrize("answers", [{"requester_kind": "press", "pages": 400},
                                     {"requester_kind": "resident", "pages": 7},
                                     {"requester_kind": "resident", "pages": 90}],
                         ids=["press", "short", "long"])
def test_business_rule_task_decides_as_spiffworkflow_does(engine, answers):
    engine.deploy_file(BPMN, FORMS, actor="analyst")
    instance = engine.start_instance("fee_waiver", actor="clerk")
    engine.complete_task(open_task(engine, instance.instance_id, "describe_request").task_id, answers,
                         actor="clerk")

    done, data = decided_on_the_bare_library(answers)
    review = open_task(engine, instance.instance_id, "review_waiver")
    assert engine.instance_diagram(instance.instance_id).data == data
    assert {"waiver", "waived_percent"} <= set(data)
    assert list(engine.instance_diagram(instance.instance_id).completed) == done
    engine.complete_task(review.task_id, {}, actor="clerk")
    assert engine.get_instance(instance.instance_id).status == "completed"


def test_the_version_keeps_the_decision_it_was_deployed_with(engine, tmp_path):
    folder = tmp_path / "processes"
    folder.mkdir()
    (folder / BPMN.name).write_bytes(BPMN.read_bytes())
    (folder / DMN.name).write_bytes(DMN.read_bytes())
    version = engine.deploy_file(folder / BPMN.name, FORMS, actor="analyst").version
    instance = engine.start_instance("fee_waiver", actor="clerk")
    # The table changes on disk after deploy: the deployed version still decides with the one it was given.
    (folder / DMN.name).write_text(DMN.read_text().replace("<text>pages * 2</text>", "<text>1</text>"))
    restarted = ProcessEngine(engine.database, warm_cache_size=0)
    restarted.complete_task(open_task(restarted, instance.instance_id, "describe_request").task_id,
                            {"requester_kind": "resident", "pages": 7}, actor="clerk")
    assert restarted.instance_diagram(instance.instance_id).data["waived_percent"] == 14
    assert restarted.version_decisions("fee_waiver", version.version) == {DMN.name: DMN.read_text()}


def test_deploy_refuses_a_business_rule_task_whose_decision_is_not_deployed(engine):
    with pytest.raises(DeployRefused) as refused:
        engine.deploy_source(DiagramSource(BPMN.name, BPMN.read_bytes(), {}), actor="analyst")
    assert refused.value.details == [
        "fee_waiver.bpmn, line 16, element 'decide_waiver': the business rule task calls decision "
        '"fee_waiver_decision", which is not deployed with this diagram (put the .dmn file that defines it '
        "beside the diagram); no .dmn file was deployed with it"]
    assert engine.versions() == []


def test_deploy_refuses_a_decision_cell_the_sandbox_refuses(engine):
    with pytest.raises(DeployRefused) as refused:
        engine.deploy_source(hostile("open('/etc/passwd').read()"), actor="analyst")
    assert refused.value.details == [
        "fee_waiver.dmn, line 28, element 'short_percent': rule 2, output 'waived_percent' cell "
        "\"open('/etc/passwd').read()\": line 1: open() is not allowed in scripts"]


def test_a_decision_cell_that_runs_too_long_stops_with_an_incident(database):
    engine = ProcessEngine(database, script_time_limit=0.2)
    engine.deploy_source(hostile(SLOW_CELL), actor="analyst")
    instance = engine.start_instance("fee_waiver", actor="clerk")
    engine.complete_task(open_task(engine, instance.instance_id, "describe_request").task_id,
                         {"requester_kind": "resident", "pages": 7}, actor="clerk")
    stopped = engine.get_instance(instance.instance_id)
    assert stopped.status == "incident"
    [incident] = stopped.incidents
    assert incident.bpmn_id == "decide_waiver"
    assert "ScriptTimeout: the script ran longer than 0.2 seconds and was stopped" in incident.error_message
    assert incident.data_seen == {"requester_kind": "resident", "pages": 7}
    # The database is still usable: another instance is decided while this one waits for repair.
    other = engine.start_instance("fee_waiver", actor="clerk")
    engine.complete_task(open_task(engine, other.instance_id, "describe_request").task_id,
                         {"requester_kind": "press", "pages": 7}, actor="clerk")
    assert engine.instance_diagram(other.instance_id).data["waiver"] == "full"


@pytest.mark.parametrize(("change", "message"), [
    (('<rule id="short_rule">', '<rul id="short_rule">'),
     "fee_waiver.dmn, line 29: the file is not well-formed XML: Opening and ending tag mismatch: rul line 24"),
    (('<outputEntry id="press_waiver">', "<outputEntry>"), "fee_waiver.dmn, line 21: <outputEntry> needs an id attribute."),
    (('<text>"full"</text>', '<text>"full</text>'),
     "fee_waiver.dmn, line 21, element 'press_waiver': Malformed Output Expression '\"full'."),
], ids=["not well-formed", "no id", "cell not Python"])
def test_a_decision_file_that_does_not_parse_is_refused_with_its_line(engine, change, message):
    dmn = DMN.read_text().replace(*change, 1)
    with pytest.raises(DeployRefused) as refused:
        engine.deploy_source(DiagramSource(BPMN.name, BPMN.read_bytes(), {}, {DMN.name: dmn.encode()}),
                             actor="analyst")
    assert refused.value.user_message.startswith(message)
    assert engine.versions() == []


@pytest.mark.parametrize(("policy", "problem"), [
    ('hitPolicy="PRIORITY"', "hit policy PRIORITY: not supported (SpiffWorkflow would take the first matching rule)"),
    ('hitPolicy="COLLECT" aggregation="SUM"', "hit policy COLLECT with SUM: aggregation is not supported"),
], ids=["priority", "collect sum"])
def test_deploy_refuses_a_hit_policy_spiffworkflow_would_run_as_another(engine, policy, problem):
    dmn = DMN.read_text().replace('hitPolicy="FIRST"', policy)
    with pytest.raises(DeployRefused) as refused:
        engine.deploy_source(DiagramSource(BPMN.name, BPMN.read_bytes(), {}, {DMN.name: dmn.encode()}),
                             actor="analyst")
    [message] = refused.value.details
    assert message.startswith(f"fee_waiver.dmn, line 5, element 'fee_waiver_table': {problem}")


def test_a_decision_file_in_another_declared_encoding_is_kept_as_utf8(engine):
    dmn = DMN.read_text().replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>')
    latin = dmn.replace('<text>"none"</text>', '<text>"aucune réduction"</text>').encode("iso-8859-1")
    version = engine.deploy_source(DiagramSource(BPMN.name, BPMN.read_bytes(), {}, {DMN.name: latin}),
                                   actor="analyst").version
    instance = engine.start_instance("fee_waiver", actor="clerk")
    engine.complete_task(open_task(engine, instance.instance_id, "describe_request").task_id,
                         {"requester_kind": "resident", "pages": 90}, actor="clerk")
    assert engine.instance_diagram(instance.instance_id).data["waiver"] == "aucune réduction"
    assert '"aucune réduction"' in engine.version_decisions("fee_waiver", version.version)[DMN.name]
