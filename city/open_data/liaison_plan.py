"""The departments' open data plans as they stand, and per department for a period (KCMO Sec. 2-2135; docs/open-data.md).

A plan entry is data that "can be but is not being published online" (Sec. 2-2135(1)), with the publishing date
its liaison proposed and the one agreed with the Open Data Officer ("establish timelines with the Open Data
Officer for publishing", (4)); or data recommended not to be published (2) with its written justification (3).

An entry's state, on a given day:
- data that can be published: `no_date` (no date proposed yet), `proposed` (a date waits for the officer),
  `agreed` (agreed, not yet due), `late` (the agreed date has passed and it is not published),
  `published_on_time` / `published_late` (the data set was published on or before / after the agreed date),
  `published` (published before any date was agreed);
- data recommended not to publish: `recommended` (the officer has not answered), `accepted`, `questioned`;
- either: `withdrawn` (taken off the plan; kept for the record).

`plan_by_department` is what the yearly Open Data Compliance Report reads: keep its name and fields stable.
The writers are in `city.open_data.liaison_plan_edits`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from city.open_data.models_liaison_plan import (LiaisonDepartment, OpenDataPlanChange, OpenDataPlanEntry,
                                                PlanEntryKind)
from city.rules.business_calendar import city_day

ENTRY = OpenDataPlanEntry.__table__
CHANGE = OpenDataPlanChange.__table__
LIAISON = LiaisonDepartment.__table__

CAN_PUBLISH = PlanEntryKind.CAN_PUBLISH.value
EXCLUSION = PlanEntryKind.EXCLUSION.value
KINDS = {CAN_PUBLISH: "Can be published, not yet published", EXCLUSION: "Recommended not to publish"}
# Sec. 2-2135(2): "taking into account issues such as confidentiality, intellectual property rights, financial
# and security risk to the City and the protection of the privacy of individuals" ("such as": other is allowed,
# and the written justification says what it is).
EXCLUSION_REASONS = {
    "confidentiality": "Confidentiality",
    "intellectual_property": "Intellectual property rights",
    "financial_risk": "Financial risk to the City",
    "security_risk": "Security risk to the City",
    "privacy": "Protection of the privacy of individuals",
    "other": "Another reason (the justification says which)",
}
STATES = {
    "late": "Late: the agreed date has passed",
    "no_date": "No date proposed yet",
    "proposed": "Date proposed, waiting for the Open Data Officer",
    "agreed": "Date agreed",
    "published_on_time": "Published on time",
    "published_late": "Published after the agreed date",
    "published": "Published",
    "recommended": "Exclusion waiting for the Open Data Officer",
    "accepted": "Exclusion accepted",
    "questioned": "Exclusion questioned",
    "withdrawn": "Withdrawn from the plan",
}
# The Open Data Officer's list: what needs them first.
STATE_ORDER = tuple(STATES)


@dataclass(frozen=True)
class PlanEntry:
    """One entry of a department's plan, with its state on the day it was read."""

    kind: str                      # CAN_PUBLISH or EXCLUSION
    title: str
    proposed_date: date | None
    agreed_date: date | None
    state: str                     # one of STATES
    published_slug: str | None
    justification: str             # an exclusion's written justification ("" for data that can be published)
    entry_id: int = 0
    department: str = ""
    description: str = ""
    kept_in: str = ""
    awaiting_agreement: bool = False   # a proposed date the officer has not yet answered
    agreement_note: str = ""
    published_on: date | None = None
    exclusion_reason: str | None = None
    review_note: str = ""
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    withdrawn: bool = False

    @property
    def late(self) -> bool:
        return self.state == "late"

    @property
    def state_in_words(self) -> str:
        return STATES[self.state]

    @property
    def reason_in_words(self) -> str:
        return EXCLUSION_REASONS.get(self.exclusion_reason or "", "")


@dataclass(frozen=True)
class DepartmentPlan:
    """A department's plan over a period, as the yearly Open Data Compliance Report counts it.

    can_publish: data that can be published and was still unpublished at period_end; published_on_time,
    published_late, late_open, upcoming: the entries whose agreed date falls in the period, by what became of
    them as of `today`; exclusions: the recommendations not to publish in the plan at period_end; entries: every
    entry in the plan at period_end, each with its state as of `today`."""

    department: str
    can_publish: int
    published_on_time: int
    published_late: int
    late_open: int
    upcoming: int
    exclusions: int
    entries: tuple[PlanEntry, ...]

    @property
    def timelines_met(self) -> int:
        return self.published_on_time

    @property
    def timelines_missed(self) -> int:
        return self.published_late + self.late_open


# -- states ----------------------------------------------------------------------------------------

def entry_state(row, today: date) -> str:
    """The state of a plan entry's row on `today` (see the module's docstring)."""
    if row.withdrawn_at is not None:
        return "withdrawn"
    kind = row.kind.value if isinstance(row.kind, PlanEntryKind) else row.kind
    if kind == EXCLUSION:
        return row.review or "recommended"
    if row.published_on is not None and row.published_on <= today:
        if row.agreed_date is None:
            return "published"
        return "published_on_time" if row.published_on <= row.agreed_date else "published_late"
    if row.agreed_date is not None:
        return "late" if row.agreed_date < today else "agreed"
    return "proposed" if row.proposed_date is not None else "no_date"


