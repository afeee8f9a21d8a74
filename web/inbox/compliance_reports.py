"""The yearly Open Data Compliance Reports, for the roles who work them (002, Sacramento's Open Data policy:
"Annually, the Records Manager shall submit to the City Manager an annual Open Data Compliance Report prepared with
the assistance of the Open Data Advisory Group").

processes/open_data_compliance_report.bpmn starts one each year on its timer; this page lists them, newest first:
the year, where each stands, and the PDF kept when the Records Manager finalised it (the one the City Manager
received), downloadable here after the case has ended as well as from the City Manager's task.
"""
from __future__ import annotations

from flask import render_template

from engine import NotFound
from engine.filestore import StoredFile, parse_file_reference
from web.access import COMPLIANCE_REPORT_ROLES
from web.auth import role_required
from web.current import process_engine
from web.filestore import human_size
from web.inbox.blueprint import bp
from web.inbox.history import latest_values
from web.inbox.notes import stored_file_download

COMPLIANCE_REPORT = "open_data_compliance_report"
KEPT = ("report_period", "compliance_report_pdf", "prepared_by", "received_by")


@bp.get("/open-data/compliance-reports")
@role_required(*COMPLIANCE_REPORT_ROLES)
def compliance_reports():
    engine = process_engine()
    reports = [(instance, _kept(instance.instance_id))
               for instance in engine.list_instances(process_key=COMPLIANCE_REPORT, limit=50)]
    reports.sort(key=lambda report: report[0].started_at, reverse=True)
    return render_template("inbox/compliance_reports.html", reports=reports, human_size=human_size,
                           pdf_of=lambda kept: parse_file_reference(kept.get("compliance_report_pdf")))


@bp.get("/open-data/compliance-reports/<int:instance_id>/report.pdf")
@role_required(*COMPLIANCE_REPORT_ROLES)
def compliance_report_pdf(instance_id: int):
    if process_engine().get_instance(instance_id).process_key != COMPLIANCE_REPORT:
        raise NotFound("There is no such compliance report.")
    stored: StoredFile | None = parse_file_reference(_kept(instance_id).get("compliance_report_pdf"))
    if stored is None:
        raise NotFound("This report has no PDF yet: it is made when the Records Manager finalises the report.")
    return stored_file_download(stored, f"compliance report {instance_id}")


def _kept(instance_id: int) -> dict:
    return latest_values(process_engine().audit_trail(instance_id), KEPT)
