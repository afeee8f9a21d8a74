"""The modeler's Validate and Deploy on timers (issue 13): a timer typed as Camunda users type it (PT72H,
unquoted) passes and deploys as the quoted text the engine reads; a timer that could not run is a
problem located on its element, never a deployed diagram that breaks the first instance reaching it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from records_office import open_records_office

REPO = Path(__file__).parents[2]
QUOTED_WAIT = '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT72H"</bpmn:timeDuration>'
BARE_WAIT = QUOTED_WAIT.replace('"PT72H"', "PT72H")
DEADLINE = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">response_due_at</bpmn:timeDate>'


def records_request_xml() -> str:
    return (REPO / "processes" / "records_request.bpmn").read_text(encoding="utf-8")


def post_json(client, path, xml, token):
    return client.post(path, data=json.dumps({"bpmn": xml, "file_name": "records_request.bpmn"}),
                       content_type="application/json", headers={"X-CSRF-Token": token, "Accept": "application/json"})


def test_a_bare_iso_duration_validates_and_deploys_as_the_quoted_text(login_as, client, csrf_token, process_engine):
    open_records_office(process_engine)
    login_as("analyst")
    token = csrf_token(client, "/inbox")
    typed = records_request_xml().replace(QUOTED_WAIT, BARE_WAIT)
    assert typed != records_request_xml()
    answer = post_json(client, "/modeler/validate", typed, token).get_json()
    assert answer == {"ok": True, "message": "No problems found: this diagram can be deployed.", "problems": []}
    deployed = post_json(client, "/modeler/deploy", typed, token).get_json()
    # Quoted, it is the diagram already deployed: nothing changed.
    assert (deployed["ok"], deployed["created"], deployed["version"]) == (True, False, 1)


@pytest.mark.parametrize("timer, written, problem", [
    (QUOTED_WAIT, "P72X", "'P72X' is not an ISO 8601 duration (such as P45D or PT72H)"),
    (QUOTED_WAIT, '"72 hours"', "'72 hours' is not an ISO 8601 duration"),
    (DEADLINE, "response_due", 'timer expression uses "response_due", which nothing in the diagram or its forms '
                               'sets (a form field, a script, an operator\'s result variable or a message variable); '
                               'did you mean "response_due_at"?'),
])
def test_validate_names_the_timer_that_cannot_run(login_as, client, csrf_token, timer, written, problem):
    login_as("analyst")
    token = csrf_token(client, "/inbox")
    element = timer.split(">")[0] + ">"
    broken = records_request_xml().replace(timer, f"{element}{written}</{element[1:].split()[0]}>")
    answer = post_json(client, "/modeler/validate", broken, token).get_json()
    assert answer["ok"] is False
    [found] = answer["problems"]
    expected = "privacy_wait" if timer == QUOTED_WAIT else "response_deadline_passed"
    assert found["bpmn_id"] == expected and found["line"]
    assert problem in found["message"]
    refused = post_json(client, "/modeler/deploy", broken, token)
    assert refused.status_code == 422 and refused.get_json()["problems"] == answer["problems"]
