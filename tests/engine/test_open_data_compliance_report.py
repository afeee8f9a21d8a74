"""processes/open_data_compliance_report.bpmn on the real engine: the yearly Open Data Compliance Report (002).

Sacramento's Open Data policy: "Annually, the Records Manager shall submit to the City Manager an annual Open Data
Compliance Report prepared with the assistance of the Open Data Advisory Group. This report shall: establish, on a
department specific basis, reasonable timelines, implementation plans and review processes ...; and summarize and
comment on the state of open data and data set availability in City departments."

The year 2026 is planted through the real processes: data sets published (one a year before, one that appeared
without approval), data set reviews refused, approved and still waiting, and reports that led to a correction and a
removal; and the liaisons' plan: a timeline met on time, one missed, one due next year, a justified exclusion. On 15
January 2027 the timer starts the report, prefilled per department; the Advisory Group comments; the
Records Manager finalises it; it is kept as a PDF and the City Manager acknowledges receipt.
"""
import re
import zlib
from datetime import date, datetime, timedelta, timezone

import pytest
from city.office import open_engine
from city.open_data import catalog
from city.open_data.liaison_plan_edits import PlanEditor, agree_date, link_publication, record_entry
from city.rules.roles import CITY_MANAGER, IT_OPEN_DATA_COORDINATOR, OPEN_DATA_LIAISON, RECORDS_MANAGER
from engine import InvalidState, NotAllowed
from engine.filestore import file_reference, parse_file_reference
from scenario_data import REPO, WARM_AND_RESTORED
import test_dataset_approval as approval
from test_dataset_approval import PERMITS, complete, decide, open_tasks, review, submit

pytestmark = WARM_AND_RESTORED

ONE_SECOND = timedelta(seconds=1)
A_YEAR_BEFORE = datetime(2025, 5, 4, 16, 0, tzinfo=timezone.utc)
IN_JANUARY = datetime(2026, 1, 5, 16, 0, tzinfo=timezone.utc)
IN_MARCH = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)
IN_APRIL = datetime(2026, 4, 6, 16, 0, tzinfo=timezone.utc)
IN_JUNE = datetime(2026, 6, 8, 16, 0, tzinfo=timezone.utc)
IN_DECEMBER = datetime(2026, 12, 14, 16, 0, tzinfo=timezone.utc)
REPORT_DAY = datetime(2027, 1, 15, 15, 0, tzinfo=timezone.utc)        # 09:00 in the city (CST)
NEXT_REPORT_DAY = datetime(2028, 1, 15, 15, 0, tzinfo=timezone.utc)
PROCESSES = ("dataset_approval", "dataset_takedown", "open_data_compliance_report")
OFFICER = PlanEditor("olive.officer", officer=True)
TJ = re.compile(rb"\(((?:\\.|[^\\)])*)\) ?Tj")


files = approval.files      # the file store the city's engine opens with


@pytest.fixture
def engine(database, warm_cache_size, files, time_machine):
    time_machine.move_to(A_YEAR_BEFORE, tick=False)
    engine = open_engine(database, files=files, warm_cache_size=warm_cache_size)
    for process in PROCESSES:
        assert engine.deploy_file(REPO / "processes" / f"{process}.bpmn", REPO / "forms", actor="test").created
    return engine


def publish(database, files, title, department, *, approved_in=41):
    stored = files.store(PERMITS, f"{catalog.slug_for(title)}.csv")
    with database.write_connection() as connection:
        catalog.publish_dataset(connection, approved_in=approved_in, metadata={
            "title": title, "description": f"{title}.", "department": department,
            "contact_email": "open.data@city.example"}, files=[
            {"sha256": stored.sha256, "filename": stored.filename, "content_type": "text/csv", "size": stored.size}])


