"""`clerkflow export` and `clerkflow import`: a process to a SpiffArena process model zip and back (issue #19)."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from engine.cli import EXIT_REFUSED

DIAGRAMS = Path(__file__).parent / "diagrams"
REQUEST_SHAPED = str(DIAGRAMS / "request_shaped.bpmn")
FORMS = str(DIAGRAMS / "forms")


def test_export_writes_the_newest_version_as_a_spiffarena_process_model(clerkflow, tmp_path):
    assert clerkflow("deploy", REQUEST_SHAPED, "--forms", FORMS)[0] == 0
    target = tmp_path / "request_shaped.zip"
    status, out, _ = clerkflow("export", "request_shaped", "-o", str(target))
    assert status == 0 and out.startswith(f"wrote {target}")
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == ["process_model.json", "release-records-schema.json",
                                              "request_shaped.bpmn", "review-request-schema.json"]
        assert json.loads(archive.read("process_model.json"))["primary_file_name"] == "request_shaped.bpmn"


def test_import_of_an_unchanged_export_says_unchanged(clerkflow, tmp_path):
    assert clerkflow("deploy", REQUEST_SHAPED, "--forms", FORMS)[0] == 0
    target = tmp_path / "model.zip"
    assert clerkflow("export", "request_shaped", "--version", "1", "-o", str(target))[0] == 0
    assert clerkflow("import", str(target)) == (0, "unchanged: request_shaped version 1\n", "")


def test_import_deploys_a_changed_process_and_names_its_deployer(clerkflow, tmp_path):
    assert clerkflow("deploy", REQUEST_SHAPED, "--forms", FORMS)[0] == 0
    target = tmp_path / "model.zip"
    assert clerkflow("export", "request_shaped", "-o", str(target))[0] == 0
    with zipfile.ZipFile(target) as archive:
        files = {entry: archive.read(entry) for entry in archive.namelist()}
    files["request_shaped.bpmn"] = files["request_shaped.bpmn"].replace(b'name="', b'name="Changed: ', 1)
    with zipfile.ZipFile(target, "w") as archive:
        for entry, content in files.items():
            archive.writestr(entry, content)
    status, out, _ = clerkflow("import", str(target), "--actor", "ana", "--json")
    assert status == 0
    (result,) = json.loads(out)
    assert result["created"] and result["version"]["version"] == 2 and result["version"]["deployed_by"] == "ana"


def test_export_of_a_version_never_deployed_is_refused_plainly(clerkflow, tmp_path):
    assert clerkflow("deploy", REQUEST_SHAPED, "--forms", FORMS)[0] == 0
    status, _, err = clerkflow("export", "request_shaped", "--version", "7", "-o", str(tmp_path / "x.zip"))
    assert status == EXIT_REFUSED and 'No version 7 of process "request_shaped" is deployed.' in err
    assert not (tmp_path / "x.zip").exists()


def test_import_of_what_is_not_a_zip_is_refused_and_deploys_nothing(clerkflow, tmp_path):
    bogus = tmp_path / "model.zip"
    bogus.write_text("not a zip")
    status, _, err = clerkflow("import", str(bogus))
    assert status == EXIT_REFUSED and "not a zip archive" in err
    assert json.loads(clerkflow("versions", "--json")[1]) == []
