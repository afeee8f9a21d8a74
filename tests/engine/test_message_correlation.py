"""Message correlation as SpiffWorkflow 3.2 does it: the message's correlation values are retrieved from its
payload, and a waiting instance is matched by the values it knows (its processVariableCorrelation, or what the
earlier messages of its conversation carried). A message that correlates with nobody is refused and changes
nothing. Each case is run on the bare library too (restored cold), and the receivers compared.
"""
from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException

from engine import MessageNotDeliverable
from scenario_data import DIAGRAMS, WARM_AND_RESTORED
from side_by_side import BareRun, engine_outcome
from support import assert_derived_rows_match_state, open_task_ids

pytestmark = WARM_AND_RESTORED

CASES = ("PC-2026-00001", "PC-2026-00002")


def _bare_receivers(bare_runs: dict[str, BareRun], payload: dict) -> list[str]:
    """Which bare instances catch the message: SpiffWorkflow computes its correlations from the payload."""
    caught = []
    for case, bare in bare_runs.items():
        workflow = bare.workflow()
        [task] = workflow.event_manager.tasks.values()
        definition = task.task_spec.event_definition
        correlations = definition.calculate_correlations(workflow.script_engine, definition.correlation_properties,
                                                         payload)
        try:
            workflow.send_event(BpmnEvent(definition, payload, correlations))
        except WorkflowException:
            continue
        bare._save(workflow)
        caught.append(case)
    return caught


@pytest.fixture
def waiting(engine, deploy):
    """Two decisions waiting for an appeal, each knowing its case number from its own data (tracking_number)."""
    deploy("appeal_by_case_number")
    instances = {case: engine.start_instance("appeal_by_case_number", {"tracking_number": case}, actor="clerk")
                 .instance_id for case in CASES}
    bare_runs = {case: BareRun(DIAGRAMS / "appeal_by_case_number.bpmn", "appeal_by_case_number",
                               {"tracking_number": case}) for case in CASES}
    return instances, bare_runs


def test_an_appeal_names_its_case_in_its_own_words_and_reaches_that_case_only(engine, waiting):
    instances, bare_runs = waiting
    for case, instance_id in instances.items():
        [subscription] = engine.subscriptions(instance_id=instance_id)
        assert subscription.correlation == {"case_number": case}   # from processVariableCorrelation, not None

    payload = {"appeal_of": CASES[1], "grounds": "The fine is wrong."}   # the payload's word is appeal_of
    assert engine.deliver_message("appeal_lodged", {}, payload, actor="portal") == [instances[CASES[1]]]
    assert _bare_receivers(bare_runs, payload) == [CASES[1]]
    for case, instance_id in instances.items():
        assert engine_outcome(engine, instance_id) == bare_runs[case].outcome()
        assert_derived_rows_match_state(engine, instance_id)
    assert open_task_ids(engine, instances[CASES[1]]) == ["review_appeal"]
    assert open_task_ids(engine, instances[CASES[0]]) == []


def test_an_appeal_for_no_waiting_case_is_refused_and_changes_nothing(engine, waiting):
    instances, bare_runs = waiting
    trails = {case: engine.audit_trail(instance_id) for case, instance_id in instances.items()}
    payload = {"appeal_of": "PC-2026-00099", "grounds": "Wrong case."}
    with pytest.raises(MessageNotDeliverable):
        engine.deliver_message("appeal_lodged", {}, payload, actor="portal")
    assert _bare_receivers(bare_runs, payload) == []
    with pytest.raises(MessageNotDeliverable):   # a payload that does not carry the case number at all
        engine.deliver_message("appeal_lodged", {}, {"grounds": "Which case?"}, actor="portal")
    for case, instance_id in instances.items():
        assert engine.audit_trail(instance_id) == trails[case]
        assert len(engine.subscriptions(instance_id=instance_id)) == 1
        assert engine_outcome(engine, instance_id) == bare_runs[case].outcome()
