"""Crash test (issue 14, "Prove it"): the app under load, SIGKILLed at random moments and restarted.

A fresh instance folder is set up with `clerkflow setup --no-demo` (SQLite in the folder, or the
PostgreSQL database of `--database-url`), one account (administrator, clerk, custodian of the City Clerk's office) with an API token per
client, and `clerkflow serve` and `clerkflow scheduler` run as child processes. Each client thread
files records requests and works each one as far as its prepayment wait:

  start     the portal's request form (POST /request; the API has no call that starts an instance),
            a unique marker in the description; acknowledged when the redirect to the receipt came;
            sent again with the same submission id (the form's), so a resend files nothing twice
  review    POST /api/tasks/<id>/complete of "Review the request"          (Idempotency-Key)
  estimate  POST /api/tasks/<id>/complete of "Estimate the fees" (30.00)   (Idempotency-Key)
  pay 1, 2  POST /api/messages payment_received 10.00, then 7.50           (Idempotency-Key)

An operation is acknowledged when its answer (2xx) arrived. One whose answer was lost (connection
refused or reset, 5xx) is sent again, with the same Idempotency-Key, until it is answered. Meanwhile
a killer thread SIGKILLs both server processes `--kills` times at seeded random moments and starts
them again. At the end the script checks, with the server up:

* every acknowledged start is found exactly once (by its marker in the start event of the audit
  trail, and by its tracking number through GET /api/instances?business_key=);
* every acknowledged task completion is one completed task of that bpmn id;
* the prepaid sum of each request is the sum of its acknowledged payments (more is a duplicate,
  less is a loss);
* every instance answers GET /api/instances/<id>, and a sample continues: the rest of the
  prepayment (12.50) is paid and "Check personal privacy" opens;
* `clerkflow audit verify --json` reports the trail intact (each instance's chain unbroken), and
  each instance's trail has one event per acknowledged operation.

    .venv/bin/python bench/crash_test.py [--kills 4] [--clients 4] [--seconds 120] [--seed 14]
                                         [--database-url postgresql+psycopg://...]

Exit status 0 when nothing was lost or duplicated and every check held, 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
CLERKFLOW = str(Path(sys.executable).parent / "clerkflow")
TRACKING_NUMBER = re.compile(r"R-\d{4}-\d{3,}")
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBMISSION_FIELD = re.compile(r'name="submission_id" value="([^"]+)"')
PAYMENTS = ("10.00", "7.50")          # of an estimate of 30.00: the request keeps waiting for the rest
REST = "12.50"
REVIEW = {"holds_record": True, "description_sufficient": True}
ESTIMATE = {"search_hours": [{"employee": "Jo", "hours": 2}], "pages": 0}   # 2 h x 15.00 = 30.00: prepay
# The server hands a dead request's key to its retry after two minutes (web.api.idempotency.LEASE); a key
# "in progress" for longer than that and a margin is stuck.
STUCK_AFTER = 180.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- the server: two child processes, killed and started again -----------------------------------

class Server:
    """`clerkflow serve` and `clerkflow scheduler` on one instance folder; SIGKILLed together, as a crash would."""

    def __init__(self, folder: Path, env: dict, port: int):
        self.folder, self.env, self.port = folder, env, port
        self.base = f"http://127.0.0.1:{port}"
        self.children: list[subprocess.Popen] = []
        self.log = open(folder / "server.log", "ab")
        self.generation = 0

    def start(self) -> None:
        self.generation += 1
        for command in (["serve", "--port", str(self.port), "--threads", "8"], ["scheduler"]):
            self.children.append(subprocess.Popen([CLERKFLOW, *command], env=self.env, cwd=self.folder,
                                                  stdout=self.log, stderr=subprocess.STDOUT))

    def kill(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
        for child in self.children:
            child.wait()
        self.children = []

    def stop(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.terminate()
        for child in self.children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.children = []

    def wait_until_up(self, token: str, timeout: float = 120.0) -> float:
        """Seconds until GET /api/processes (which reads the database) answers 200."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            try:
                if requests.get(f"{self.base}/api/processes", headers={"Authorization": f"Bearer {token}"},
                                timeout=5).status_code == 200:
                    return time.monotonic() - began
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise SystemExit(f"the server did not come back within {timeout:.0f} s; see {self.folder / 'server.log'}")


