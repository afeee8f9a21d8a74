"""The service tasks of the data set approval (processes/dataset_approval.bpmn; docs/open-data.md):
read who approves and who publishes from the city's open data settings when a case starts (and of a report,
processes/dataset_takedown.bpmn, who decides it), scan the sample for protected data when the form is sent, and publish the approved data set to the
catalog; and of a report on a published data set (processes/dataset_takedown.bpmn): correct it with a
new file version, or remove it; and of the yearly Open Data Compliance Report
(processes/open_data_compliance_report.bpmn): count each department's open data for the year, and keep the
finalised report as a PDF in the file store; and of the records office's performance data set
(processes/open_data_performance_refresh.bpmn): count it again and publish a version when it changed.

Both need more than a pure rule does: the scan reads the sample's bytes from the file store the engine's
host opened (`city.office.open_engine(files=...)`), and publishing writes the catalog's rows with the
step's connection, so they commit or roll back with the step (as `city.ledger` writes fees). They
declare their parameters like every operator, so deploy checks them and the modeler lists them;
`city.operators.CityOperators` calls them with an `OpenDataStep`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from city.open_data import catalog, compliance_report
from city.open_data.compliance_report_pdf import render_compliance_report_pdf
from city.open_data.liaison_plan_edits import mark_published_by_case
from city.open_data.performance import PERFORMANCE_SLUG, refresh_performance_dataset
from city.open_data.sample import SampleUnreadable, read_table, sample_problem
from city.open_data.scanner import ScanReport, scan_table
from city.open_data.settings import read_open_data_settings
from city.rules.business_calendar import city_day
from city.rules.registry import OperatorArgumentError, Parameter
from engine.filestore import FileStore, file_reference, parse_file_reference
from engine.models import ProcessInstance


@dataclass(frozen=True)
class OpenDataStep:
    """What an open data operator is handed: the step's connection and time, the file store, and the city's
    settings in force (`settings()`: the city closures the business days skip)."""

    connection: Connection | None
    now: datetime
    files: FileStore | None
    settings: Callable[[], Mapping[str, Any]] | None = None


@dataclass(frozen=True)
class OpenDataOperator:
    name: str
    function: Callable[..., object]     # function(step, **arguments)
    description: str
    parameters: tuple[Parameter, ...]


OPEN_DATA_OPERATORS: dict[str, OpenDataOperator] = {}


def open_data_operator(name: str, description: str, *parameters: Parameter):
    def register(function: Callable[..., object]) -> Callable[..., object]:
        if name in OPEN_DATA_OPERATORS:
            raise ValueError(f'operator "{name}" is registered twice')
        OPEN_DATA_OPERATORS[name] = OpenDataOperator(name, function, description, tuple(parameters))
        return function
    return register


@open_data_operator(
    "open_data.roles_in_force",
    "Who approves data sets and decides reports (approver_role), and who catalogues and publishes an approved data "
    "set (publisher_role), as the city's open data settings say now: read once when a case starts, so it keeps them.")
def roles_in_force(step: OpenDataStep) -> dict[str, str]:
    """{approver_role: records_manager or open_data_officer, publisher_role: it_open_data_coordinator or
    open_data_officer} (Settings, Open data; city.open_data.settings)."""
    settings = read_open_data_settings(_step_connection(step, "open_data.roles_in_force"))
    return {"approver_role": settings.approver_role, "publisher_role": settings.publisher_role}


@open_data_operator(
    "open_data.scan_sample",
    "Scan a data set's sample (a file of the form) for columns that look like personal identifiers.",
    Parameter("sample", "string", description="the form's file reference of the sample (CSV, JSON or XLSX)"))
def scan_sample(step: OpenDataStep, *, sample: str) -> dict[str, Any]:
    """The scan's findings for the Records Manager: rows_scanned, findings (column, label, rows, examples
    masked, note), and the outcome in words (in_words)."""
    stored = parse_file_reference(sample)
    if stored is None:
        raise OperatorArgumentError("sample is not a file of the form (a file store reference)", "sample")
    problem = sample_problem(stored.filename, stored.size)
    if problem is not None:
        return _unscanned(problem)
    if step.files is None:
        raise RuntimeError("the engine was opened without a file store, so the sample cannot be read")
    with step.files.open(stored.sha256) as handle:
        content = handle.read()
    try:
        table = read_table(content, stored.filename)
    except SampleUnreadable as unreadable:
        return _unscanned(f"{unreadable} The sample could not be scanned: review it by hand.")
    return scan_result(scan_table(table, today=city_day(step.now)), stored.filename)


def scan_result(report: ScanReport, filename: str) -> dict[str, Any]:
    findings = [{"column": finding.column, "kind": finding.kind, "rows": finding.rows,
                 "label": f"{finding.label} ({finding.note})" if finding.note else finding.label,
                 "examples": ", ".join(finding.examples)} for finding in report.findings]
    if report.clean:
        words = (f"No column of {filename} looks like personal identifiers ({report.rows_scanned} rows and "
                 f"{len(report.columns)} columns scanned). Review the sample all the same: the scan only points.")
    else:
        columns = ", ".join(f'"{finding.column}" ({finding.label.lower()})' for finding in report.findings)
        words = (f"{len(report.findings)} of {len(report.columns)} columns of {filename} look like personal "
                 f"identifiers ({report.rows_scanned} rows scanned): {columns}.")
    return {"scanned": True, "rows_scanned": report.rows_scanned, "clean": report.clean, "findings": findings,
            "in_words": words}


def _unscanned(reason: str) -> dict[str, Any]:
    return {"scanned": False, "rows_scanned": 0, "clean": False, "findings": [], "in_words": reason}


@open_data_operator(
    "open_data.publish_dataset",
    "Publish an approved data set to the open data catalog: its metadata and its raw and processed files.",
    Parameter("metadata", "object", description="title, description, department, source, quality, ..."),
    Parameter("raw_files", "list", description="the form's file references of the raw files"),
    Parameter("processed_files", "list", required=False, description="file references of processed files"),
    Parameter("tracking_number", "string", required=False, description="the approval case that approved it"),
    Parameter("plan_entry", "string", required=False,
              description="the entry of the department's open data plan this data set publishes (met today)"))
def publish_dataset(step: OpenDataStep, *, metadata: dict[str, Any], raw_files: list[Any],
                    processed_files: list[Any] | None = None, tracking_number: str | None = None,
                    plan_entry: str | None = None) -> str:
    """The data set's slug in the catalog, which lists it as approved in this case. The department's open data
    plan entry the form named, if any and if it is that department's, is met today (KCMO Sec. 2-2135(4))."""
    connection = _step_connection(step, "open_data.publish_dataset")
    files = [*_catalog_files(raw_files, "raw", "raw_files"),
             *_catalog_files(processed_files or [], "processed", "processed_files")]
    case = _case_of(connection, tracking_number)
    slug = catalog.publish_dataset(connection, metadata=metadata, files=files, approved_in=case)
    if plan_entry:
        mark_published_by_case(connection, plan_entry, slug=slug, department=str(metadata.get("department", "")),
                               on=city_day(step.now), instance_id=case, now=step.now)
    return slug


