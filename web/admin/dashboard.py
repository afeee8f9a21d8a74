"""Dashboards: requests received and closed, time to first action, the statutory 3 days, overdue, fees by office; charts and CSV.

The figures are `city.reports` (see docs/dashboards.md for what each one means). Each table is
shown as an HTML table, drawn as a chart by /static/dashboard.js (chart.js) from the same
figures, and downloadable as CSV with the same filters.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Response, abort, render_template, request, url_for

from engine import clock
from city import reports
from city.rules.business_calendar import CITY_TIME_ZONE, city_day, city_midnight
from web.current import city_data, process_engine, signed_in_staff
from web.admin.blueprint import bp
from web.access import DASHBOARD_ROLES
from web.auth import role_required
from web.access import ADMINISTRATOR

TABLES = ("requests", "response_times", "overdue", "fees")
DEFAULT_WEEKS = 12
DEFAULT_MONTHS = 12
LONGEST_RANGE = timedelta(days=5 * 366)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filters:
    """What the person asked for: a date range (city days, both included) and an office, or the defaults."""

    start: date | None
    end: date | None
    office_key: str | None

    def args(self) -> dict[str, str]:
        values = {"from": self.start.isoformat() if self.start else None,
                  "to": self.end.isoformat() if self.end else None, "office": self.office_key}
        return {name: value for name, value in values.items() if value}

    def weekly_range(self, now: datetime) -> tuple[datetime, datetime]:
        if self.start or self.end:
            return self._chosen(now)
        this_week = reports.week_of(city_day(now))
        return (city_midnight(this_week - timedelta(weeks=DEFAULT_WEEKS - 1)),
                city_midnight(city_day(now) + timedelta(days=1)))

    def monthly_range(self, now: datetime) -> tuple[datetime, datetime]:
        if self.start or self.end:
            return self._chosen(now)
        month = reports.month_of(city_day(now))
        for _ in range(DEFAULT_MONTHS - 1):
            month = (month - timedelta(days=1)).replace(day=1)
        return city_midnight(month), city_midnight(city_day(now) + timedelta(days=1))

    def _chosen(self, now: datetime) -> tuple[datetime, datetime]:
        end = self.end or city_day(now)
        start = self.start or end - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
        return city_midnight(start), city_midnight(end + timedelta(days=1))


@dataclass
class Table:
    name: str
    caption: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    chart: dict[str, Any] = field(default_factory=dict)
    chart_label: str = ""
    links: dict[int, str] = field(default_factory=dict)   # row index -> address for its first cell


def read_filters(offices: dict[str, str]) -> Filters:
    start, end = _day_argument("from"), _day_argument("to")
    if start and end and start > end:
        abort(400, description="The range starts after it ends: choose a 'from' day on or before the 'to' day.")
    if start and end and end - start > LONGEST_RANGE:
        abort(400, description="Choose a range of five years or less.")
    office = request.args.get("office") or None
    if office is not None and office not in offices:
        abort(400, description=f'There is no office "{office}"; choose one of: {", ".join(offices)}.')
    return Filters(start, end, office)


def _day_argument(name: str) -> date | None:
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400, description=f'"{value}" is not a day: write the {name} day as YYYY-MM-DD, e.g. 2026-03-02.')


def build_tables(filters: Filters, offices: dict[str, str], closures: Any, now: datetime,
                 only: str | None = None) -> dict[str, Table]:
    """The dashboard's tables for these filters (or just `only`), as text cells ready for HTML and CSV."""
    weekly_since, weekly_until = filters.weekly_range(now)
    monthly_since, monthly_until = filters.monthly_range(now)
    tables: dict[str, Table] = {}
    with process_engine().database.read() as session:
        connection = session.connection()
        if only in (None, "requests", "response_times", "overdue"):
            facts = reports.request_facts(connection, since=weekly_since, office_key=filters.office_key)
        if only in (None, "requests"):
            handed_out = reports.hand_outs(connection, weekly_since, weekly_until, office_key=filters.office_key)
            tables["requests"] = _requests_table(
                reports.requests_per_week(facts, weekly_since, weekly_until, handed_out))
        if only in (None, "response_times"):
            tables["response_times"] = _response_table(
                reports.response_times(facts, weekly_since, weekly_until, now, closures), offices)
        if only in (None, "overdue"):
            tables["overdue"] = _overdue_table(reports.overdue_now(facts, now, closures), offices)
        if only in (None, "fees"):
            tables["fees"] = _fees_table(
                reports.fees_per_month(connection, monthly_since, monthly_until, filters.office_key), offices)
    return tables


def _requests_table(weeks: list[reports.WeekRow]) -> Table:
    table = Table("requests", "Records requests per week (weeks begin on Monday)",
                  ["Week beginning", "Received", "Acted on", "Closed", "Handed out free (copies, no form)"],
                  [[w.week_start.isoformat(), str(w.received), str(w.acted_on), str(w.closed), str(w.handed_out)]
                   for w in weeks])
    table.chart = {"type": "bar", "labels": [w.week_start.isoformat() for w in weeks], "datasets": [
        {"label": "Received", "data": [w.received for w in weeks]},
        {"label": "Acted on", "data": [w.acted_on for w in weeks]},
        {"label": "Closed", "data": [w.closed for w in weeks]},
        {"label": "Handed out free (copies)", "data": [w.handed_out for w in weeks]}], "yTitle": "Requests"}
    table.chart_label = ("Bar chart of records requests received, acted on and closed per week, and the copies of "
                         "records for free distribution handed out")
    return table