# -- what the clients did ----------------------------------------------------------------------

@dataclass
class Lifecycle:
    marker: str
    tracking_number: str | None = None
    instance_id: int | None = None
    acknowledged: set = field(default_factory=set)       # "start", "review", "estimate", "pay1", "pay2"
    answer_lost: set = field(default_factory=set)        # sent at least once without hearing back
    stuck: set = field(default_factory=set)              # key "in progress" for good: never answered


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts: Counter = Counter()
        self.notes: dict[str, str] = {}

    def add(self, name: str, amount: int = 1) -> None:
        with self.lock:
            self.counts[name] += amount


class Client(threading.Thread):
    """Files and works records requests until `deadline`, retrying every unanswered operation."""

    def __init__(self, number: int, base: str, token: str, deadline: float, tally: Tally, run_id: str):
        super().__init__(name=f"client-{number}", daemon=True)
        self.number, self.base, self.deadline, self.tally, self.run_id = number, base, deadline, tally, run_id
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Bearer {token}"
        self.lifecycles: list[Lifecycle] = []
        self.failure: str | None = None

    def run(self) -> None:
        try:
            serial = 0
            while time.monotonic() < self.deadline:
                serial += 1
                life = Lifecycle(marker=f"crash-test {self.run_id} client {self.number} request {serial}")
                self.lifecycles.append(life)
                if not self.file_request(life):
                    continue
                for step, bpmn_id, data in (("review", "review_request", REVIEW),
                                            ("estimate", "estimate_fees", ESTIMATE)):
                    task_id = self.open_task(life, bpmn_id)
                    if task_id is None or not self.post(life, step, f"/api/tasks/{task_id}/complete", data):
                        break
                else:
                    for step, amount in zip(("pay1", "pay2"), PAYMENTS):
                        body = {"name": "payment_received", "correlation": {"tracking_number": life.tracking_number},
                                "payload": {"amount": amount, "method": "check"}}
                        if not self.post(life, step, "/api/messages", body):
                            break
        except Exception as error:       # a client that dies is a finding, not a reason to hang the run
            self.failure = f"{type(error).__name__}: {error}"

    def file_request(self, life: Lifecycle) -> bool:
        """The portal form, sent again until its redirect comes back: the same form (its submission id, as a
        browser resending it keeps it), with a fresh CSRF token when the server's restart ended the session."""
        sends, submission_id = 0, None
        while True:
            self.tally.add("start attempted")
            browser = requests.Session()
            try:
                page = browser.get(f"{self.base}/request", timeout=30)
                if page.status_code != 200:
                    raise requests.ConnectionError(f"form page {page.status_code}")
                token = CSRF_FIELD.search(page.text).group(1)
                submission_id = submission_id or SUBMISSION_FIELD.search(page.text).group(1)
                sends += 1
                life.answer_lost.add("start")        # from here a send may land unanswered
                answer = browser.post(f"{self.base}/request", allow_redirects=False, timeout=60, data={
                    "csrf_token": token, "submission_id": submission_id, "requester_name": f"Client {self.number}",
                    "requester_address": "1 Test Row", "records_description": life.marker,
                    "office_key": "city_clerk"})
            except requests.RequestException:
                self.tally.add("start retried")
                time.sleep(0.3)
                continue
            if answer.status_code in (302, 303) and "/request/received" in answer.headers.get("Location", ""):
                life.acknowledged.add("start")
                if sends == 1:
                    life.answer_lost.discard("start")
                break
            if answer.status_code == 409:        # "Someone got there first": nothing filed; a person sends it again
                self.tally.add("start refused 409")
                self.tally.notes.setdefault("start 409", " ".join(re.sub(r"<[^>]+>", " ", answer.text).split())[:600])
                time.sleep(0.3)
                continue
            if answer.status_code >= 500 or answer.status_code == 400:   # 400: the CSRF page of a dead session
                self.tally.add("start retried")
                time.sleep(0.3)
                continue
            raise RuntimeError(f"start refused: {answer.status_code} {answer.text[:200]}")
        self.tally.add("start acknowledged")
        while life.tracking_number is None:        # the receipt is kept in the browser's session
            try:
                receipt = browser.get(f"{self.base}/request/received", timeout=30)
                found = TRACKING_NUMBER.search(receipt.text) if receipt.status_code == 200 else None
                life.tracking_number = found.group(0) if found else None
            except requests.RequestException:
                time.sleep(0.3)
        listed = self.get(f"/api/instances?business_key={life.tracking_number}")["items"]
        life.instance_id = listed[0]["instance_id"]
        return True

    def get(self, path: str) -> dict:
        while True:
            try:
                answer = self.api.get(f"{self.base}{path}", timeout=30)
                if answer.status_code == 200:
                    return answer.json()
                if answer.status_code < 500 and answer.status_code != 429:
                    raise RuntimeError(f"GET {path}: {answer.status_code} {answer.text[:200]}")
            except requests.RequestException:
                pass
            time.sleep(0.3)

    def open_task(self, life: Lifecycle, bpmn_id: str) -> int | None:
        tasks = self.get(f"/api/tasks?instance_id={life.instance_id}")["items"]
        return next((task["task_id"] for task in tasks if task["bpmn_id"] == bpmn_id), None)

    def post(self, life: Lifecycle, step: str, path: str, body: dict) -> bool:
        """POST with one Idempotency-Key until answered; True when acknowledged (2xx)."""
        key = f"{life.marker} {step}"
        lost, in_progress_since = False, None
        while True:
            self.tally.add(f"{step} attempted")
            try:
                answer = self.api.post(f"{self.base}{path}", json=body, headers={"Idempotency-Key": key}, timeout=60)
            except requests.RequestException:
                answer = None
            if answer is not None and answer.status_code < 300:
                life.acknowledged.add(step)
                self.tally.add(f"{step} acknowledged")
                if answer.headers.get("Idempotent-Replayed") == "true":
                    self.tally.add("answers replayed")
                elif in_progress_since is not None:     # its first request died uncommitted: this one ran it
                    self.tally.add("keys taken over from a request that died")
                return True
            code = _error_code(answer)
            if code == "idempotency_key_answer_lost":   # carried out before a kill; the server says so
                life.acknowledged.add(step)
                self.tally.add(f"{step} acknowledged")
                self.tally.add("answers lost after the effect, told so")
                return True
            if code == "conflict":     # a slow first request lost its key to this retry's earlier attempt
                pass
            elif code == "idempotency_key_in_progress":
                in_progress_since = in_progress_since or time.monotonic()
                if time.monotonic() - in_progress_since > STUCK_AFTER:
                    life.stuck.add(step)
                    self.tally.add("keys stuck in progress")
                    return False
            elif answer is not None and answer.status_code < 500 and answer.status_code != 429:
                raise RuntimeError(f"{step} of {life.tracking_number} refused: {answer.status_code} {answer.text[:300]}")
            if not lost:
                lost = True
                life.answer_lost.add(step)
            self.tally.add(f"{step} retried")
            time.sleep(0.3)


