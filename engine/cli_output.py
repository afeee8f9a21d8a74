"""How the `clerkflow` command line prints: readable tables, or JSON with `--json`.

Times are printed in UTC; JSON carries ISO 8601 text for dates and times.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from engine.views import AuditView, InstanceView

def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)   # Decimal and anything else a task's data may hold


def as_json(value: Any) -> str:
    if dataclasses.is_dataclass(value):
        value = dataclasses.asdict(value)
    elif isinstance(value, list):
        value = [dataclasses.asdict(item) if dataclasses.is_dataclass(item) else item for item in value]
    return json.dumps(value, indent=2, ensure_ascii=False, default=_json_default)


def _cell(value: Any) -> str:
    if value is None or value == ():
        return "-"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value))
    text = " ".join(str(value).split())
    return text if len(text) <= 60 else text[:59] + "…"


Columns = list[tuple[str, Callable[[Any], Any]]]


def print_table(rows: Sequence[Any], columns: Columns, empty: str, indent: str = "") -> None:
    if not rows:
        print(f"{indent}{empty}")
        return
    lines = [[header for header, _ in columns]] + [[_cell(get(row)) for _, get in columns] for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(columns))]
    lines.insert(1, ["-" * width for width in widths])
    for line in lines:
        print(indent + "  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip())


VERSION_COLUMNS: Columns = [
    ("process", lambda v: v.process_key), ("version", lambda v: v.version), ("name", lambda v: v.display_name),
    ("file", lambda v: v.file_name), ("forms", lambda v: v.forms), ("deployed by", lambda v: v.deployed_by),
    ("deployed (UTC)", lambda v: v.deployed_at)]
INSTANCE_COLUMNS: Columns = [
    ("instance", lambda i: i.instance_id), ("process", lambda i: f"{i.process_key} v{i.version}"),
    ("business key", lambda i: i.business_key), ("status", lambda i: i.status),
    ("waiting at", lambda i: i.current_steps), ("next due (UTC)", lambda i: i.next_due_at),
    ("updated (UTC)", lambda i: i.updated_at)]
TASK_COLUMNS: Columns = [
    ("task", lambda t: t.task_id), ("instance", lambda t: t.instance_id), ("title", lambda t: t.title),
    ("bpmn id", lambda t: t.bpmn_id), ("role", lambda t: t.candidate_role), ("assignee", lambda t: t.assignee),
    ("status", lambda t: t.status), ("created (UTC)", lambda t: t.created_at), ("due (UTC)", lambda t: t.due_at)]
TIMER_COLUMNS: Columns = [
    ("timer", lambda t: t.timer_id), ("instance", lambda t: t.instance_id or "(start)"),
    ("process", lambda t: t.process_key), ("bpmn id", lambda t: t.bpmn_id), ("kind", lambda t: t.kind),
    ("due (UTC)", lambda t: t.due_at)]
INCIDENT_COLUMNS: Columns = [
    ("incident", lambda i: i.incident_id), ("instance", lambda i: i.instance_id),
    ("bpmn id", lambda i: i.bpmn_id), ("task", lambda i: i.task_title),
    ("error", lambda i: f"{i.error_type}: {i.error_message}"), ("status", lambda i: i.status),
    ("created (UTC)", lambda i: i.created_at)]
AUDIT_COLUMNS: Columns = [
    ("at (UTC)", lambda a: a.at), ("actor", lambda a: a.actor), ("action", lambda a: a.action),
    ("bpmn id", lambda a: a.bpmn_id), ("detail", lambda a: a.detail),
    ("changes", lambda a: json.dumps(a.changes, default=_json_default) if a.changes else None)]


def print_instance(view: InstanceView, audit: list[AuditView] | None = None) -> None:
    print(f"instance {view.instance_id}: {view.title} ({view.process_key} version {view.version})")
    for label, value in (("status", view.status), ("business key", view.business_key),
                         ("waiting at", view.current_steps), ("next due (UTC)", view.next_due_at),
                         ("started (UTC)", f"{_cell(view.started_at)} by {view.started_by}"),
                         ("updated (UTC)", view.updated_at), ("ended (UTC)", view.ended_at)):
        print(f"  {label + ':':16}{_cell(value)}")
    print("open tasks:")
    print_table(view.open_tasks, TASK_COLUMNS, "none", indent="  ")
    print("incidents:")
    print_table(view.incidents, INCIDENT_COLUMNS, "none", indent="  ")
    if audit is not None:
        print("audit trail:")
        print_table(audit, AUDIT_COLUMNS, "empty", indent="  ")


def emit(options: argparse.Namespace, value: Any, render: Callable[[Any], None]) -> None:
    if options.json:
        print(as_json(value))
    else:
        render(value)