def _response_table(rows: list[reports.ResponseRow], offices: dict[str, str]) -> Table:
    table = Table("response_times", "Response times, for requests received in the range (business days)",
                  ["Office", "Received", "First step taken", "Median business days to first step", "Acted on",
                   "Median business days to acted on", "Acted on or past the deadline",
                   "Acted on by the deadline", "Share acted on by the deadline (%)"])
    for row in rows:
        table.rows.append([
            "All offices" if row.office_key is None else _office(row.office_key, offices), str(row.received),
            str(row.first_step), _number(row.median_days_to_first_step), str(row.acted_on),
            _number(row.median_days_to_acted_on), str(row.due_so_far), str(row.within_deadline),
            _number(None if row.share_within_deadline is None else row.share_within_deadline * 100)])
    by_office = [row for row in rows if row.office_key is not None]
    table.chart = {"type": "bar", "labels": [_office(r.office_key, offices) for r in by_office],
                   "datasets": [{"label": "Share acted on by the deadline (%)",
                                 "data": [None if r.share_within_deadline is None
                                          else round(r.share_within_deadline * 100, 1) for r in by_office]}],
                   "yTitle": "Percent", "yMax": 100}
    table.chart_label = ("Bar chart of the share of requests acted on within the statutory three business days, "
                         "per office")
    return table


def _overdue_table(rows: list[reports.OverdueRow], offices: dict[str, str]) -> Table:
    table = Table("overdue", "Overdue now: open requests not acted on by their response deadline",
                  ["Tracking number", "Office", "Received", "Response due", "Business days late", "Status",
                   "Now at"])
    counts: dict[str, int] = {}
    for row in rows:
        office = _office(row.office_key, offices)
        counts[office] = counts.get(office, 0) + 1
        table.rows.append([row.tracking_number, office, _when(row.received_at), _when(row.response_due_at),
                           str(row.business_days_late), row.status, row.current_steps])
    if signed_in_staff().has_role(ADMINISTRATOR):
        table.links = {index: url_for("admin.instance", instance_id=row.instance_id) for index, row in enumerate(rows)}
    table.chart = {"type": "bar", "labels": list(counts), "datasets": [
        {"label": "Overdue requests", "data": list(counts.values())}], "yTitle": "Requests"}
    table.chart_label = "Bar chart of the requests overdue now, per office"
    return table


def _fees_table(rows: list[reports.FeeMonthRow], offices: dict[str, str]) -> Table:
    table = Table("fees", "Fee money per month and office", ["Month", "Office", "Charged", "Collected (paid)",
                                                            "Billed to account", "Transmitted to the City Clerk"])
    months: dict[str, list[Decimal]] = {}
    for row in rows:
        month = row.month.strftime("%Y-%m")
        table.rows.append([month, _office(row.office_key, offices), str(row.charged), str(row.paid),
                           str(row.billed), str(row.transmitted)])
        sums = months.setdefault(month, [Decimal(0)] * 4)
        for index, amount in enumerate((row.charged, row.paid, row.billed, row.transmitted)):
            sums[index] += amount
    names = ("Charged", "Collected (paid)", "Billed to account", "Transmitted")
    table.chart = {"type": "bar", "labels": list(months), "datasets": [
        {"label": name, "data": [float(sums[index]) for sums in months.values()]} for index, name in enumerate(names)],
        "yTitle": "Dollars"}
    table.chart_label = "Bar chart of fees charged, collected, billed and transmitted per month, all offices shown"
    return table


def _office(office_key: str, offices: dict[str, str]) -> str:
    return offices.get(office_key, office_key) or "(no office)"


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.1f}".removesuffix(".0")


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(CITY_TIME_ZONE):%Y-%m-%d %H:%M}"


def csv_safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula: text starting with = + - @ gets a leading apostrophe."""
    if cell.startswith(FORMULA_STARTS):
        try:
            Decimal(cell)
        except ArithmeticError:
            return "'" + cell
        return cell   # a number such as -5.00 stays a number
    return cell


def _context() -> tuple[Filters, dict[str, str], Any, datetime]:
    engine = process_engine()
    with engine.database.read() as session:
        offices = reports.office_names(session.connection())
    filters = read_filters(offices)
    closures = city_data()().get("city_closures", ())
    return filters, offices, closures, clock.now()


@bp.get("/dashboard")
@role_required(*DASHBOARD_ROLES)
def dashboard():
    filters, offices, closures, now = _context()
    weekly, monthly = filters.weekly_range(now), filters.monthly_range(now)
    shown = {"start": filters.start or city_day(weekly[0]), "end": city_day(weekly[1]) - timedelta(1)}
    return render_template("admin/dashboard.html", tables=build_tables(filters, offices, closures, now),
                           filters=filters, offices=offices, shown=shown, now=now,
                           monthly_start=city_day(monthly[0]))


@bp.get("/dashboard/<any(requests, response_times, overdue, fees):table>.csv")
@role_required(*DASHBOARD_ROLES)
def dashboard_csv(table: str):
    filters, offices, closures, now = _context()
    chosen = build_tables(filters, offices, closures, now, only=table)[table]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(chosen.headers)
    writer.writerows([csv_safe(cell) for cell in row] for row in chosen.rows)
    suffix = "-".join(part for part in (filters.office_key, *(d.isoformat() for d in (filters.start, filters.end) if d))
                      if part)
    filename = f"clerkflow-{table.replace('_', '-')}{'-' + suffix if suffix else ''}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
