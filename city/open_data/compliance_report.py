"""The yearly Open Data Compliance Report's figures, department by department (002, Sacramento's Open Data policy).

"Annually, the Records Manager shall submit to the City Manager an annual Open Data Compliance Report prepared with
the assistance of the Open Data Advisory Group. This report shall: establish, on a department specific basis,
reasonable timelines, implementation plans and review processes ...; and summarize and comment on the state of open
data and data set availability in City departments." processes/open_data_compliance_report.bpmn prefills the report
with what the system knows, per department, for the year reported:

- data sets published: those on the catalog at the year's end (titles), and how many were first published in it;
- data set reviews (`dataset_approval` cases): still pending today (open and not approved), and the decisions of
  the year (approved, not approved; a case refused and then approved counts once each way);
- takedowns (`dataset_takedown` cases decided in the year): corrected, removed;
- from the liaisons' plan (`city.open_data.liaison_plan.plan_by_department`, KCMO Sec. 2-2135): the publishing
  timelines agreed for the year, met on time, met late and late still open, those still due, the data that could be
  published and is not at the year's end, and the justified exclusions (recommended not to publish).

The department of a review is the one its form names (the latest, when a revision changed it); of a takedown, the
reported data set's. Read from the engine's derived rows and audit trail and from the catalog, never a workflow's
state; aggregate figures only (no requester, no reporter).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from city.open_data.liaison_plan import plan_by_department
from city.open_data.models_catalog import Dataset, DatasetStatus
from city.rules.business_calendar import city_midnight
from engine.models import AuditEvent, InstanceStatus, ProcessInstance

DATASET_APPROVAL = "dataset_approval"
DATASET_TAKEDOWN = "dataset_takedown"
STILL_OPEN = (InstanceStatus.ACTIVE, InstanceStatus.INCIDENT, InstanceStatus.SUSPENDED)
NO_DEPARTMENT = "(no department named)"


@dataclass
class DepartmentFigures:
    """One department's open data in the year reported."""

    department: str
    published: list[str] = field(default_factory=list)   # titles on the catalog at the year's end
    published_in_year: int = 0
    reviews_pending: int = 0
    reviews_approved: int = 0
    reviews_not_approved: int = 0
    takedowns_corrected: int = 0
    takedowns_removed: int = 0
    timelines_met: int = 0           # the liaisons' plan: agreed dates in the year met on time
    timelines_met_late: int = 0
    timelines_late_open: int = 0     # passed, still not published
    timelines_upcoming: int = 0      # agreed in the year, not yet due
    could_publish: int = 0           # could be published, still not at the year's end
    exclusions: int = 0              # recommended not to publish, with a written justification

    def row(self) -> dict[str, Any]:
        """The department's row of the report's data sets table (the form's and the PDF's), in plain values."""
        return {"department": self.department, "published": len(self.published),
                "published_titles": "; ".join(self.published) or "none",
                "published_in_year": self.published_in_year, "reviews_pending": self.reviews_pending,
                "reviews_approved": self.reviews_approved, "reviews_not_approved": self.reviews_not_approved,
                "takedowns_corrected": self.takedowns_corrected, "takedowns_removed": self.takedowns_removed}

    def timelines_row(self) -> dict[str, Any]:
        """The department's row of the report's table of the liaisons' plan."""
        return {"department": self.department, "timelines_met": self.timelines_met,
                "timelines_met_late": self.timelines_met_late, "timelines_late_open": self.timelines_late_open,
                "timelines_upcoming": self.timelines_upcoming, "could_publish": self.could_publish,
                "exclusions": self.exclusions}


