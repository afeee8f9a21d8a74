"""The scheduler runs the mail beside the timers: `clerkflow scheduler` hands it a periodic job."""
from __future__ import annotations

import threading

import pytest

from city.cli import add_city_commands
from city.office import open_engine_at
from engine.cli import build_parser
from engine.scheduler import PeriodicJob, run_scheduler
from web.commands import add_web_commands, mail_job


def test_the_leading_scheduler_runs_the_jobs_it_is_handed(database_url):
    ran = threading.Event()
    stop = threading.Event()
    stop.set()                 # one tick, then stop: the job's first turn is at once
    run_scheduler(open_engine_at(database_url), stop_event=stop, periodic=[PeriodicJob("mail", 30, ran.set)])
    assert ran.is_set()


def test_a_failing_job_does_not_stop_the_scheduler(database_url, caplog):
    def broken():
        raise RuntimeError("pat.doe@example.org")     # its text may be personal: only the class is logged

    stop = threading.Event()
    stop.set()
    run_scheduler(open_engine_at(database_url), stop_event=stop, periodic=[PeriodicJob("mail", 30, broken)])
    assert "periodic job mail failed (RuntimeError)" in caplog.text
    assert "pat.doe" not in caplog.text


def test_clerkflow_scheduler_sends_mail_too():
    # The performance data set is refreshed by its diagram's timer (processes/open_data_performance_refresh.bpmn),
    # which the same scheduler fires.
    periodic = build_parser([add_city_commands, add_web_commands]).parse_args(["scheduler"]).periodic
    assert periodic == [mail_job]


def test_an_extension_cannot_replace_a_command_it_did_not_define():
    def replace_the_scheduler(command_line):
        command_line.add("scheduler", None, "another scheduler")

    with pytest.raises(ValueError, match='the command "scheduler" is defined twice'):
        build_parser([add_city_commands, replace_the_scheduler])