def plan(database, department, title, *, agreed_on=None, exclusion=False):
    """An entry of the department's plan, recorded on 5 January 2026, its date agreed with the Open Data Officer."""
    form = ({"kind": "exclusion", "exclusion_reason": "privacy", "justification": "Names private persons."}
            if exclusion else {"kind": "can_publish", "kept_in": "The department's register",
                               "proposed_date": agreed_on.isoformat()})
    with database.write_connection() as connection:
        entry_id = record_entry(connection, OFFICER, {"department": department, "title": title, **form},
                                today=IN_JANUARY.date(), now=IN_JANUARY)
        if agreed_on:
            agree_date(connection, OFFICER, entry_id, agreed_on, today=IN_JANUARY.date(), now=IN_JANUARY)
    return entry_id


def takedown(engine, files, slug, title, choice):
    case = engine.start_instance("dataset_takedown", {
        "dataset_slug": slug, "dataset_title": title, "report_kind": "inaccurate",
        "report_details": "The figures for March are doubled."}, actor="portal", tracking_prefix="DT")
    corrected = {"corrected_files": [file_reference(files.store(PERMITS + b"BP-2026-0104,2026-10-06,Fence,900\n",
                                                                "corrected.csv"))]} if choice == "correct" else {}
    complete(engine, case.instance_id, "decide_takedown",
             {"takedown_choice": choice, "takedown_reason": "Checked against the register.", **corrected},
             role=RECORDS_MANAGER, actor="rita.manager")


@pytest.fixture
def year_2026(engine, files, database, time_machine):
    """The year's open data, department by department, planted through the real processes."""
    publish(database, files, "Parks and trails", "Parks and Recreation")              # a year before
    time_machine.move_to(IN_JANUARY, tick=False)
    permits = plan(database, "Community Development", "Building permits issued", agreed_on=date(2026, 3, 31))
    plan(database, "Police Department", "Calls for service", agreed_on=date(2026, 9, 1))    # never published
    plan(database, "Police Department", "Officers' home addresses", exclusion=True)
    plan(database, "Parks and Recreation", "Trail counts", agreed_on=date(2027, 3, 1))      # due next year
    time_machine.move_to(IN_MARCH, tick=False)
    publish(database, files, "Building permits issued", "Community Development")
    with database.write_connection() as connection:                                       # on time
        link_publication(connection, OFFICER, permits, "/data/building-permits-issued", now=IN_MARCH)
    publish(database, files, "Arrests by beat", "Police Department", approved_in=None)  # withdrawn until vetted
    refused = submit(engine, files, dataset_title="Code violations", department="Community Development")
    review(engine, refused.instance_id)
    decide(engine, refused.instance_id, "not_approved", rejection_explanation="The sample names the owners.")
    time_machine.move_to(IN_APRIL, tick=False)
    approved = submit(engine, files, dataset_title="Calls for service", department="Police Department")
    review(engine, approved.instance_id)
    decide(engine, approved.instance_id, "approved")
    time_machine.move_to(IN_JUNE, tick=False)
    takedown(engine, files, "building-permits-issued", "Building permits issued", "correct")
    takedown(engine, files, "parks-and-trails", "Parks and trails", "remove")
    time_machine.move_to(IN_DECEMBER, tick=False)
    submit(engine, files, dataset_title="Trail counts", department="Parks and Recreation")   # waits for review
    return engine


def report_at(engine, time_machine, moment):
    """The report the yearly timer starts at `moment` (not a second before)."""
    time_machine.move_to(moment, tick=False)
    assert engine.fire_due_timers() == 0
    time_machine.move_to(moment + ONE_SECOND, tick=False)
    assert engine.fire_due_timers() == 1
    [report] = engine.list_instances(process_key="open_data_compliance_report", status="active")
    return report


def task_of(engine, instance_id, bpmn_id):
    return open_tasks(engine, instance_id)[bpmn_id]


