"""A process moves to SpiffArena and back as a process model zip (issue #19): every diagram in processes/
makes the round trip unchanged, the zip is laid out as SpiffArena keeps a process model, and a zip that is
not one is refused with a plain reason."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from scenario_data import DIAGRAMS, FORMS, REPO
from sqlalchemy import select

from engine import DeployRefused
from engine.models import ProcessVersion
from engine.spiffarena import (
    MAX_ENTRY_BYTES,
    SPIFF_FORM,
    clerkflow_form_name,
    export_version,
    form_references,
    import_zip,
    source_from_zip,
    spiffarena_form_name,
)

PROCESSES = sorted((REPO / "processes").glob("*.bpmn"))


def stored(engine, process_key: str, version: int) -> tuple:
    """What a version keeps of its files: diagram text, forms, decision tables, file name."""
    with engine.database.read() as session:
        row = session.scalars(select(ProcessVersion).where(ProcessVersion.process_key == process_key,
                                                           ProcessVersion.version == version)).one()
        return (row.bpmn_xml, row.forms, row.decisions, row.file_name)


def zip_files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("path", PROCESSES, ids=lambda path: path.name)
def test_every_diagram_makes_the_round_trip_through_spiffarena_unchanged(engine, path: Path):
    deployed = engine.deploy_file(path, REPO / "forms", actor="analyst").version
    _file_name, data = export_version(engine, deployed.process_key, deployed.version)
    files = zip_files(data)

    model = json.loads(files["process_model.json"])
    assert (model["primary_file_name"], model["primary_process_id"]) == (path.name, deployed.process_key)
    assert all("/" not in name for name in files), "SpiffArena keeps a process model in one flat folder"
    references = form_references(files[path.name])
    forms = {name for name in files if name.endswith(".json") and name != "process_model.json"}
    assert references == forms and all(SPIFF_FORM.match(name) for name in forms)

    source = source_from_zip(data)
    bpmn, forms, decisions, stored_file_name = stored(engine, deployed.process_key, deployed.version)
    assert source.file_name == stored_file_name and source.bpmn.decode("utf-8") == bpmn
    assert {name: json.loads(content) for name, content in source.forms.items()} == forms
    assert {name: xml.decode("utf-8") for name, xml in source.decisions.items()} == decisions
    imported = import_zip(engine, data, actor="analyst")
    assert not imported.created, "the same process comes back: no new version"
    assert (imported.version.process_key, imported.version.version) == (deployed.process_key, deployed.version)


def test_a_decision_table_goes_with_its_diagram_and_comes_back(engine):
    deployed = engine.deploy_file(DIAGRAMS / "decisions" / "fee_waiver.bpmn", FORMS, actor="analyst").version
    files = zip_files(export_version(engine, deployed.process_key)[1])
    assert files["fee_waiver.dmn"] == (DIAGRAMS / "decisions" / "fee_waiver.dmn").read_bytes()
    assert not import_zip(engine, export_version(engine, deployed.process_key)[1], actor="analyst").created


def test_a_collaboration_names_its_first_pool_as_the_process_spiffarena_starts(engine):
    deployed = engine.deploy_file(DIAGRAMS / "calls" / "permit_and_payment.bpmn", None, actor="analyst").version
    files = zip_files(export_version(engine, deployed.process_key)[1])
    model = json.loads(files["process_model.json"])
    processes = etree.fromstring(files["permit_and_payment.bpmn"]).findall("{*}process")
    assert model["primary_process_id"] == processes[0].get("id") != deployed.process_key


def test_form_names_follow_spiffarena_and_come_back():
    assert spiffarena_form_name("request.schema.json") == "request-schema.json"
    assert spiffarena_form_name("decide_takedown.ui.json") == "decide-takedown-uischema.json"
    assert clerkflow_form_name("decide-takedown-uischema.json") == "decide_takedown.ui.json"
    assert clerkflow_form_name("request-schema.json") == "request.schema.json"


def spiffarena_model(bpmn: str, more: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("process_model.json", json.dumps({"primary_file_name": "ask.bpmn",
                                                           "primary_process_id": "ask_for_name"}))
        archive.writestr("ask.bpmn", bpmn)
        for name, content in (more or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


ASK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="ask_for_name" name="Ask for a name" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="give_name" name="Give your name">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property value="give-name-schema.json" name="formJsonSchemaFilename" />
        <spiffworkflow:property name="formUiSchemaFilename" value="give-name-uischema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="give_name" />
    <bpmn:sequenceFlow id="f2" sourceRef="give_name" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
# As SpiffArena writes a form: no "$schema" line.
GIVE_NAME = json.dumps({"title": "Give your name", "type": "object", "required": ["name"],
                        "properties": {"name": {"type": "string", "title": "Name"}}}).encode()


def test_a_spiffarena_process_model_is_deployed_with_its_forms_under_clerkflow_names(engine):
    data = spiffarena_model(ASK, {"give-name-schema.json": GIVE_NAME,
                                 "give-name-uischema.json": b'{"ui:order": ["name"]}'})
    view = import_zip(engine, data, actor="analyst").version
    assert (view.process_key, view.version) == ("ask_for_name", 1)
    assert set(view.forms) == {"give_name.schema.json", "give_name.ui.json"}
    bpmn = stored(engine, "ask_for_name", 1)[0]
    assert 'value="give_name.schema.json"' in bpmn and 'value="give_name.ui.json"' in bpmn


def test_a_process_model_missing_a_form_is_refused_and_nothing_is_deployed(engine):
    with pytest.raises(DeployRefused) as refused:
        import_zip(engine, spiffarena_model(ASK, {"give-name-schema.json": GIVE_NAME}), actor="analyst")
    assert "give_name.ui.json" in str(refused.value) and "missing" in str(refused.value)
    assert engine.versions() == []


@pytest.mark.parametrize("data, said", [
    (b"not a zip at all", "not a zip archive"),
    (spiffarena_model(ASK.replace('<?xml version="1.0" encoding="UTF-8"?>',
                                  '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "boom">]>')), "DOCTYPE"),
    (spiffarena_model(ASK, {"other.bpmn": ASK.encode()}), "one process model diagram at a time"),
])
def test_what_is_not_a_process_model_zip_is_refused_with_its_reason(engine, data, said):
    with pytest.raises(DeployRefused) as refused:
        import_zip(engine, data, actor="analyst")
    assert said.lower() in str(refused.value).lower()
    assert engine.versions() == []


def test_a_zip_bomb_is_refused_without_unpacking_it(engine):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ask.bpmn", b"<" + b" " * (MAX_ENTRY_BYTES + 10))
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(DeployRefused, match="unpacks to more than"):
        import_zip(engine, buffer.getvalue(), actor="analyst")



def test_a_damaged_zip_is_refused_plainly(engine):
    data = bytearray(spiffarena_model(ASK, {"give-name-schema.json": GIVE_NAME * 50}))
    start = data.index(b"give-name-schema.json") + len("give-name-schema.json")
    data[start + 10:start + 40] = bytes(30)   # the stored bytes of that form, spoiled
    with pytest.raises(DeployRefused, match="cannot be read"):
        import_zip(engine, bytes(data), actor="analyst")
    assert engine.versions() == []
