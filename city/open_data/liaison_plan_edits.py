"""Changing a department's open data plan, and who may (KCMO Sec. 2-2135, 2-2134; docs/open-data.md).

- A liaison records data that can be published and is not (Sec. 2-2135(1)) with where it is kept, and data
  recommended not to be published (2) with the reason and a written justification (3): no exclusion without
  one, and every change keeps the justification as it then read.
- Timelines (4): the liaison proposes a publishing date (not a day already past); the Open Data Officer agrees
  it or sets another, saying why. An entry is met when its data set is published: a data set approval case
  that names the entry, or the liaison or officer linking the published data set by hand.
- The Open Data Officer "coordinate[s] the publication of public data from City departments" (Sec. 2-2134):
  they see and change every department's entries and answer each exclusion (accepted, or questioned with a
  note). A liaison sees and changes only the departments they are a liaison for.

Each writer takes the caller's `Connection` (Core statements, as `city.open_data.catalog` does), checks the
`PlanEditor`, and appends an `OpenDataPlanChange`. Bad input raises `PlanInputError` naming the field, with a
sentence for the person who typed it; an entry of another department raises `NotYourDepartment`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from city.open_data.catalog import any_dataset
from city.open_data.liaison_plan import CAN_PUBLISH, CHANGE, ENTRY, EXCLUSION, EXCLUSION_REASONS, LIAISON, KINDS
from city.open_data.models_liaison_plan import PlanEntryKind
from city.rules.business_calendar import city_day
from engine import clock

MAX_TITLE = 200
MAX_DEPARTMENT = 200
REVIEWS = {"accepted": "accept", "questioned": "question"}


class PlanInputError(ValueError):
    """Input the plan cannot take; `field` names the form field, the message says what to do."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


class NotYourDepartment(PermissionError):
    """The entry belongs to a department the editor is not a liaison for."""


@dataclass(frozen=True)
class PlanEditor:
    """Who is changing the plan: an Open Data Officer (or administrator) for every department, or a liaison for
    `departments` only."""

    username: str
    departments: frozenset[str] = frozenset()
    officer: bool = False

    def may_touch(self, department: str) -> bool:
        return self.officer or department in self.departments


# -- liaisons' departments -------------------------------------------------------------------------

def set_liaison_departments(connection: Connection, username: str, departments: Iterable[str], *, actor: str,
                            now: datetime | None = None) -> tuple[str, ...]:
    """Make `username` the liaison of exactly `departments` (names, blank ones dropped); the names kept."""
    names = sorted({" ".join(name.split()) for name in departments if name.strip()}, key=str.casefold)
    for name in names:
        if len(name) > MAX_DEPARTMENT:
            raise PlanInputError(f"A department's name is at most {MAX_DEPARTMENT} characters.", "departments")
    current = set(connection.execute(select(LIAISON.c.department).where(LIAISON.c.username == username)).scalars())
    gone = current - set(names)
    if gone:
        connection.execute(delete(LIAISON).where(LIAISON.c.username == username, LIAISON.c.department.in_(gone)))
    moment = now or clock.now()
    for name in names:
        if name not in current:
            connection.execute(insert(LIAISON).values(username=username, department=name, assigned_by=actor,
                                                      assigned_at=moment))
    return tuple(names)


# -- recording and editing -------------------------------------------------------------------------

def record_entry(connection: Connection, editor: PlanEditor, form: dict[str, Any], *, today: date,
                 now: datetime | None = None) -> int:
    """Add an entry to a department's plan from `form` (department, kind, title, description, kept_in,
    proposed_date, exclusion_reason, justification); its id."""
    department = _text(form.get("department"))
    if not department:
        raise PlanInputError("Choose the department this entry belongs to.", "department")
    _check_department(editor, department)
    kind = _text(form.get("kind"))
    if kind not in KINDS:
        raise PlanInputError("Choose whether the data can be published or is recommended not to be published.",
                             "kind")
    fields = _entry_fields(kind, form)
    proposed = _date(form.get("proposed_date"), "proposed_date") if kind == CAN_PUBLISH else None
    if proposed is not None:
        _not_past(proposed, today, "proposed_date")
    moment = now or clock.now()
    entry_id = connection.execute(insert(ENTRY).values(
        department=department, kind=PlanEntryKind(kind), created_by=editor.username, created_at=moment, updated_at=moment,
        proposed_date=proposed, proposed_by=editor.username if proposed else None,
        awaiting_agreement=proposed is not None, agreement_note="", review_note="", **fields)).inserted_primary_key[0]
    _log(connection, entry_id, editor.username, "recorded", moment, justification=fields["justification"],
         changes={name: [None, _plain(value)] for name, value in
                  {"kind": kind, **fields, "proposed_date": proposed}.items() if value not in (None, "")})
    return entry_id


