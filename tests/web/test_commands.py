"""`clerkflow setup`: prepares a database for the demo, and a second run keeps what is there."""
from __future__ import annotations

import re

from scenario_data import REPO
from web.commands import main


def test_setup_deploys_processes_and_adds_demo_data_once(database_url, monkeypatch, capsys, engine, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CLERKFLOW_INSTANCE_DIR", str(tmp_path / "instance"))   # the demo data sets' files
    arguments = ["setup", "--processes", str(REPO / "processes"), "--forms", str(REPO / "forms")]
    assert main(arguments) == 0
    first = capsys.readouterr().out
    assert "deployed records_request version 1" in first and "demo requests started now: 3" in first
    assert "deployed dataset_takedown version 1" in first       # a report on a published data set can be sent
    assert "demo open data sets published now: 3" in first      # performance, offices and hours, fee schedules
    assert "demo data sets waiting for review: 1" in first
    [submitted] = engine.list_instances(process_key="dataset_approval")
    [waiting] = engine.list_tasks(instance_id=submitted.instance_id)
    assert (waiting.bpmn_id, waiting.candidate_role) == ("review_dataset", "records_manager")
    assert [finding["column"] for finding in engine.task_data(waiting.task_id)["sample_findings"]] == ["applicant_phone"]
    assert _attachments(database_url, submitted.instance_id) == [("building_permits_sample.csv", "sample")]
    assert "demo reports on a published data set sent now: 1" in first
    [reported] = engine.list_instances(process_key="dataset_takedown")
    [decision] = engine.list_tasks(instance_id=reported.instance_id)
    assert re.fullmatch(r"DT-\d{4}-00001", reported.business_key)     # the first report of the year set-up runs in
    assert (decision.bpmn_id, decision.candidate_role) == ("decide_takedown", "records_manager")
    assert engine.task_data(decision.task_id)["dataset_slug"] == "offices-and-hours"
    assert "demo compliance reports waiting for the Records Manager: 1" in first
    [report] = engine.list_instances(process_key="open_data_compliance_report")
    [preparing] = engine.list_tasks(instance_id=report.instance_id)
    assert (preparing.bpmn_id, preparing.candidate_role) == ("prepare_compliance_report", "records_manager")
    figures = {row["department"]: row for row in engine.task_data(preparing.task_id)["department_figures"]}
    assert figures["Community Development"]["reviews_pending"] == 1       # the demo review, waiting today
    requests = engine.list_instances(process_key="records_request")
    assert sorted(request.business_key[-5:] for request in requests) == ["00001", "00002", "00003"]
    assert all(request.status == "active" for request in requests)
    letters = [event.changes["acknowledgement_letter"]["text"] for event in engine.audit_trail(requests[0].instance_id)
               if "acknowledgement_letter" in event.changes]
    assert letters[0].rstrip().endswith("City of Springfield (demo)\nCity Hall, 100 Main Street\nSpringfield, KS 66000")
    [review] = engine.list_tasks(instance_id=requests[0].instance_id)
    engine.complete_task(review.task_id, {"holds_record": False, "referral_office_key": "city_treasurer"},
                         actor="custodian")

    assert main(arguments) == 0
    second = capsys.readouterr().out
    assert "unchanged: records_request version 1" in second and "demo requests started now: 0" in second
    assert "demo open data sets published now: 0" in second
    assert "demo data sets waiting for review: 0" in second
    assert "demo reports on a published data set sent now: 0" in second
    assert "demo compliance reports waiting for the Records Manager: 0" in second
    assert len(engine.list_instances(process_key="records_request")) == 3
    referred = engine.get_instance(requests[0].instance_id)   # work done since is kept: the referral stands
    assert [task.candidate_role for task in referred.open_tasks] == ["custodian:city_treasurer"]


def _attachments(database_url, instance_id):
    """(file name, form field) of each file listed on a case, as its task pages show them."""
    from web import ENGINE_EXTENSION, create_app
    from web.models import db
    from web.models_notes import attachments_of

    app = create_app({"DATABASE_URL": database_url})
    with app.app_context():
        listed = [(each.filename, each.form_field) for each in attachments_of(instance_id)]
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    app.extensions[ENGINE_EXTENSION].database.dispose()
    return listed


def test_setup_without_demo_adds_no_accounts_or_requests(database_url, monkeypatch, capsys, engine):
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["setup", "--no-demo", "--processes", str(REPO / "processes"), "--forms", str(REPO / "forms")]) == 0
    out = capsys.readouterr().out
    assert "demo" not in out and engine.list_instances() == []
    assert 'Letters are signed "[the city\'s name]" until an administrator sets the city\'s name and address' in out
