"""Issue 14: `clerkflow run` starts the scheduler again when it exits, and stops it on request.

`supervise_scheduler` is driven with fake children (no processes); the stop Event ends it."""
from __future__ import annotations

import logging
import signal
import threading

from web.commands import supervise_scheduler


class FakeChild:
    """A scheduler process as Popen shows it: running until it exits with `returncode`."""

    def __init__(self, exits_with: int | None):
        self.returncode = exits_with
        self.signals: list[int] = []

    def poll(self):
        return self.returncode

    def send_signal(self, signum):
        self.signals.append(signum)
        self.returncode = -signum

    def wait(self, timeout=None):
        return self.returncode

    def kill(self):
        self.returncode = -signal.SIGKILL


def test_a_scheduler_that_exits_is_started_again_and_the_last_is_stopped_on_request(caplog):
    caplog.set_level(logging.WARNING, logger="clerkflow.run")
    stop = threading.Event()
    children = []

    def start_child():
        # the first two die at once (database trouble, kill -9); the third keeps running until stopped
        child = FakeChild(exits_with=[1, -9][len(children)] if len(children) < 2 else None)
        children.append(child)
        if len(children) == 3:
            stop.set()                            # Ctrl-C while the third one runs
        return child

    restarts = supervise_scheduler(start_child, stop, backoff=(0,), poll_seconds=0)

    assert restarts == 2 and len(children) == 3
    assert [child.signals for child in children] == [[], [], [signal.SIGTERM]]
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2
    assert lines[0].startswith("the scheduler exited (status 1) after 0 s; starting it again (restart 1")
    assert "status -9" in lines[1]


def test_backoff_grows_while_the_scheduler_keeps_failing():
    stop = threading.Event()
    waits = []

    def wait(seconds=None):                       # record each wait instead of waiting
        waits.append(seconds)
        return len(waits) >= 4

    stop.wait = wait
    supervise_scheduler(lambda: FakeChild(exits_with=1), stop, backoff=(1, 2, 5))
    assert waits == [1, 2, 5, 5]


def test_a_child_that_exits_while_stopping_is_not_started_again():
    stop = threading.Event()
    stop.set()                                    # Ctrl-C reached the child too, and it has already exited
    children = []

    def start_child():
        children.append(FakeChild(exits_with=0))
        return children[-1]

    assert supervise_scheduler(start_child, stop, backoff=(0,)) == 0
    assert len(children) == 1