def edit_entry(connection: Connection, editor: PlanEditor, entry_id: int, form: dict[str, Any], *,
               now: datetime | None = None) -> None:
    """Change what an entry says (title, description, kept_in; an exclusion's reason and justification)."""
    row = _entry_row(connection, editor, entry_id)
    if row.withdrawn_at is not None:
        raise PlanInputError("This entry was withdrawn from the plan; add a new one instead.", "title")
    fields = _entry_fields(row.kind.value, form)
    changes = {name: [_plain(getattr(row, name)), _plain(value)] for name, value in fields.items()
               if getattr(row, name) != value}
    if not changes:
        return
    moment = now or clock.now()
    _update(connection, entry_id, moment, **fields)
    _log(connection, entry_id, editor.username, "edited", moment, justification=fields["justification"],
         changes=changes)


def withdraw_entry(connection: Connection, editor: PlanEditor, entry_id: int, note: str, *,
                   now: datetime | None = None) -> None:
    """Take an entry off the plan (it stays on record), saying why."""
    row = _entry_row(connection, editor, entry_id)
    if row.withdrawn_at is not None:
        return
    note = _text(note)
    if not note:
        raise PlanInputError("Say why this entry comes off the plan.", "note")
    moment = now or clock.now()
    _update(connection, entry_id, moment, withdrawn_at=moment)
    _log(connection, entry_id, editor.username, "withdrawn", moment, note=note, justification=row.justification)


# -- timelines -------------------------------------------------------------------------------------

def propose_date(connection: Connection, editor: PlanEditor, entry_id: int, proposed: Any, *, today: date,
                 note: str = "", now: datetime | None = None) -> None:
    """The liaison proposes a publishing date (today or later); it waits for the Open Data Officer."""
    row = _timeline_row(connection, editor, entry_id)
    day = _date(proposed, "proposed_date")
    if day is None:
        raise PlanInputError("Enter the date you propose to publish this data (YYYY-MM-DD).", "proposed_date")
    _not_past(day, today, "proposed_date")
    moment = now or clock.now()
    _update(connection, entry_id, moment, proposed_date=day, proposed_by=editor.username, awaiting_agreement=True)
    _log(connection, entry_id, editor.username, "date_proposed", moment, note=_text(note),
         changes={"proposed_date": [_plain(row.proposed_date), day.isoformat()]})


def agree_date(connection: Connection, editor: PlanEditor, entry_id: int, agreed: Any, *, today: date,
               note: str = "", now: datetime | None = None) -> None:
    """The Open Data Officer agrees the proposed date, or sets another (then `note` says why)."""
    _officer_only(editor, "agree a publishing date")
    row = _timeline_row(connection, editor, entry_id)
    day = _date(agreed, "agreed_date")
    if day is None:
        raise PlanInputError("Enter the agreed publishing date (YYYY-MM-DD).", "agreed_date")
    note = _text(note)
    if day != row.proposed_date and not note:
        raise PlanInputError("This is not the date the liaison proposed: write a note saying why, for the "
                             "department.", "note")
    if day == row.agreed_date and not row.awaiting_agreement:
        raise PlanInputError("That is the date agreed already: set another date, or leave it as it is.",
                             "agreed_date")
    if day != row.agreed_date:
        _not_past(day, today, "agreed_date")
    moment = now or clock.now()
    _update(connection, entry_id, moment, agreed_date=day, agreed_by=editor.username, agreement_note=note,
            awaiting_agreement=False)
    action = "date_agreed" if day == row.proposed_date else "date_set"
    _log(connection, entry_id, editor.username, action, moment, note=note,
         changes={"agreed_date": [_plain(row.agreed_date), day.isoformat()]})


def link_publication(connection: Connection, editor: PlanEditor, entry_id: int, slug: str, *,
                     now: datetime | None = None) -> None:
    """Mark an entry met by a data set in the catalog (by hand); met on the day that data set was published."""
    row = _timeline_row(connection, editor, entry_id)
    slug = _text(slug).strip("/").rsplit("/", 1)[-1]
    dataset = any_dataset(connection, slug) if slug else None
    if dataset is None or dataset.status != "published":
        raise PlanInputError("No published data set has that address: enter the data set's address in the "
                             "catalog, as in /data/<address>.", "slug")
    if dataset.department.casefold() != row.department.casefold():
        raise PlanInputError(f'That data set is listed under "{dataset.department}", not "{row.department}".',
                             "slug")
    _published(connection, row, slug, city_day(dataset.issued_at), editor.username, now or clock.now(),
               note="linked by hand")


def mark_published_by_case(connection: Connection, entry_id: Any, *, slug: str, department: str, on: date,
                           instance_id: int | None, now: datetime) -> bool:
    """A data set approval case published `slug` for `department` with this plan entry chosen: the entry is met
    on `on`. False (nothing changed) when the entry is not one of that department's data to publish."""
    try:
        number = int(entry_id)
    except (TypeError, ValueError):
        return False
    row = connection.execute(select(ENTRY).where(ENTRY.c.id == number)).first()
    if row is None or row.kind.value != CAN_PUBLISH or row.department.casefold() != department.casefold() \
            or row.withdrawn_at is not None:
        return False
    if row.published_slug is None:
        case = f"published by case {instance_id}" if instance_id is not None else "published by its approval case"
        _published(connection, row, slug, on, "system", now, note=case)
    return True