def _error_code(answer) -> str | None:
    if answer is None or answer.status_code != 409:
        return None
    try:
        return answer.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


# -- set-up ----------------------------------------------------------------------------------------

def prepare(folder: Path, env: dict, clients: int) -> list[str]:
    """`clerkflow setup --no-demo`, then one account with an API token per client (and one to check)."""
    subprocess.run([CLERKFLOW, "setup", "--no-demo", "--processes", str(REPO / "processes"),
                    "--forms", str(REPO / "forms")], env=env, cwd=folder, check=True, stdout=subprocess.DEVNULL)
    os.environ.update({name: value for name, value in env.items() if name.startswith(("CLERKFLOW_", "DATABASE_URL"))})
    from werkzeug.security import generate_password_hash
    from web import ENGINE_EXTENSION, create_app
    from web.models import StaffAccount, db
    from web.models_api import create_api_token

    app = create_app({"DATABASE_URL": env["DATABASE_URL"]})
    tokens = []
    with app.app_context():
        for number in range(clients + 1):     # the last one checks
            account = StaffAccount(username=f"crash{number}", display_name=f"Crash {number}", active=True)
            account.set_roles(("administrator", "custodian:city_clerk", "clerk"))
            account.password_hash = generate_password_hash("crash-test-only", method="pbkdf2:sha256:1000")
            db.session.add(account)
            db.session.commit()
            tokens.append(create_api_token(account, "crash test"))
        for engine in db.engines.values():
            engine.dispose()
    app.extensions[ENGINE_EXTENSION].database.dispose()
    return tokens


