"""The inbox's filters: what a GET query string asks for, and the engine arguments that mean it.

Due windows are read in city time (America/Chicago): "today" ends at midnight city time,
"this week" at the end of Sunday city time; both start now, so a task already past due is
only in "overdue". Every filter is a plain query-string value, so the filter form works
without JavaScript and every filtered view has its own address.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any

from engine.services.business_calendar import CITY_TIME_ZONE

PAGE_SIZE = 50
DUE_CHOICES = (("overdue", "Overdue"), ("today", "Due today"), ("week", "This week"), ("", "All"))
SORT_CHOICES = (("due", "Due date"), ("age", "Oldest first"))
MAX_TEXT = 100


@dataclass(frozen=True)
class InboxFilter:
    process: str = ""
    due: str = ""
    q: str = ""
    mine: bool = False
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
        return cls(process=args.get("process", "").strip()[:100],
                   due=due if due in dict(DUE_CHOICES) else "",
                   q=args.get("q", "").strip()[:MAX_TEXT],
                   mine=args.get("mine", "") in ("1", "on", "true", "yes"),
                   sort=sort if sort in dict(SORT_CHOICES) else "due",
                   page=page)

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for this filter with `changes`, leaving out the defaults."""
        values = asdict(replace(self, **changes))
        default = asdict(InboxFilter())
        return {name: ("1" if value is True else value) for name, value in values.items() if value != default[name]}

    def engine_arguments(self, roles, username: str, now: datetime, *, due: str | None = None) -> dict[str, Any]:
        """Keyword arguments for `list_tasks` / `count_tasks` (`due` overrides the filter's own)."""
        due_from, due_before = due_window(self.due if due is None else due, now)
        arguments: dict[str, Any] = {"process_key": self.process or None, "text": self.q or None,
                                     "due_from": due_from, "due_before": due_before}
        if self.mine:
            arguments["assignee"] = username
        else:
            arguments.update(roles=set(roles), also_assigned_to=username)
        return arguments


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