def _entry(row, today: date) -> PlanEntry:
    kind = row.kind.value if isinstance(row.kind, PlanEntryKind) else row.kind
    return PlanEntry(
        kind=kind, title=row.title, proposed_date=row.proposed_date, agreed_date=row.agreed_date,
        state=entry_state(row, today), published_slug=row.published_slug, justification=row.justification,
        entry_id=row.id, department=row.department, description=row.description, kept_in=row.kept_in,
        awaiting_agreement=bool(row.awaiting_agreement), agreement_note=row.agreement_note,
        published_on=row.published_on, exclusion_reason=row.exclusion_reason, review_note=row.review_note,
        created_by=row.created_by, created_at=row.created_at, updated_at=row.updated_at,
        withdrawn=row.withdrawn_at is not None)


def _sort_key(entry: PlanEntry):
    """Late first, then what waits for the officer, then by date and title."""
    return (STATE_ORDER.index(entry.state), entry.agreed_date or entry.proposed_date or date.max,
            entry.department.casefold(), entry.title.casefold(), entry.entry_id)


# -- reading ---------------------------------------------------------------------------------------

def plan_entries(connection: Connection, *, today: date, departments: Iterable[str] | None = None,
                 state: str | None = None, include_withdrawn: bool = False) -> list[PlanEntry]:
    """The plan's entries, late first; only those of `departments` when given (None: every department)."""
    query = select(ENTRY)
    if departments is not None:
        query = query.where(ENTRY.c.department.in_(list(departments)))
    entries = [_entry(row, today) for row in connection.execute(query)]
    if state:
        entries = [entry for entry in entries if entry.state == state]
    elif not include_withdrawn:
        entries = [entry for entry in entries if not entry.withdrawn]
    return sorted(entries, key=_sort_key)


def plan_entry(connection: Connection, entry_id: int, *, today: date) -> PlanEntry | None:
    row = connection.execute(select(ENTRY).where(ENTRY.c.id == entry_id)).first()
    return _entry(row, today) if row is not None else None


@dataclass(frozen=True)
class PlanChange:
    at: datetime
    actor: str
    action: str
    note: str
    justification: str
    changes: dict


def entry_history(connection: Connection, entry_id: int) -> list[PlanChange]:
    """Who changed the entry, what and when, oldest first; an exclusion's justification as it read each time."""
    rows = connection.execute(select(CHANGE).where(CHANGE.c.entry_id == entry_id).order_by(CHANGE.c.id))
    return [PlanChange(row.at, row.actor, row.action, row.note, row.justification, row.changes or {})
            for row in rows]


def plan_departments(connection: Connection) -> list[str]:
    """Every department with a liaison or a plan entry, by name."""
    names = set(connection.execute(select(ENTRY.c.department).distinct()).scalars())
    names |= set(connection.execute(select(LIAISON.c.department).distinct()).scalars())
    return sorted(names, key=str.casefold)


def liaison_departments(connection: Connection, username: str) -> tuple[str, ...]:
    """The departments `username` is an open data liaison for, by name."""
    names = connection.execute(select(LIAISON.c.department).where(LIAISON.c.username == username)).scalars()
    return tuple(sorted(names, key=str.casefold))


# -- the yearly report -----------------------------------------------------------------------------

def plan_by_department(connection: Connection, *, period_start: date, period_end: date,
                       today: date) -> dict[str, DepartmentPlan]:
    """Each department's plan over [period_start, period_end] (both days counted), states as of `today`.

    An entry is in the plan at period_end when it was recorded on or before period_end (city day) and not
    withdrawn by then. Every department with a liaison appears, with zeros when it has no entry."""
    in_plan: dict[str, list] = {department: [] for department in
                                connection.execute(select(LIAISON.c.department).distinct()).scalars()}
    for row in connection.execute(select(ENTRY).order_by(ENTRY.c.id)):
        if city_day(row.created_at) > period_end:
            continue
        if row.withdrawn_at is not None and city_day(row.withdrawn_at) <= period_end:
            continue
        in_plan.setdefault(row.department, []).append(row)
    plans = {}
    for department in sorted(in_plan, key=str.casefold):
        rows = in_plan[department]
        entries = tuple(sorted((_entry(row, today) for row in rows), key=_sort_key))
        can_publish = [entry for entry in entries if entry.kind == CAN_PUBLISH]
        due_in_period = [entry for entry in can_publish
                         if entry.agreed_date is not None and period_start <= entry.agreed_date <= period_end]
        states = [entry.state for entry in due_in_period]
        plans[department] = DepartmentPlan(
            department=department,
            can_publish=sum(1 for entry in can_publish
                            if entry.published_on is None or entry.published_on > period_end),
            published_on_time=states.count("published_on_time"),
            published_late=states.count("published_late"),
            late_open=states.count("late"),
            upcoming=states.count("agreed"),
            exclusions=sum(1 for entry in entries if entry.kind == EXCLUSION),
            entries=entries)
    return plans
