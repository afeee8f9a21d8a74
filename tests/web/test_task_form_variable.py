"""The task page of a user task with `spiffworkflow:variableName`: its form starts from the answers that
variable holds (not from data fields of the same names elsewhere in the request), and what is submitted
there is kept in that variable."""
from __future__ import annotations

import pytest
from scenario_data import DIAGRAMS, FORMS
from test_task_forms import typed_value


@pytest.fixture
def review(process_engine):
    """An instance of review_into_variable whose request data has its own "pages" (99), outside `review`."""
    process_engine.deploy_file(DIAGRAMS / "review_into_variable.bpmn", FORMS, actor="tests")
    instance = process_engine.start_instance("review_into_variable", {"pages": 99}, actor="tests")
    return instance.instance_id


def _open_task(process_engine, instance_id):
    [task] = process_engine.list_tasks(instance_id=instance_id)
    return task


def test_the_first_form_on_a_variable_starts_blank_and_its_answers_are_kept_in_the_variable(
        login_as, client, csrf_token, process_engine, review):
    login_as("custodian")
    page = f"/inbox/tasks/{_open_task(process_engine, review).task_id}"
    assert typed_value(client.get(page).get_data(as_text=True), "pages") == ""    # not the request's 99

    response = client.post(f"{page}/complete", data={"approved": "true", "pages": "7",
                                                      "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    check = _open_task(process_engine, review)
    assert check.bpmn_id == "check_review"
    assert process_engine.form_answers(check.task_id) == {"approved": True, "pages": 7}


def test_the_next_form_on_the_same_variable_shows_the_answers_it_holds(login_as, client, process_engine, review):
    first = _open_task(process_engine, review)
    process_engine.complete_task(first.task_id, {"approved": False, "pages": 3}, actor="tests")
    login_as("custodian")
    page = client.get(f"/inbox/tasks/{_open_task(process_engine, review).task_id}").get_data(as_text=True)
    assert typed_value(page, "pages") == "3"