def test_the_yearly_timer_starts_the_report_prefilled_per_department_for_the_records_manager(year_2026, time_machine):
    engine = year_2026
    report = report_at(engine, time_machine, REPORT_DAY)
    task = task_of(engine, report.instance_id, "prepare_compliance_report")
    assert task.candidate_role == RECORDS_MANAGER
    data = engine.task_data(task.task_id)
    assert (data["period_start"], data["period_end"], data["report_period"]) == ("2026-01-01", "2026-12-31", "2026")
    assert data["department_figures"] == [
        {"department": "Community Development", "published": 1, "published_titles": "Building permits issued",
         "published_in_year": 1, "reviews_pending": 1, "reviews_approved": 0, "reviews_not_approved": 1,
         "takedowns_corrected": 1, "takedowns_removed": 0},
        {"department": "Parks and Recreation", "published": 0, "published_titles": "none", "published_in_year": 0,
         "reviews_pending": 1, "reviews_approved": 0, "reviews_not_approved": 0, "takedowns_corrected": 0,
         "takedowns_removed": 1},
        {"department": "Police Department", "published": 0, "published_titles": "none", "published_in_year": 0,
         "reviews_pending": 0, "reviews_approved": 1, "reviews_not_approved": 0, "takedowns_corrected": 0,
         "takedowns_removed": 0}]
    assert data["department_timelines"] == [
        {"department": "Community Development", "timelines_met": 1, "timelines_met_late": 0, "timelines_late_open": 0,
         "timelines_upcoming": 0, "could_publish": 0, "exclusions": 0},
        {"department": "Parks and Recreation", "timelines_met": 0, "timelines_met_late": 0, "timelines_late_open": 0,
         "timelines_upcoming": 0, "could_publish": 1, "exclusions": 0},
        {"department": "Police Department", "timelines_met": 0, "timelines_met_late": 0, "timelines_late_open": 1,
         "timelines_upcoming": 0, "could_publish": 1, "exclusions": 1}]
    assert data["figures_in_words"] == (
        "From 1 January 2026 to 31 December 2026: 1 data set(s) on the open data portal from 1 department(s), 1 of "
        "them first published in the year; 1 review(s) approved and 1 not approved in the year, 2 still pending; "
        "1 data set(s) corrected and 1 removed after a report. The liaisons' plan: 1 publishing timeline(s) of the "
        "year met on time, 0 met late and 1 missed and still open, 0 still due; 2 data set(s) could be published and "
        "are not; 1 justified exclusion(s).")
    # Next year's report is set already.
    assert [timer.due_at for timer in engine.pending_timers()
            if timer.process_key == "open_data_compliance_report"] == [NEXT_REPORT_DAY]


