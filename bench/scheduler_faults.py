"""Scheduler faults (issue 14, "Prove it"): the leading scheduler SIGKILLed while timers fall due, and a long downtime.

A fresh instance folder is set up with `clerkflow setup --no-demo` (SQLite in the folder, or the empty
PostgreSQL database of `--database-url`), and a small diagram the script writes is deployed: a start
event whose form gives `wait_duration` ("PT37S"), an intermediate timer waiting that long, a script
task, an end. Then, with `clerkflow scheduler` run as child processes:

  take-over  two schedulers (one leads, the other stands by), `--instances` instances whose timers
             fall due over the next `--spread` seconds; `--kills` times, at a seeded random moment in
             each slice of that window, the leading scheduler (named by the lease row) is SIGKILLed and
             a replacement started. The standby (or the replacement) takes over when the dead one's
             lease runs out (engine.scheduler.LEASE_SECONDS, 30 s; the command has no option for it).
  downtime   every scheduler stopped (SIGTERM), `--overdue-instances` more instances started, whose
             timers fall due while none runs; once all are overdue by `--overdue` seconds, one
             scheduler is started: its catch-up must fire each of them once.

Then, with every scheduler stopped, the script checks through the engine's API (audit trail, instances,
pending timers): each instance has exactly one `timer` event in its audit trail, made by the scheduler,
and ended past its timer; no timer of the diagram is left pending; no instance was started that the
script did not start. It prints how late each timer fired after its due time (max and median; in the
take-over phase split into those due while a scheduler led and those due between a kill and the
take-over), how long after each kill another scheduler held the lease, and the counts.

    .venv/bin/python bench/scheduler_faults.py [--instances 200] [--kills 3] [--seed 14]
                                               [--database-url postgresql+psycopg://...] [--keep]

Exit status 0 when every timer fired exactly once, 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from engine import clock
from engine.scheduler import lease_state

CLERKFLOW = str(Path(sys.executable).parent / "clerkflow")
PROCESS_KEY = "scheduler_fault_wait"
TIMER_BPMN_ID = "wait_until_due"
ACTOR = "scheduler-faults bench"

DIAGRAM = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="{PROCESS_KEY}_definitions" targetNamespace="http://clerkflow.example/bench">
  <bpmn:process id="{PROCESS_KEY}" name="Scheduler faults bench: wait" isExecutable="true">
    <bpmn:startEvent id="wait_asked_for" name="Wait asked for">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="wait_asked_for.schema.json" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:outgoing>to_wait</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="{TIMER_BPMN_ID}" name="Wait until due">
      <bpmn:incoming>to_wait</bpmn:incoming>
      <bpmn:outgoing>to_note</bpmn:outgoing>
      <bpmn:timerEventDefinition id="{TIMER_BPMN_ID}_timer">
        <bpmn:timeDuration>wait_duration</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="note_wait_over" name="Note the wait is over">
      <bpmn:incoming>to_note</bpmn:incoming>
      <bpmn:outgoing>to_end</bpmn:outgoing>
      <bpmn:script>wait_over = True</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="wait_ended" name="Wait ended">
      <bpmn:incoming>to_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="to_wait" sourceRef="wait_asked_for" targetRef="{TIMER_BPMN_ID}" />
    <bpmn:sequenceFlow id="to_note" sourceRef="{TIMER_BPMN_ID}" targetRef="note_wait_over" />
    <bpmn:sequenceFlow id="to_end" sourceRef="note_wait_over" targetRef="wait_ended" />
  </bpmn:process>
</bpmn:definitions>
"""
START_FORM = {"$schema": "http://json-schema.org/draft-07/schema#", "title": "Wait asked for",
              "type": "object", "required": ["wait_duration"],
              "properties": {"wait_duration": {"type": "string", "pattern": "^PT[0-9]+S$",
                                               "title": "How long to wait (ISO 8601, e.g. PT37S)"}}}


# -- the schedulers: child processes, SIGKILLed or stopped ---------------------------------------

