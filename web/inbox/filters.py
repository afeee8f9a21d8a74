"""The inbox's filters: what a GET query string asks for, and the engine arguments that mean it.

Due windows are read in city time (America/Chicago): "today" ends at midnight city time,
"this week" at the end of Sunday city time; both start now, so a task already past due is
only in "overdue". Every filter is a plain query-string value, so the filter form works
without JavaScript and every filtered view has its own address (and a saved filter is that
address's query string). An office is chosen by its key in the city's register (003, Art. 6);
which tasks are an office's work is the city's rule (`city.rules.roles.office_roles`).
"""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from city.rules.business_calendar import CITY_TIME_ZONE
from city.rules.roles import office_roles

PAGE_SIZE = 50
DUE_CHOICES = (("overdue", "Overdue"), ("today", "Due today"), ("week", "This week"), ("", "All"))
SORT_CHOICES = (("due", "Due date"), ("age", "Oldest first"))
MAX_TEXT = 100
OFFICE_KEY = re.compile(r"[a-z0-9_]{1,50}")
TRUE_VALUES = ("1", "on", "true", "yes")


@dataclass(frozen=True)
class InboxFilter:
    process: str = ""
    due: str = ""
    q: str = ""
    office: str = ""
    mine: bool = False
    follow_up: bool = False        # only tasks whose follow-up date (the person's own) is today or earlier
    everyone: bool = False         # supervisors: every open task, not only their roles'
    sort: str = "due"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> InboxFilter:
        """The filter a query string asks for; a value the inbox does not know is ignored."""
        due = args.get("due", "")
        sort = args.get("sort", "due")
        try:
            page = max(1, int(args.get("page", "1")))
        except ValueError:
            page = 1
        office = args.get("office", "").strip()
        return cls(process=args.get("process", "").strip()[:100],
                   due=due if due in dict(DUE_CHOICES) else "",
                   q=args.get("q", "").strip()[:MAX_TEXT],
                   office=office if OFFICE_KEY.fullmatch(office) else "",
                   mine=args.get("mine", "") in TRUE_VALUES,
                   follow_up=args.get("follow_up", "") in TRUE_VALUES,
                   everyone=args.get("everyone", "") in TRUE_VALUES,
                   sort=sort if sort in dict(SORT_CHOICES) else "due",
                   page=page)

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for this filter with `changes`, leaving out the defaults."""
        values = asdict(replace(self, **changes))
        default = asdict(InboxFilter())
        return {name: ("1" if value is True else value) for name, value in values.items() if value != default[name]}

    def query_string(self) -> str:
        """This filter as the inbox's query string, without the page ("due=overdue&office=police")."""
        return urlencode(self.args(page=1))

    @classmethod
    def from_query_string(cls, query: str) -> InboxFilter:
        """The filter a saved query string asks for (anything the inbox does not know is dropped)."""
        return cls.from_args(dict(parse_qsl(query or "", keep_blank_values=False)))

    def engine_arguments(self, roles, username: str, now: datetime, *, due: str | None = None,
                         follow_ups: Collection[int] | None = None, supervisor: bool = False) -> dict[str, Any]:
        """Keyword arguments for `list_tasks` / `count_tasks` (`due` overrides the filter's own).

        `follow_ups`: the ids of the person's tasks whose follow-up date has come, used when the
        filter asks for them; `supervisor`: whether "everyone" may widen the list to every open task."""
        due_from, due_before = due_window(self.due if due is None else due, now)
        arguments: dict[str, Any] = {"process_key": self.process or None, "text": self.q or None,
                                     "due_from": due_from, "due_before": due_before,
                                     "among_roles": office_roles(self.office) if self.office else None}
        if self.follow_up:
            arguments["task_ids"] = tuple(follow_ups or ())
        if self.mine:
            arguments["assignee"] = username
        elif not (self.everyone and supervisor):
            arguments.update(roles=set(roles), also_assigned_to=username)
        return arguments


def office_choices(register: Mapping[str, Mapping[str, Any]], fallback: Collection[str]) -> list[tuple[str, str]]:
    """(office key, office name) of the city's offices, by name; `fallback` keys when the register is empty."""
    offices = {key: str(entry.get("name") or key) for key, entry in register.items() if isinstance(entry, Mapping)}
    if not offices:
        offices = {key: key.replace("_", " ").title() for key in fallback}
    return sorted(offices.items(), key=lambda item: item[1].lower())


def due_window(due: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """(due from, due before) for a due filter; None where the window is open."""
    if due == "overdue":
        return None, now
    local = now.astimezone(CITY_TIME_ZONE)
    if due == "today":
        return now, _midnight(local.date() + timedelta(days=1))
    if due == "week":
        return now, _midnight(local.date() + timedelta(days=7 - local.weekday()))
    return None, None


def _midnight(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CITY_TIME_ZONE)
