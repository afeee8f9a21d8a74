"""The database out of reach (issue 14): every request answers 503 with Retry-After (a page, JSON under
/api), the log says once that the outage began and once that it ended, and the app recovers by itself."""
from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy.pool import Pool

from tests.web.test_api import assert_error, bearer, token_for  # noqa: F401  (fixture)
from web import errors
from web.models import db

UNAVAILABLE = "The records system cannot reach its database just now."


@pytest.fixture
def outage(monkeypatch, app):
    """Call it to make every new database connection fail as an unreachable database does (the driver's own
    OperationalError: SQLite's "unable to open database file", or PostgreSQL's); `.end()` ends it."""
    connect = Pool.connect
    with app.app_context():
        driver = db.engine.dialect.dbapi

    class Outage:
        def __call__(self):
            def refuse(_pool):
                raise driver.OperationalError("unable to open database file")
            monkeypatch.setattr(Pool, "connect", refuse)

        def end(self):
            monkeypatch.setattr(Pool, "connect", connect)
    monkeypatch.setattr(errors.OUTAGE, "down", False)   # whatever an earlier test in this process left
    return Outage()


def _outage_records(caplog):
    return [record for record in caplog.records if record.name == errors.__name__]


def test_pages_answer_503_with_retry_after_and_log_one_line_per_change(login_as, client, outage, caplog):
    login_as("custodian")
    assert client.get("/inbox").status_code == 200
    caplog.set_level(logging.INFO)
    outage()
    for _ in range(5):
        response = client.get("/inbox")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        page = response.get_data(as_text=True)
        assert UNAVAILABLE in page and "Nothing you sent was lost" in page and "Traceback" not in page
    [began] = _outage_records(caplog)
    assert began.levelno == logging.WARNING and "cannot be reached" in began.getMessage()
    assert not any(record.exc_info for record in caplog.records)
    assert "Traceback" not in caplog.text

    outage.end()
    assert client.get("/inbox").status_code == 200
    began_again, ended = _outage_records(caplog)
    assert began_again is began
    assert ended.levelno == logging.INFO and "reachable again" in ended.getMessage()
    assert client.get("/inbox").status_code == 200
    assert len(_outage_records(caplog)) == 2


def test_the_api_answers_503_json_with_retry_after(client, token_for, outage, caplog):
    headers = bearer(token_for("custodian"))
    caplog.set_level(logging.INFO)
    outage()
    for _ in range(5):
        response = client.get("/api/tasks", headers=headers)
        error = assert_error(response, 503, "database_unavailable")
        assert error["message"].startswith(UNAVAILABLE)
        assert response.headers["Retry-After"] == "30"
    assert_error(client.post("/api/tasks/1/claim", headers=headers), 503, "database_unavailable")
    assert [record.levelno for record in _outage_records(caplog)] == [logging.WARNING]
    outage.end()
    assert client.get("/api/tasks", headers=headers).status_code == 200
    assert [record.levelno for record in _outage_records(caplog)] == [logging.WARNING, logging.INFO]


def test_a_request_that_never_needed_the_database_does_not_end_the_outage(client, outage, caplog):
    caplog.set_level(logging.INFO)
    outage()
    assert client.get("/api/tasks", headers=bearer("cf_anything")).status_code == 503
    assert client.get("/api/openapi.json").status_code == 200       # no database in it
    assert [record.levelno for record in _outage_records(caplog)] == [logging.WARNING]


def test_a_mistake_in_a_statement_is_still_a_500_not_an_outage(login_as, client, process_engine, monkeypatch):
    from sqlalchemy.exc import OperationalError
    login_as("custodian")

    def broken(**_options):
        raise OperationalError("SELECT nothing", {}, sqlite3.OperationalError("no such column: nothing"))
    monkeypatch.setattr(process_engine, "list_tasks", broken)
    assert client.get("/inbox").status_code == 500
    assert errors.OUTAGE.down is False


def test_the_web_workers_health_check_ignores_the_scheduler_and_logs_an_outage_once(client, outage, caplog):
    # No scheduler has ever run here and a timer could be overdue: /healthz/web is about serving pages.
    assert client.get("/healthz/web").get_json() == {"status": "ok"}
    outage()
    with caplog.at_level(logging.INFO):
        answers = [client.get(path) for path in ("/healthz/web", "/healthz", "/healthz/web")]
        assert [answer.status_code for answer in answers] == [503, 503, 503]
        assert all(answer.headers["Retry-After"] == "30" for answer in answers)
        outage.end()
        assert client.get("/healthz/web").status_code == 200
    messages = [record.getMessage() for record in caplog.records if record.name == "web.errors"]
    assert len([message for message in messages if "cannot be reached" in message]) == 1
    assert len([message for message in messages if "reachable again" in message]) == 1
    assert not any(record.exc_info for record in caplog.records)