# -- the checks -----------------------------------------------------------------------------------

def check(server: Server, token: str, lives: list[Lifecycle], env: dict, sample: int, rng: random.Random) -> dict:
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"

    def get(path):
        answer = api.get(f"{server.base}{path}", timeout=60)
        return answer.status_code, (answer.json() if answer.headers.get("Content-Type", "").startswith(
            "application/json") else None)

    problems: list[str] = []
    instances, offset = [], 0
    while True:
        _, page = get(f"/api/instances?process=records_request&limit=200&offset={offset}")
        instances += page["items"]
        if len(page["items"]) < 200:
            break
        offset += 200
    trails, load_failures = {}, 0
    for listed in instances:
        status, loaded = get(f"/api/instances/{listed['instance_id']}")
        if status != 200:
            load_failures += 1
            problems.append(f"instance {listed['instance_id']} does not load: {status}")
        trails[listed["instance_id"]] = get(f"/api/instances/{listed['instance_id']}/audit")[1]["items"]
    by_marker = defaultdict(list)
    for instance_id, trail in trails.items():
        start = next((event for event in trail if (event.get("changes") or {}).get("records_description")), None)
        by_marker[(start or {}).get("changes", {}).get("records_description")].append(instance_id)

    figures = Counter(instances=len(instances), load_failures=load_failures)
    for life in lives:
        found = by_marker.get(life.marker, [])
        if "start" in life.acknowledged:
            if not found:
                figures["lost"] += 1
                problems.append(f"acknowledged start {life.marker!r} is not found")
            if life.tracking_number:
                _, same = get(f"/api/instances?business_key={life.tracking_number}")
                if len(same["items"]) != 1:
                    problems.append(f"{life.tracking_number}: {len(same['items'])} instances")
        elif found:
            figures["unacknowledged starts that landed"] += 1
        if len(found) > 1:
            figures["duplicates"] += len(found) - 1
            problems.append(f"{life.marker!r} started {len(found)} times ({'answer lost once' if 'start' in life.answer_lost else 'no lost answer'})")
        if life.instance_id is None:
            continue
        _, completed = get(f"/api/tasks?instance_id={life.instance_id}&status=completed&limit=200")
        done = Counter(task["bpmn_id"] for task in completed["items"])
        for step, bpmn_id in (("review", "review_request"), ("estimate", "estimate_fees")):
            if step in life.acknowledged and done[bpmn_id] == 0:
                figures["lost"] += 1
                problems.append(f"{life.tracking_number}: acknowledged {step} not completed")
            if done[bpmn_id] > 1:
                figures["duplicates"] += done[bpmn_id] - 1
                problems.append(f"{life.tracking_number}: {bpmn_id} completed {done[bpmn_id]} times")
        trail = trails[life.instance_id]
        prepaid = next((Decimal(event["changes"]["prepaid"]) for event in reversed(trail)
                        if (event.get("changes") or {}).get("prepaid") is not None), Decimal("0"))
        acked = sum((Decimal(amount) for step, amount in zip(("pay1", "pay2"), PAYMENTS)
                     if step in life.acknowledged), Decimal("0"))
        sent = sum((Decimal(amount) for step, amount in zip(("pay1", "pay2"), PAYMENTS)
                    if step in life.acknowledged | life.answer_lost | life.stuck), Decimal("0"))
        if prepaid < acked:
            figures["lost"] += 1
            problems.append(f"{life.tracking_number}: prepaid {prepaid}, acknowledged {acked}")
        if prepaid > sent:
            figures["duplicates"] += 1
            problems.append(f"{life.tracking_number}: prepaid {prepaid}, but only {sent} was ever sent")
        if prepaid > acked:
            figures["unacknowledged payments that landed"] += 1
        for step in life.stuck:
            figures[f"stuck {step} that had landed" if (
                (step in ("pay1", "pay2") and prepaid > acked) or
                (step == "review" and done["review_request"]) or (step == "estimate" and done["estimate_fees"]))
                else f"stuck {step} that had not landed"] += 1
        # No gaps: one event per operation that took effect, each acknowledged one included.
        actions = Counter((event["action"], event.get("bpmn_id")) for event in trail)
        payments = next((event["changes"]["payments"] for event in reversed(trail)
                         if (event.get("changes") or {}).get("payments") is not None), [])
        expected = {("start", None): 1, ("complete", "review_request"): done["review_request"],
                    ("complete", "estimate_fees"): done["estimate_fees"], ("message", None): len(payments)}
        for what, count in expected.items():
            if actions[what] != count:
                figures["audit gaps"] += 1
                problems.append(f"{life.tracking_number}: {actions[what]} {what} events in the trail, {count} expected")
        if Decimal(sum(Decimal(payment["amount"]) for payment in payments)) != prepaid:
            problems.append(f"{life.tracking_number}: the payments listed do not add up to prepaid {prepaid}")
        figures["audit events checked"] += len(trail)

    # A sample continues: the rest of the prepayment is paid and the privacy check opens.
    waiting = [life for life in lives if {"pay1", "pay2"} <= life.acknowledged]
    for life in rng.sample(waiting, min(sample, len(waiting))):
        answer = api.post(f"{server.base}/api/messages", json={
            "name": "payment_received", "correlation": {"tracking_number": life.tracking_number},
            "payload": {"amount": REST, "method": "check"}}, timeout=60)
        _, tasks = get(f"/api/tasks?instance_id={life.instance_id}")
        if answer.status_code == 200 and any(task["bpmn_id"] == "check_personal_privacy" for task in tasks["items"]):
            figures["sample continued"] += 1
        else:
            problems.append(f"{life.tracking_number} did not continue: {answer.status_code} {answer.text[:200]}")
    figures["sample"] = min(sample, len(waiting))

    verified = subprocess.run([CLERKFLOW, "audit", "verify", "--json"], env=env, cwd=server.folder,
                              capture_output=True, text=True)
    report = json.loads(verified.stdout)
    if not report["intact"]:
        problems += [f"audit: {brk}" for brk in report["breaks"]]
    return {"figures": figures, "problems": problems, "audit": report, "audit_exit": verified.returncode}


