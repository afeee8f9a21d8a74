"""A diagram declaring ISO-8859-1 deploys from the modeler with its accented names read right (the modeler sends
the diagram as text: the declaration no longer says how the bytes are written, so deploy writes it as UTF-8)."""
from __future__ import annotations

from accented_diagram import ACCENTED, PROCESS_NAME, TASK_TITLE
from test_modeler import post_json

LATIN_DIAGRAM = ACCENTED.format(encoding="ISO-8859-1", process_key="revision")


def test_a_diagram_declaring_iso_8859_1_deploys_from_the_modeler_with_its_names(login_as, client, csrf_token,
                                                                                 process_engine):
    login_as("analyst")
    answer = post_json(client, "/modeler/deploy", {"bpmn": LATIN_DIAGRAM, "file_name": "revision.bpmn"},
                       csrf_token(client, "/inbox"))
    assert answer.status_code == 200, answer.get_json()
    [version] = process_engine.versions("revision")
    assert version.display_name == PROCESS_NAME
    started = process_engine.start_instance("revision", {}, actor="clerk")
    assert [task.title for task in started.open_tasks] == [TASK_TITLE]