class Schedulers:
    """`clerkflow scheduler` processes on one database, each logging to its own file."""

    def __init__(self, folder: Path, env: dict):
        self.folder, self.env = folder, env
        self.running: dict[int, tuple[subprocess.Popen, Path]] = {}   # pid -> (process, log)
        self.started = 0

    def start(self) -> int:
        self.started += 1
        log = self.folder / f"scheduler-{self.started}.log"
        with open(log, "ab") as output:     # the child keeps its own copy of the file descriptor
            child = subprocess.Popen([CLERKFLOW, "scheduler"], env=self.env, cwd=self.folder,
                                     stdout=output, stderr=subprocess.STDOUT)
        self.running[child.pid] = (child, log)
        return child.pid

    def said(self, pid: int, words: str) -> bool:
        return words in self.running[pid][1].read_text(errors="replace")

    def kill(self, pid: int) -> None:
        child, _ = self.running.pop(pid)
        child.send_signal(signal.SIGKILL)
        child.wait()

    def stop_all(self, how: int = signal.SIGTERM) -> None:
        for child, _ in self.running.values():
            if child.poll() is None:
                child.send_signal(how)
        for child, _ in self.running.values():
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.running = {}


def holder_pid(holder: str) -> int | None:
    """The pid in a lease holder's name, `host:pid:token`."""
    parts = holder.rsplit(":", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


# -- set-up ---------------------------------------------------------------------------------------

def prepare(folder: Path, env: dict):
    """`clerkflow setup --no-demo`, then the bench diagram deployed; returns the engine (the city's, as the commands use)."""
    subprocess.run([CLERKFLOW, "setup", "--no-demo", "--processes", str(REPO / "processes"),
                    "--forms", str(REPO / "forms")], env=env, cwd=folder, check=True, stdout=subprocess.DEVNULL)
    os.environ.update({name: value for name, value in env.items() if name.startswith(("CLERKFLOW_", "DATABASE_URL"))})
    from city.office import open_engine_at

    diagram = folder / "bench_diagram"
    diagram.mkdir()
    (diagram / f"{PROCESS_KEY}.bpmn").write_text(DIAGRAM)
    (diagram / "wait_asked_for.schema.json").write_text(json.dumps(START_FORM, indent=2))
    engine = open_engine_at(env["DATABASE_URL"])
    engine.deploy_file(diagram / f"{PROCESS_KEY}.bpmn", diagram, actor=ACTOR)
    return engine


@dataclass
class Waiting:
    instance_id: int
    due_at: datetime
    phase: str          # "take-over" or "downtime"


def start_waits(engine, count: int, first_due: float, spread: float, phase: str) -> list[Waiting]:
    """`count` instances whose timers fall due evenly from `first_due` (time.time()) over `spread` seconds."""
    started = []
    for number in range(count):
        target = first_due + spread * number / max(count - 1, 1)
        seconds = max(1, round(target - time.time()))
        view = engine.start_instance(PROCESS_KEY, {"wait_duration": f"PT{seconds}S"}, actor=ACTOR)
        timer = engine.pending_timers(instance_id=view.instance_id)
        if [row.bpmn_id for row in timer] != [TIMER_BPMN_ID]:
            raise SystemExit(f"instance {view.instance_id} does not wait on its timer: {timer}")
        started.append(Waiting(view.instance_id, timer[0].due_at, phase))
    return started


def active_count(engine, waits: list[Waiting]) -> int:
    ids = {wait.instance_id for wait in waits}
    active = engine.list_instances(status="active", process_key=PROCESS_KEY, limit=500)
    return sum(1 for view in active if view.instance_id in ids)


def wait_until_fired(engine, waits: list[Waiting], timeout: float) -> float | None:
    """Seconds until none of `waits` is active any more, or None after `timeout`."""
    began = time.time()
    while time.time() - began < timeout:
        if active_count(engine, waits) == 0:
            return time.time() - began
        time.sleep(0.5)
    return None


# -- the take-over phase -----------------------------------------------------------------------

@dataclass
class Kill:
    at: float                 # time.time() of the SIGKILL
    planned: float            # the seeded moment (later when the previous take-over had not come yet)
    killed_pid: int
    in_catch_up: bool         # killed before its start-up catch-up had logged its end
    took_over_at: float | None = None
    taken_by: str = ""        # "standby" or "replacement"


def leader(engine, schedulers: Schedulers, timeout: float = 90.0) -> tuple[int, str]:
    """The pid and holder name of the scheduler that holds the lease now (one of ours), waiting for one."""
    began = time.time()
    while time.time() - began < timeout:
        state = lease_state(engine.database)
        if state is not None and state.expires_at > clock.now() and holder_pid(state.holder) in schedulers.running:
            return holder_pid(state.holder), state.holder
        time.sleep(0.1)
    raise SystemExit(f"no scheduler of ours took the lease within {timeout:.0f} s; see {schedulers.folder}")


def take_over_after(engine, killed_holder: str, timeout: float) -> tuple[float, str] | None:
    """When another scheduler held the lease (its first renewal, by its own clock), and its name."""
    began = time.time()
    while time.time() - began < timeout:
        state = lease_state(engine.database)
        if state is not None and state.holder != killed_holder:
            return state.last_round.timestamp(), state.holder
        time.sleep(0.1)
    return None


def take_over_phase(engine, schedulers: Schedulers, options, rng: random.Random) -> tuple[list[Waiting], list[Kill]]:
    schedulers.start()
    leader(engine, schedulers)
    schedulers.start()          # the standby
    first_due = time.time() + options.lead
    waits = start_waits(engine, options.instances, first_due, options.spread, "take-over")
    print(f"  {len(waits)} instances started; their timers fall due from +{options.lead:.0f} s over "
          f"{options.spread:.0f} s", flush=True)
    slice_length = options.spread / max(options.kills, 1)
    moments = [first_due + index * slice_length + rng.uniform(0.05, 0.6) * slice_length
               for index in range(options.kills)]
    kills: list[Kill] = []
    for moment in moments:
        time.sleep(max(0.0, moment - time.time()))
        killed_pid, killed_holder = leader(engine, schedulers)
        standbys = [pid for pid in schedulers.running if pid != killed_pid]
        for pid in standbys:     # a standby that has not yet looked at the lease could not take over
            looked_from = time.time()
            while not schedulers.said(pid, "standing by"):
                if time.time() - looked_from > 60:
                    raise SystemExit(f"scheduler {pid} did not stand by within 60 s; see {schedulers.folder}")
                time.sleep(0.1)
        in_catch_up = not schedulers.said(killed_pid, "start-up: fired")
        schedulers.kill(killed_pid)
        kill = Kill(at=time.time(), planned=moment, killed_pid=killed_pid, in_catch_up=in_catch_up)
        kills.append(kill)
        replacement = schedulers.start()
        found = take_over_after(engine, killed_holder, timeout=120.0)
        if found is not None:
            kill.took_over_at = found[0]
            kill.taken_by = "replacement" if holder_pid(found[1]) == replacement else "standby"
        print(f"  kill {len(kills)} at +{kill.at - first_due:5.1f} s of the window (pid {killed_pid}"
              f"{', in its catch-up' if in_catch_up else ''}); "
              + (f"{kill.taken_by} held the lease {kill.took_over_at - kill.at:.1f} s later" if found
                 else "NO take-over within 120 s"), flush=True)
    last_due = max(wait.due_at.timestamp() for wait in waits)
    left = wait_until_fired(engine, waits, timeout=max(0.0, last_due - time.time()) + 120.0)
    print("  take-over phase: " + ("every timer fired" if left is not None else "timers still active after 120 s past "
                                    "the last due time"), flush=True)
    return waits, kills


# -- the downtime phase ------------------------------------------------------------------------

def downtime_phase(engine, schedulers: Schedulers, options) -> tuple[list[Waiting], dict]:
    stopped_at = time.time()
    schedulers.stop_all(signal.SIGTERM)
    first_due = time.time() + 5.0
    waits = start_waits(engine, options.overdue_instances, first_due, options.overdue_spread, "downtime")
    last_due = max(wait.due_at.timestamp() for wait in waits)
    time.sleep(max(0.0, last_due + options.overdue - time.time()))
    fired_while_down = options.overdue_instances - active_count(engine, waits)
    restarted_at = time.time()
    first_due_at = min(wait.due_at.timestamp() for wait in waits)
    print(f"  every scheduler stopped; {len(waits)} instances started; one scheduler started {restarted_at - stopped_at:.0f} s "
          f"after the stop, with the timers overdue by {restarted_at - last_due:.0f} to {restarted_at - first_due_at:.0f} s",
          flush=True)
    schedulers.start()
    all_fired = wait_until_fired(engine, waits, timeout=120.0)
    schedulers.stop_all(signal.SIGTERM)
    return waits, {"downtime": restarted_at - stopped_at, "restarted_at": restarted_at,
                   "overdue_min": restarted_at - last_due, "overdue_max": restarted_at - first_due_at,
                   "all_fired_after": all_fired, "fired_while_down": fired_while_down}


# -- the checks ----------------------------------------------------------------------------------

def check(engine, waits: list[Waiting]) -> dict:
    """Each instance's audit trail and status, the pending timers and the instance count, through the engine."""
    problems, fired_at, timer_events = [], {}, Counter()
    for wait in waits:
        trail = engine.audit_trail(wait.instance_id)
        events = [event for event in trail if event.action == "timer"]
        timer_events[len(events)] += 1
        if len(events) != 1:
            problems.append(f"instance {wait.instance_id} ({wait.phase}, due {wait.due_at:%H:%M:%S}): "
                            f"{len(events)} timer events at " + ", ".join(f"{e.at:%H:%M:%S.%f}" for e in events))
        for event in events[:1]:
            fired_at[wait.instance_id] = event.at.timestamp()
            if event.at <= wait.due_at:     # SpiffWorkflow fires only strictly after the due instant
                problems.append(f"instance {wait.instance_id}: its timer fired at {event.at:%H:%M:%S.%f}, "
                                f"due {wait.due_at:%H:%M:%S.%f}")
            if event.bpmn_id != TIMER_BPMN_ID or event.actor != "scheduler":
                problems.append(f"instance {wait.instance_id}: timer event {event.bpmn_id} by {event.actor}")
        view = engine.get_instance(wait.instance_id)
        if view.status != "completed":
            problems.append(f"instance {wait.instance_id} is {view.status} at {view.current_steps}")
    pending = [timer for timer in engine.pending_timers(limit=500) if timer.process_key == PROCESS_KEY]
    problems += [f"timer {timer.timer_id} of instance {timer.instance_id} still pending (due {timer.due_at:%H:%M:%S})"
                 for timer in pending]
    counts = engine.count_instances(process_key=PROCESS_KEY)
    total = sum(value for name, value in counts.items() if not name.startswith("waiting"))
    if total != len(waits):
        problems.append(f"{total} instances of {PROCESS_KEY}, {len(waits)} started")
    return {"problems": problems, "fired_at": fired_at, "timer_events": timer_events, "pending": len(pending)}


def lateness(waits: list[Waiting], fired_at: dict) -> list[float]:
    return [fired_at[w.instance_id] - w.due_at.timestamp() for w in waits if w.instance_id in fired_at]


def spread_of(values: list[float]) -> str:
    if not values:
        return "none"
    return f"{len(values)} timers: median {statistics.median(values):.1f} s, max {max(values):.1f} s, min {min(values):.1f} s"


# -- the run -------------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database; default: SQLite in the folder")
    parser.add_argument("--instances", type=int, default=200, help="timers in the take-over phase")
    parser.add_argument("--kills", type=int, default=3, help="SIGKILLs of the leading scheduler")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--lead", type=float, default=40.0,
                        help="seconds from the starts to the first due timer (over the 30 s sweep, so each has its job)")
    parser.add_argument("--spread", type=float, default=100.0, help="seconds over which the take-over timers fall due")
    parser.add_argument("--overdue-instances", type=int, default=50, help="timers that fall due while no scheduler runs")
    parser.add_argument("--overdue-spread", type=float, default=10.0)
    parser.add_argument("--overdue", type=float, default=20.0,
                        help="seconds the last of those is overdue when a scheduler starts again")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder and the schedulers' logs")
    options = parser.parse_args(argv)
    rng = random.Random(options.seed)

    folder = Path(tempfile.mkdtemp(prefix="clerkflow-scheduler-faults-"))
    url = options.database_url or f"sqlite:///{folder / 'clerkflow.db'}"
    env = {**os.environ, "CLERKFLOW_INSTANCE_DIR": str(folder), "DATABASE_URL": url,
           "CLERKFLOW_LOG_FILE": str(folder / "clerkflow.log")}
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"scheduler faults on {database}: {options.instances} timers, {options.kills} kills, then "
          f"{options.overdue_instances} timers overdue; seed {options.seed}; folder {folder}", flush=True)
    began = time.time()
    schedulers = Schedulers(folder, env)

    def interrupted(signum, _frame):
        schedulers.stop_all(signal.SIGKILL)
        raise SystemExit(130 if signum == signal.SIGINT else 143)

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    try:
        engine = prepare(folder, env)
        waits, kills = take_over_phase(engine, schedulers, options, rng)
        overdue_waits, downtime = downtime_phase(engine, schedulers, options)
        result = check(engine, waits + overdue_waits)
    finally:
        schedulers.stop_all(signal.SIGKILL)
        if options.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    fired_at = result["fired_at"]
    # A timer is caught by a kill when it had not fired by the kill and fell due before the take-over.
    caught = {id(kill): [w for w in waits if fired_at.get(w.instance_id, float("inf")) >= kill.at
                         and w.due_at.timestamp() < (kill.took_over_at or float("inf"))] for kill in kills}
    during = {w.instance_id: w for kill in kills for w in caught[id(kill)]}
    led = [w for w in waits if w.instance_id not in during]
    print(f"\n{database}, {clock.now():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; --instances {options.instances} --kills {options.kills} --seed {options.seed} "
          f"--lead {options.lead:.0f} --spread {options.spread:.0f} --overdue-instances {options.overdue_instances} "
          f"--overdue {options.overdue:.0f}; {time.time() - began:.0f} s in all")
    took = [kill.took_over_at - kill.at for kill in kills if kill.took_over_at is not None]
    print(f"kills of the leading scheduler: {len(kills)}; take-overs: {len(took)}")
    for number, kill in enumerate(kills, 1):
        late_ones = lateness(caught[id(kill)], fired_at)
        print(f"  kill {number}: " + (f"the {kill.taken_by} held the lease {kill.took_over_at - kill.at:.1f} s later"
                                      if kill.took_over_at else "no take-over")
              + (" (killed during its catch-up)" if kill.in_catch_up else "")
              + f"; {len(late_ones)} timers not fired at the kill fell due before it"
              + (f", fired {min(late_ones):.1f} to {max(late_ones):.1f} s after due" if late_ones else ""))
    late = [kill for kill in kills if kill.at - kill.planned > 1.0]
    if late:
        print(f"  kills made later than their seeded moment, as soon as the previous take-over came: {len(late)}; "
              f"of all kills, {sum(kill.in_catch_up for kill in kills)} came during the leader's start-up catch-up")
    print(f"take-over phase, lateness after the due time: all {spread_of(lateness(waits, fired_at))}")
    print(f"  the others (due while a scheduler led):       {spread_of(lateness(led, fired_at))}")
    print(f"  not fired at a kill, due before its take-over: {spread_of(lateness(list(during.values()), fired_at))}")
    print(f"downtime phase: schedulers down {downtime['downtime']:.0f} s; at the restart the timers were overdue by "
          f"{downtime['overdue_min']:.0f} to {downtime['overdue_max']:.0f} s; fired while down: {downtime['fired_while_down']}; "
          + (f"all fired {downtime['all_fired_after']:.1f} s after the scheduler started" if downtime['all_fired_after']
             is not None else "NOT all fired within 120 s of the restart"))
    restart_after = [fired_at[w.instance_id] - downtime["restarted_at"] for w in overdue_waits if w.instance_id in fired_at]
    print(f"  fired after the restart: {spread_of(restart_after)}")
    print(f"  lateness after the due time: {spread_of(lateness(overdue_waits, fired_at))}")
    events = result["timer_events"]
    print(f"timers: {len(waits) + len(overdue_waits)}; fired once: {events[1]}, never: {events[0]}, "
          f"more than once: {sum(n for times, n in events.items() if times > 1)}; left pending: {result['pending']}")
    for problem in result["problems"]:
        print(f"  PROBLEM {problem}")
    ok = not result["problems"] and events[1] == len(waits) + len(overdue_waits) and len(took) == len(kills)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