def review_exclusion(connection: Connection, editor: PlanEditor, entry_id: int, review: str, note: str, *,
                     now: datetime | None = None) -> None:
    """The Open Data Officer accepts a recommendation not to publish, or questions it (a note says why)."""
    _officer_only(editor, "answer a recommendation not to publish")
    row = _entry_row(connection, editor, entry_id)
    if row.kind.value != EXCLUSION:
        raise PlanInputError("Only a recommendation not to publish is accepted or questioned.", "review")
    if review not in REVIEWS:
        raise PlanInputError("Choose to accept or to question the recommendation.", "review")
    note = _text(note)
    if review == "questioned" and not note:
        raise PlanInputError("Write what the liaison should reconsider or explain.", "note")
    moment = now or clock.now()
    _update(connection, entry_id, moment, review=review, review_note=note, reviewed_by=editor.username)
    _log(connection, entry_id, editor.username, f"exclusion_{review}", moment, note=note,
         justification=row.justification, changes={"review": [row.review, review]})


# -- inside ----------------------------------------------------------------------------------------

def _entry_fields(kind: str, form: dict[str, Any]) -> dict[str, Any]:
    title = _text(form.get("title"))
    if not title:
        raise PlanInputError("Say what the data is, in a line (its title).", "title")
    if len(title) > MAX_TITLE:
        raise PlanInputError(f"The title is at most {MAX_TITLE} characters; put the rest in the description.",
                             "title")
    fields = {"title": title, "description": _text(form.get("description"), multiline=True),
              "kept_in": _text(form.get("kept_in"), multiline=True), "exclusion_reason": None, "justification": ""}
    if kind == CAN_PUBLISH:
        if not fields["kept_in"]:
            raise PlanInputError("Say where the department keeps this data (the system, register or files).",
                                 "kept_in")
        return fields
    reason = _text(form.get("exclusion_reason"))
    if reason not in EXCLUSION_REASONS:
        raise PlanInputError("Choose the reason the data should not be published (Sec. 2-2135(2)).",
                             "exclusion_reason")
    justification = _text(form.get("justification"), multiline=True)
    if not justification:
        raise PlanInputError("Write the justification for not publishing this data: Sec. 2-2135(3) asks the "
                             "liaison to keep one.", "justification")
    return {**fields, "exclusion_reason": reason, "justification": justification}


def _entry_row(connection: Connection, editor: PlanEditor, entry_id: int):
    row = connection.execute(select(ENTRY).where(ENTRY.c.id == entry_id)).first()
    if row is None:
        raise LookupError(f"no plan entry {entry_id}")
    _check_department(editor, row.department)
    return row


def _timeline_row(connection: Connection, editor: PlanEditor, entry_id: int):
    row = _entry_row(connection, editor, entry_id)
    if row.kind.value != CAN_PUBLISH:
        raise PlanInputError("A recommendation not to publish has no publishing date.", "proposed_date")
    if row.withdrawn_at is not None:
        raise PlanInputError("This entry was withdrawn from the plan.", "proposed_date")
    if row.published_slug is not None:
        raise PlanInputError(f"This data is already published (/data/{row.published_slug}).", "proposed_date")
    return row


def _check_department(editor: PlanEditor, department: str) -> None:
    if not editor.may_touch(department):
        raise NotYourDepartment(f"{editor.username} is not an open data liaison for {department}")


def _officer_only(editor: PlanEditor, what: str) -> None:
    if not editor.officer:
        raise NotYourDepartment(f"only the Open Data Officer may {what}")


def _published(connection: Connection, row, slug: str, on: date, actor: str, moment: datetime, *, note: str):
    _update(connection, row.id, moment, published_slug=slug, published_on=on, awaiting_agreement=False)
    _log(connection, row.id, actor, "published", moment, note=note,
         changes={"published_slug": [row.published_slug, slug], "published_on": [None, on.isoformat()]})


def _update(connection: Connection, entry_id: int, moment: datetime, **values) -> None:
    connection.execute(update(ENTRY).where(ENTRY.c.id == entry_id).values(updated_at=moment, **values))


def _log(connection: Connection, entry_id: int, actor: str, action: str, moment: datetime, *, note: str = "",
         justification: str = "", changes: dict | None = None) -> None:
    connection.execute(insert(CHANGE).values(entry_id=entry_id, at=moment, actor=actor, action=action, note=note,
                                             justification=justification or "", changes=changes or None))


def _text(value: Any, *, multiline: bool = False) -> str:
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").strip()
    return text if multiline else " ".join(text.split())


def _date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise PlanInputError("Enter the date as YYYY-MM-DD, for example 2027-03-31.", field) from None


def _not_past(day: date, today: date, field: str) -> None:
    if day < today:
        raise PlanInputError(f"{day:%B} {day.day}, {day.year} has passed: propose today or a later date.", field)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