def _catalog_files(references: list[Any], kind: str, parameter: str) -> list[dict[str, Any]]:
    files = []
    for reference in references:
        stored = parse_file_reference(reference)
        if stored is None:
            raise OperatorArgumentError(f"{parameter} holds something that is not a file of the form", parameter)
        files.append({"sha256": stored.sha256, "filename": stored.filename, "content_type": stored.content_type,
                      "size": stored.size, "kind": kind})
    return files


def _case_of(connection: Connection, tracking_number: str | None) -> int | None:
    """The approval case's instance id, found by its tracking number."""
    if not tracking_number:
        return None
    return connection.execute(select(ProcessInstance.id).where(ProcessInstance.business_key == tracking_number)
                              .order_by(ProcessInstance.id.desc()).limit(1)).scalar()


# -- a report on a published data set (processes/dataset_takedown.bpmn) ------------------------------

@open_data_operator(
    "open_data.correct_dataset",
    "Correct a reported data set: its corrected files as a new version (the earlier ones stay listed), and why; "
    "the earlier versions withdrawn too when asked (listed, no longer served).",
    Parameter("slug", "string", description="the data set's address in the catalog"),
    Parameter("files", "list", description="the form's file references of the corrected files"),
    Parameter("reason", "string", description="what was wrong and what was corrected, for the data set's history"),
    Parameter("withdraw_earlier", "boolean", required=False,
              description="withdraw every earlier version still served (protected data): listed, never served"),
    Parameter("tracking_number", "string", required=False, description="the takedown case"))