def pdf_words(document: bytes) -> str:
    """The text the PDF draws, each string once, joined by spaces (a wrapped line reads on)."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", document, re.DOTALL)
    drawn = []
    for stream in streams:
        try:
            stream = zlib.decompress(stream)
        except zlib.error:
            pass
        drawn.extend(found.replace(rb"\(", b"(").replace(rb"\)", b")").decode("latin-1") for found in TJ.findall(stream))
    return " ".join(drawn)


def test_the_advisory_group_comments_and_the_city_manager_receives_the_report_as_a_pdf(year_2026, files, time_machine):
    engine = year_2026
    report = report_at(engine, time_machine, REPORT_DAY)
    case = report.instance_id
    complete(engine, case, "prepare_compliance_report",
             {"state_of_open_data": "Three departments publish or are preparing data sets.",
              "department_plans": "Police Department: publish calls for service by March 2027."},
             role=RECORDS_MANAGER, actor="rita.manager")
    assert {bpmn_id: task.candidate_role for bpmn_id, task in open_tasks(engine, case).items()} == {
        "comment_as_liaisons": OPEN_DATA_LIAISON, "comment_as_it_coordinator": IT_OPEN_DATA_COORDINATOR}
    with pytest.raises(NotAllowed):
        complete(engine, case, "comment_as_liaisons", {"liaison_comments": "No."}, role=RECORDS_MANAGER)
    complete(engine, case, "comment_as_liaisons",
             {"liaison_comments": "Community Development will send code violations again, without owners."},
             role=OPEN_DATA_LIAISON, actor="dana.liaison")
    assert list(open_tasks(engine, case)) == ["comment_as_it_coordinator"]     # the group's comments come first
    complete(engine, case, "comment_as_it_coordinator", {"it_comments": "The portal moves to the new catalog."},
             role=IT_OPEN_DATA_COORDINATOR, actor="ivan.it")
    finalise = task_of(engine, case, "finalise_compliance_report")
    shown = engine.task_data(finalise.task_id)
    assert shown["liaison_comments"].startswith("Community Development will send")
    assert shown["state_of_open_data"] == "Three departments publish or are preparing data sets."   # to revise
    complete(engine, case, "finalise_compliance_report",
             {"state_of_open_data": "Two departments publish; a third is preparing its first data set.",
              "department_plans": "Police Department: publish calls for service by March 2027.",
              "prepared_by": "Rita Manager"}, role=RECORDS_MANAGER, actor="rita.manager")

    acknowledge = task_of(engine, case, "acknowledge_compliance_report")
    assert acknowledge.candidate_role == CITY_MANAGER
    kept = parse_file_reference(engine.task_data(acknowledge.task_id)["compliance_report_pdf"])
    assert (kept.filename, kept.content_type) == ("open-data-compliance-report-2026.pdf", "application/pdf")
    with files.open(kept.sha256) as handle:
        words = pdf_words(handle.read())
    assert "Open Data Compliance Report 2026" in words
    assert "1 review(s) approved and 1 not approved in the year, 2 still pending" in words
    assert "1 missed and still open" in words and "Justified exclusions" in words
    for text in ("Community Development", "Police Department", "Building permits issued", "Rita Manager",
                 "Two departments publish; a third is preparing its first data set.",
                 "Police Department: publish calls for service by March 2027.",
                 "Community Development will send code violations again, without owners.",
                 "The portal moves to the new catalog."):
        assert text in words
    complete(engine, case, "acknowledge_compliance_report", {"received_by": "Cameron City Manager"},
             role=CITY_MANAGER, actor="cameron.manager")
    assert engine.get_instance(case).status == "completed"


def test_a_run_asked_for_the_year_so_far_counts_this_year_up_to_today(year_2026, time_machine):
    engine = year_2026
    time_machine.move_to(datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc), tick=False)
    report = engine.start_scheduled_instance("open_data_compliance_report", actor="setup",
                                             data={"report_year_so_far": True})
    data = engine.task_data(task_of(engine, report.instance_id, "prepare_compliance_report").task_id)
    assert (data["period_start"], data["period_end"]) == ("2026-01-01", "2026-12-07")
    assert data["report_period"] == "1 January 2026 to 7 December 2026"
    figures = {row["department"]: row for row in data["department_figures"]}
    assert figures["Community Development"]["published"] == 1 and figures["Parks and Recreation"]["reviews_pending"] == 1


def test_the_report_can_be_started_before_its_day_and_its_schedule_stays(year_2026, time_machine):
    engine = year_2026
    time_machine.move_to(datetime(2027, 1, 4, 16, 0, tzinfo=timezone.utc), tick=False)
    report = engine.start_scheduled_instance("open_data_compliance_report", actor="admin")
    data = engine.task_data(task_of(engine, report.instance_id, "prepare_compliance_report").task_id)
    assert data["report_period"] == "2026" and len(data["department_figures"]) == 3
    assert [timer.due_at for timer in engine.pending_timers()
            if timer.process_key == "open_data_compliance_report"] == [REPORT_DAY]
    with pytest.raises(InvalidState):
        engine.start_scheduled_instance("dataset_approval", actor="admin")      # started by a form, not a timer