def department_figures(connection: Connection, *, period_start: date, period_end: date,
                       today: date) -> list[DepartmentFigures]:
    """Each department's figures for the year from `period_start` to `period_end` (both included, city days),
    by department name; the plan's timelines as they stand `today` (the day the report is prepared)."""
    since, until = city_midnight(period_start), city_midnight(period_end + timedelta(days=1))
    figures: dict[str, DepartmentFigures] = {}

    def of(department: str | None) -> DepartmentFigures:
        name = (department or "").strip() or NO_DEPARTMENT
        return figures.setdefault(name, DepartmentFigures(name))

    department_of_slug: dict[str, str] = {}
    for dataset in connection.execute(select(Dataset.slug, Dataset.title, Dataset.department, Dataset.status,
                                             Dataset.issued_at).order_by(Dataset.title)):
        department_of_slug[dataset.slug] = dataset.department
        if dataset.status == DatasetStatus.PUBLISHED and dataset.issued_at < until:
            found = of(dataset.department)
            found.published.append(dataset.title)
            found.published_in_year += dataset.issued_at >= since
    for case in _cases(connection, DATASET_APPROVAL):
        found = of(case.last("department"))
        # Pending: still open and not approved (waiting for the review, the decision or a revision). An approved
        # case still open waits for IT to publish: its review is done.
        found.reviews_pending += case.status in STILL_OPEN and case.last("dataset_decision") != "approved"
        for decision in case.decisions("decide_dataset", "dataset_decision", since, until):
            found.reviews_approved += decision == "approved"
            found.reviews_not_approved += decision == "not_approved"
    for case in _cases(connection, DATASET_TAKEDOWN):
        found = None
        for decision in case.decisions("decide_takedown", "takedown_choice", since, until):
            found = found or of(department_of_slug.get(case.last("dataset_slug") or ""))
            found.takedowns_corrected += decision == "correct"
            found.takedowns_removed += decision == "remove"
    for department, plan in plan_by_department(connection, period_start=period_start, period_end=period_end,
                                               today=today).items():
        found = of(department)
        found.timelines_met, found.timelines_met_late = plan.published_on_time, plan.published_late
        found.timelines_late_open, found.timelines_upcoming = plan.late_open, plan.upcoming
        found.could_publish, found.exclusions = plan.can_publish, plan.exclusions
    return [figures[name] for name in sorted(figures, key=str.casefold)]


@dataclass
class _Case:
    status: InstanceStatus
    events: list[tuple[datetime, str | None, dict[str, Any]]] = field(default_factory=list)   # (at, bpmn_id, changes)

    def last(self, name: str) -> Any:
        """The latest value the case's data took for `name` (None: never set)."""
        values = [changes[name] for _, _, changes in self.events if changes.get(name) not in (None, "")]
        return values[-1] if values else None

    def decisions(self, bpmn_id: str, name: str, since: datetime, until: datetime) -> list[Any]:
        """The values `name` took when the task `bpmn_id` was done within [since, until)."""
        return [changes.get(name) for at, task, changes in self.events if task == bpmn_id and since <= at < until]


def _cases(connection: Connection, process_key: str) -> list[_Case]:
    cases: dict[int, _Case] = {}
    for instance_id, status in connection.execute(select(ProcessInstance.id, ProcessInstance.status)
                                                  .where(ProcessInstance.process_key == process_key)):
        cases[instance_id] = _Case(status)
    events: dict[int, list] = defaultdict(list)
    for event in connection.execute(select(AuditEvent.instance_id, AuditEvent.at, AuditEvent.bpmn_id, AuditEvent.changes)
                                    .where(AuditEvent.process_key == process_key, AuditEvent.instance_id.is_not(None))
                                    .order_by(AuditEvent.id)):
        if event.instance_id in cases and isinstance(event.changes, dict):
            events[event.instance_id].append((event.at, event.bpmn_id, event.changes))
    for instance_id, case in cases.items():
        case.events = events[instance_id]
    return list(cases.values())


def figures_in_words(figures: list[DepartmentFigures], period_start: date, period_end: date) -> str:
    """The year's figures for the whole city, in one paragraph (the form's and the PDF's summary line)."""
    def total(name: str) -> int:
        return sum(len(value) if isinstance(value := getattr(each, name), list) else value for each in figures)
    return (f"From {day_in_words(period_start)} to {day_in_words(period_end)}: {total('published')} data set(s) on "
            f"the open data portal from {sum(1 for each in figures if each.published)} department(s), "
            f"{total('published_in_year')} of them first published in the year; {total('reviews_approved')} "
            f"review(s) approved and {total('reviews_not_approved')} not approved in the year, "
            f"{total('reviews_pending')} still pending; {total('takedowns_corrected')} data set(s) corrected and "
            f"{total('takedowns_removed')} removed after a report. The liaisons' plan: {total('timelines_met')} "
            f"publishing timeline(s) of the year met on time, {total('timelines_met_late')} met late and "
            f"{total('timelines_late_open')} missed and still open, {total('timelines_upcoming')} still due; "
            f"{total('could_publish')} data set(s) could be published and are not; {total('exclusions')} justified "
            "exclusion(s).")


def period_in_words(period_start: date, period_end: date) -> str:
    """"2026" for a calendar year, "1 July 2025 to 30 June 2026" for any other."""
    if (period_start.month, period_start.day, period_end.month, period_end.day) == (1, 1, 12, 31) \
            and period_start.year == period_end.year:
        return str(period_start.year)
    return f"{day_in_words(period_start)} to {day_in_words(period_end)}"


def day_in_words(day: date) -> str:
    return f"{day.day} {day:%B} {day.year}"