# -- the run -------------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=120.0, help="how long the clients start new requests")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL URL; default: SQLite in the folder")
    parser.add_argument("--sample", type=int, default=10, help="requests that are continued after the run")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder")
    options = parser.parse_args(argv)
    rng = random.Random(options.seed)

    folder = Path(tempfile.mkdtemp(prefix="clerkflow-crash-"))
    url = options.database_url or f"sqlite:///{folder / 'clerkflow.db'}"
    env = {**os.environ, "CLERKFLOW_INSTANCE_DIR": str(folder), "DATABASE_URL": url,
           "CLERKFLOW_PORTAL_SUBMISSIONS_PER_HOUR": "1000000", "CLERKFLOW_API_RATE_LIMIT": "1000000 per minute",
           "CLERKFLOW_LOG_FILE": str(folder / "clerkflow.log")}
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"crash test on {database}: {options.clients} clients, {options.seconds:.0f} s, {options.kills} kills, "
          f"seed {options.seed}; folder {folder}", flush=True)
    tokens = prepare(folder, env, options.clients)
    server = Server(folder, env, free_port())

    def interrupted(signum, _frame):
        server.kill()
        raise SystemExit(130 if signum == signal.SIGINT else 143)

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    try:
        server.start()
        server.wait_until_up(tokens[-1])
        tally = Tally()
        began = time.monotonic()
        deadline = began + options.seconds
        run_id = f"{options.seed}-{int(time.time())}"
        clients = [Client(number, server.base, tokens[number], deadline, tally, run_id)
                   for number in range(options.clients)]
        for client in clients:
            client.start()
        # Kill moments: one at random inside each of `kills` equal slices of the run.
        slice_length = options.seconds / max(options.kills, 1)
        moments = sorted(began + index * slice_length + rng.uniform(0.15, 0.85) * slice_length
                         for index in range(options.kills))
        comebacks = []
        for moment in moments:
            time.sleep(max(0.0, moment - time.monotonic()))
            server.kill()
            killed_at = time.monotonic()
            print(f"  kill {len(comebacks) + 1} at {killed_at - began:5.1f} s", flush=True)
            server.start()
            server.wait_until_up(tokens[-1])
            comebacks.append(time.monotonic() - killed_at)
        for client in clients:
            client.join()
        elapsed = time.monotonic() - began
        lives = [life for client in clients for life in client.lifecycles]
        failures = [f"{client.name}: {client.failure}" for client in clients if client.failure]
        result = check(server, tokens[-1], lives, env, options.sample, rng)
    finally:
        server.stop()
        if options.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    counts, figures = tally.counts, result["figures"]
    steps = ("start", "review", "estimate", "pay1", "pay2")
    print(f"\n{database}, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}; {elapsed:.0f} s of load")
    print(f"{'operation':<10}{'attempted':>10}{'acknowledged':>14}{'retried':>9}")
    for step in steps:
        print(f"{step:<10}{counts[f'{step} attempted']:>10}{counts[f'{step} acknowledged']:>14}"
              f"{counts[f'{step} retried']:>9}")
    print(f"total     {sum(counts[f'{s} attempted'] for s in steps):>10}"
          f"{sum(counts[f'{s} acknowledged'] for s in steps):>14}{sum(counts[f'{s} retried'] for s in steps):>9}")
    print(f"answers replayed from an Idempotency-Key: {counts['answers replayed']}")
    print(f"keys taken over from a request that died: {counts['keys taken over from a request that died']}; "
          f"answers lost after the effect (told so, not run again): {counts['answers lost after the effect, told so']}")
    print(f"starts refused 409 (sent again): {counts['start refused 409']}")
    for name, text in tally.notes.items():
        print(f"  first {name}: {text}")
    print(f"kills: {len(comebacks)}; back (GET /api/processes 200) after "
          + ", ".join(f"{seconds:.1f}" for seconds in comebacks) + " s")
    print(f"instances: {figures['instances']}, all load: {figures['load_failures'] == 0} "
          f"({figures['load_failures']} failed); sample continued: {figures['sample continued']} of {figures['sample']}")
    for name in sorted(figures):
        if name.startswith(("unacknowledged", "stuck")):
            print(f"{name}: {figures[name]}")
    print(f"keys stuck 'in progress' for over {STUCK_AFTER:.0f} s: {counts['keys stuck in progress']}")
    audit = result["audit"]
    print(f"audit verify: exit {result['audit_exit']}, intact {audit['intact']}, {audit['events']} events in "
          f"{audit['chains']} chains, {len(audit['breaks'])} breaks")
    print(f"audit events checked against the operations: {figures['audit events checked']}, "
          f"gaps: {figures['audit gaps']}")
    print(f"duplicates: {figures['duplicates']}   lost: {figures['lost']}")
    for problem in failures + result["problems"]:
        print(f"  PROBLEM {problem}")
    ok = not failures and not result["problems"] and not figures["duplicates"] and not figures["lost"] \
        and not figures["audit gaps"] and result["audit_exit"] == 0 and not counts["keys stuck in progress"]
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
