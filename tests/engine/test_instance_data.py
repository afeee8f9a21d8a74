"""The data an instance shows (its page, its diagram, the audit of what a step changed) is exactly the workflow's
data as SpiffWorkflow holds it: the data where it waits, and once it has ended the workflow's own data.
Run beside the bare library, restored cold, with the clock frozen (every step at one instant)."""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

from engine.derive import instance_data
from scenario_data import DIAGRAMS, WARM_AND_RESTORED
from side_by_side import BareRun, engine_workflow

pytestmark = WARM_AND_RESTORED


def test_a_count_that_looped_shows_its_last_values_while_waiting_and_once_ended(engine, deploy, friday_9am):
    deploy("count_to_three")
    instance_id = engine.start_instance("count_to_three", {"office": "clerk"}, actor="clerk").instance_id
    bare = BareRun(DIAGRAMS / "count_to_three.bpmn", "count_to_three", {"office": "clerk"})

    [waiting] = bare.workflow().get_tasks(state=TaskState.READY)
    shown = engine.instance_diagram(instance_id).data
    assert shown == waiting.data == {"office": "clerk", "boxes": 3, "done": True}
    assert instance_data(engine_workflow(engine, instance_id)) == waiting.data

    [task] = engine.list_tasks(instance_id=instance_id)
    engine.complete_task(task.task_id, {}, actor="clerk")
    bare.complete("file_count", {})
    assert bare.workflow().is_completed()
    assert engine.instance_diagram(instance_id).data == bare.workflow().data == {"office": "clerk", "boxes": 3,
                                                                                 "done": True}