def correct_dataset(step: OpenDataStep, *, slug: str, files: list[Any], reason: str, withdraw_earlier: bool = False,
                    tracking_number: str | None = None) -> int:
    """The new version's number."""
    connection = _step_connection(step, "open_data.correct_dataset")
    return catalog.correct_dataset(connection, slug, _catalog_files(files, "raw", "files"), reason,
                                   withdraw_earlier=bool(withdraw_earlier),
                                   instance_id=_case_of(connection, tracking_number), now=step.now)


@open_data_operator(
    "open_data.remove_dataset",
    "Remove a reported data set from the catalog, with the reason its history and the public are told.",
    Parameter("slug", "string", description="the data set's address in the catalog"),
    Parameter("reason", "string", description="why the data set is removed"),
    Parameter("tracking_number", "string", required=False, description="the takedown case"))
def remove_dataset(step: OpenDataStep, *, slug: str, reason: str, tracking_number: str | None = None) -> str:
    """The slug removed."""
    connection = _step_connection(step, "open_data.remove_dataset")
    catalog.remove_dataset(connection, slug, reason, instance_id=_case_of(connection, tracking_number), now=step.now)
    return slug


def _step_connection(step: OpenDataStep, operator: str) -> Connection:
    if step.connection is None:
        raise RuntimeError(f'operator "{operator}" records in the database and can only run inside an engine step')
    return step.connection


# -- the yearly Open Data Compliance Report (processes/open_data_compliance_report.bpmn) ---------------

@open_data_operator(
    "open_data.compliance_report_figures",
    "Each department's open data in the year reported: data sets on the portal, reviews approved, not approved and "
    "pending, takedowns, the liaisons' timelines met and missed and justified exclusions (the yearly Open Data "
    "Compliance Report's table).",
    Parameter("period_start", "date", description="the first day of the year reported (city time)"),
    Parameter("period_end", "date", description="its last day, included"),
    Parameter("today", "date", description="the day the report is prepared: the liaisons' timelines as they stand"))
def compliance_report_figures(step: OpenDataStep, *, period_start: date, period_end: date,
                              today: date) -> dict[str, Any]:
    """{report_period (in words), departments and timelines (one row each: data sets, the liaisons' plan),
    in_words (the city's totals)}."""
    if period_end < period_start:
        raise OperatorArgumentError("the year reported must end after it starts", "period_end")
    figures = compliance_report.department_figures(_step_connection(step, "open_data.compliance_report_figures"),
                                                   period_start=period_start, period_end=period_end, today=today)
    return {"report_period": compliance_report.period_in_words(period_start, period_end),
            "departments": [each.row() for each in figures], "timelines": [each.timelines_row() for each in figures],
            "in_words": compliance_report.figures_in_words(figures, period_start, period_end)}


@open_data_operator(
    "open_data.keep_compliance_report_pdf",
    "Lay out the finalised Open Data Compliance Report as a PDF and keep it in the file store.",
    Parameter("report", "object", description="the report's values: report_period, figures_in_words, "
                                              "department_figures, state_of_open_data, department_plans, comments"))
def keep_compliance_report_pdf(step: OpenDataStep, *, report: dict[str, Any]) -> str:
    """The kept PDF's file reference (a form's file value: the City Manager's task downloads it)."""
    if step.files is None:
        raise RuntimeError("the engine was opened without a file store, so the report's PDF cannot be kept")
    content = render_compliance_report_pdf({**report, "finalised_on": compliance_report.day_in_words(city_day(step.now))})
    year = str(report.get("period_end") or city_day(step.now).isoformat())[:4]
    return file_reference(step.files.store(content, f"open-data-compliance-report-{year}.pdf"))


# -- the records office's performance data set (processes/open_data_performance_refresh.bpmn) ----------

@open_data_operator(
    "open_data.refresh_performance",
    "Count the records office's performance again (requests received and closed, the deadline share, days to the "
    "first action, fees charged and waived) and publish a new version of its data set when the figures changed.")
def refresh_performance(step: OpenDataStep) -> dict[str, Any]:
    """{version: the new version, or None when nothing changed or the data set is not in the catalog; in_words}."""
    if step.files is None:
        raise RuntimeError("the engine was opened without a file store, so the data set's files cannot be written")
    settings = step.settings() if step.settings is not None else {}
    version = refresh_performance_dataset(_step_connection(step, "open_data.refresh_performance"), step.files,
                                          now=step.now, city_closures=settings.get("city_closures", ()))
    words = (f"Version {version} of {PERFORMANCE_SLUG} published: the figures changed." if version is not None else
             f"{PERFORMANCE_SLUG}: nothing new to publish (the figures did not change, or the data set is not in "
             "the catalog).")
    return {"version": version, "in_words": words}
