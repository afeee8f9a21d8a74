"""The `clerkflow` command line (web.commands.main: the engine's commands on the city's engine), run
in-process on a fresh database."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import EXIT_REFUSED, EXIT_UNEXPECTED
from web.commands import main

DIAGRAMS = Path(__file__).parent / "diagrams"
REQUEST_SHAPED = str(DIAGRAMS / "request_shaped.bpmn")
FORMS = str(DIAGRAMS / "forms")
RECEIVED = json.dumps({"received_at": "2026-11-20T15:00:00+00:00"})



@pytest.fixture
def review_task(clerkflow, friday_9am) -> dict:
    """A request_shaped instance started Friday 9 am, waiting at "Review request"."""
    assert clerkflow("deploy", REQUEST_SHAPED, "--forms", FORMS)[0] == 0
    status, out, _ = clerkflow("start", "request_shaped", "--data", RECEIVED, "--json")
    assert status == 0
    (task,) = json.loads(out)["open_tasks"]
    return task


def open_tasks(clerkflow) -> list[dict]:
    status, out, _ = clerkflow("tasks", "--json")
    assert status == 0
    return json.loads(out)


def test_redeploying_an_unchanged_diagram_says_unchanged(clerkflow):
    assert clerkflow("deploy", REQUEST_SHAPED, "--forms", FORMS) == (0, "deployed request_shaped version 1\n", "")
    assert clerkflow("deploy", REQUEST_SHAPED, "--forms", FORMS) == (0, "unchanged: request_shaped version 1\n", "")
    status, out, _ = clerkflow("versions", "--json")
    assert status == 0
    assert [(v["process_key"], v["version"]) for v in json.loads(out)] == [("request_shaped", 1)]


def test_a_started_instance_lists_its_review_task(clerkflow, review_task):
    (task,) = open_tasks(clerkflow)
    assert (task["bpmn_id"], task["title"], task["status"]) == ("review_request", "Review request", "open")
    assert task["task_id"] == review_task["task_id"]
    assert task["created_at"].startswith("2026-11-20T15:00:00")   # datetimes as ISO text


def test_a_bad_field_is_named_and_nothing_is_saved(clerkflow, review_task):
    task_id = str(review_task["task_id"])
    before = clerkflow("instance", str(review_task["instance_id"]), "--audit", "--json")[1]

    status, out, err = clerkflow("complete", task_id, "--data", '{"approved": true, "pages": -1}')

    assert status == EXIT_REFUSED
    assert "pages: must be 0 or more" in err
    assert "Traceback" not in err and out == ""
    assert clerkflow("instance", str(review_task["instance_id"]), "--audit", "--json")[1] == before
    assert [task["bpmn_id"] for task in open_tasks(clerkflow)] == ["review_request"]


def test_completing_the_review_moves_on_to_release(clerkflow, review_task):
    status, out, err = clerkflow("complete", str(review_task["task_id"]), "--data",
                                 '{"approved": true, "pages": 4}', "--json")
    assert (status, err) == (0, "")
    assert [task["bpmn_id"] for task in json.loads(out)["open_tasks"]] == ["release_records"]
    assert [task["bpmn_id"] for task in open_tasks(clerkflow)] == ["release_records"]


def test_form_data_can_come_from_a_file(clerkflow, review_task, tmp_path):
    submission = tmp_path / "review.json"
    submission.write_text('{"approved": false, "pages": 0}')
    assert clerkflow("complete", str(review_task["task_id"]), "--data-file", str(submission))[0] == 0
    status, out, _ = clerkflow("instances", "--status", "completed", "--json")
    assert [i["instance_id"] for i in json.loads(out)] == [review_task["instance_id"]]


def test_instances_json_is_valid_json(clerkflow, review_task):
    status, out, _ = clerkflow("instances", "--json")
    assert status == 0
    (listed,) = json.loads(out)
    assert (listed["instance_id"], listed["status"], listed["current_steps"]) == (
        review_task["instance_id"], "active", ["Review request"])


def test_bad_json_in_data_names_the_option(clerkflow, review_task):
    status, out, err = clerkflow("complete", str(review_task["task_id"]), "--data", '{"approved": tru')
    assert status == EXIT_REFUSED
    assert err.startswith("--data is not valid JSON")
    assert [task["bpmn_id"] for task in open_tasks(clerkflow)] == ["review_request"]


def test_an_unmigrated_database_asks_for_db_upgrade(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.setenv("CLERKFLOW_INSTANCE_DIR", str(tmp_path / "instance"))

    for argv in (["tasks"], ["start", "request_shaped"], ["deploy", REQUEST_SHAPED, "--forms", FORMS]):
        assert main(argv) == EXIT_REFUSED
        out, err = capsys.readouterr()
        assert "has no Clerkflow tables yet; run `clerkflow db upgrade` first" in err
        assert "Traceback" not in err and out == ""

    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.endswith("x.db is up to date\n")
    assert main(["tasks", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_an_unknown_message_is_refused_clearly(clerkflow):
    status, out, err = clerkflow("message", "records_ready", "--correlation", '{"request_id": "R-1"}')
    assert status == EXIT_REFUSED
    assert err == ('No instance is waiting for message "records_ready" with request_id=\'R-1\', '
                   "and no process starts on it.\n")


def test_an_unknown_instance_is_refused_not_a_traceback(clerkflow):
    assert clerkflow("instance", "99") == (EXIT_REFUSED, "", "No process instance 99.\n")


def test_an_unexpected_error_shows_a_reference_and_logs_the_traceback(clerkflow, monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr("engine.api.ProcessEngine.versions", broken)

    status, out, err = clerkflow("versions")

    assert status == EXIT_UNEXPECTED
    assert err.startswith("unexpected error; reference ")
    reference = err.split()[3]
    assert "Traceback" not in err and "disk on fire" not in err
    log = (tmp_path / "instance" / "clerkflow.log").read_text()
    assert f"reference {reference}" in log and "RuntimeError: disk on fire" in log


def test_start_numbers_a_request_with_a_tracking_prefix(database_url, monkeypatch, capsys):
    from scenario_data import DIAGRAMS, FORMS
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["deploy", str(DIAGRAMS / "routed.bpmn"), "--forms", str(FORMS)]) == 0
    capsys.readouterr()
    assert main(["start", "routed", "--tracking-prefix", "R", "--json"]) == 0
    import json
    started = json.loads(capsys.readouterr().out)
    assert started["business_key"].startswith("R-") and started["business_key"].endswith("-00001")


def test_start_without_what_the_process_reads_at_its_start_is_refused_naming_it(clerkflow, friday_9am):
    assert clerkflow("deploy", REQUEST_SHAPED, "--forms", FORMS)[0] == 0
    status, out, err = clerkflow("start", "request_shaped")
    assert status == EXIT_REFUSED and out == ""
    assert "request_shaped reads received_at at its start" in err and "give received_at in --data" in err
    assert json.loads(clerkflow("instances", "--json")[1]) == []
    status, out, _ = clerkflow("start", "request_shaped", "--anyway", "--json")
    assert status == 0 and json.loads(out)["status"] == "incident"


def test_deploy_takes_the_decision_table_beside_the_diagram(clerkflow, tmp_path):
    decisions = DIAGRAMS / "decisions"
    (tmp_path / "fee_waiver.bpmn").write_bytes((decisions / "fee_waiver.bpmn").read_bytes())
    status, out, err = clerkflow("deploy", str(tmp_path), "--forms", FORMS)
    assert (status, out) == (EXIT_REFUSED, "")
    assert ("fee_waiver.bpmn, line 16, element 'decide_waiver': the business rule task calls decision "
            '"fee_waiver_decision", which is not deployed with this diagram') in err
    (tmp_path / "fee_waiver.dmn").write_bytes((decisions / "fee_waiver.dmn").read_bytes())
    assert clerkflow("deploy", str(tmp_path), "--forms", FORMS) == (0, "deployed fee_waiver version 1\n", "")
    assert clerkflow("deploy", str(tmp_path / "fee_waiver.bpmn"), "--forms", FORMS) == (
        0, "unchanged: fee_waiver version 1\n", "")
