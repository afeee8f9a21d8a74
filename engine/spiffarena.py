"""Moving a process to and from SpiffArena: its process-model layout as a zip (docs/modeler.md).

SpiffArena keeps a process model in one flat folder: the .bpmn, its forms as `<name>-schema.json` and
`<name>-uischema.json` (lower-case letters, digits and dashes), its .dmn files and a `process_model.json`
naming the primary file and process. Clerkflow names forms `forms/<process>/<task>.schema.json` and
`<task>.ui.json`. Export renames the forms and rewrites the diagram's formJsonSchemaFilename /
formUiSchemaFilename references to match; import maps them back, so a Clerkflow diagram makes the round
trip unchanged. The references are rewritten in the text, leaving every other byte of the diagram alone.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.deploy import FORM_PROPERTIES, MAX_FORM_BYTES, DiagramSource
from engine.errors import DeployRefused, NotFound
from engine.models import ProcessVersion
from engine.parsing import hardened_xml, parse_process
from engine.queries import latest_version, version_view
from engine.views import DeployResult

if TYPE_CHECKING:
    from engine.api import ProcessEngine

PROCESS_MODEL_FILE = "process_model.json"
MAX_ZIP_ENTRIES = 200
MAX_ENTRY_BYTES = 5 * 1024 * 1024      # a diagram or decision table; forms are held to MAX_FORM_BYTES
MAX_UNPACKED_BYTES = 20 * 1024 * 1024  # all entries together: a zip bomb stops here, whatever its headers claim
SPIFF_FORM = re.compile(r"^(?P<name>[a-z0-9-]+)-(?P<kind>schema|uischema)\.json$")
# A spiffworkflow:property start tag (its attributes in either order), to rewrite a form reference in place.
PROPERTY_TAG = re.compile(r"<(?:[\w.-]+:)?property\b[^>]*>")
ATTRIBUTE = re.compile(r'\b(name|value)\s*=\s*(["\'])(.*?)\2', re.DOTALL)


def spiffarena_form_name(form_file: str) -> str:
    """`request.schema.json` -> `request-schema.json`; `request.ui.json` -> `request-uischema.json`."""
    lower = form_file.lower()
    for suffix, kind in ((".uischema.json", "uischema"), ("-uischema.json", "uischema"), (".ui.json", "uischema"),
                         (".schema.json", "schema"), ("-schema.json", "schema"), (".json", "schema")):
        if lower.endswith(suffix):
            stem = lower.removesuffix(suffix)
            break
    else:
        stem, kind = lower, "schema"
    return f"{re.sub(r'[^a-z0-9]+', '-', stem).strip('-') or 'form'}-{kind}.json"


def clerkflow_form_name(spiff_name: str) -> str:
    """`request-schema.json` -> `request.schema.json`, `request-uischema.json` -> `request.ui.json`; a name
    in neither shape is kept as it is."""
    found = SPIFF_FORM.match(spiff_name)
    if not found:
        return spiff_name
    stem = found["name"].replace("-", "_")
    return f"{stem}.ui.json" if found["kind"] == "uischema" else f"{stem}.schema.json"


def form_references(bpmn: bytes) -> set[str]:
    """The form files a diagram names (formJsonSchemaFilename / formUiSchemaFilename)."""
    text = bpmn.decode("utf-8", errors="replace")
    return {value for name, value in _properties(text) if name in FORM_PROPERTIES and value}


def _properties(text: str):
    for tag in PROPERTY_TAG.finditer(text):
        attributes = {match[1]: match[3] for match in ATTRIBUTE.finditer(tag[0])}
        yield attributes.get("name"), attributes.get("value")


def with_form_names(bpmn: bytes, renamed: dict[str, str]) -> bytes:
    """The diagram with each form reference in `renamed` (old -> new) rewritten; nothing else changes."""
    def rewrite(tag: re.Match) -> str:
        attributes = {match[1]: match for match in ATTRIBUTE.finditer(tag[0])}
        name, value = attributes.get("name"), attributes.get("value")
        if not name or not value or name[3] not in FORM_PROPERTIES or value[3] not in renamed:
            return tag[0]
        start, end = value.span(3)
        return tag[0][:start] + renamed[value[3]] + tag[0][end:]
    return PROPERTY_TAG.sub(rewrite, bpmn.decode("utf-8")).encode("utf-8")


# -- export -----------------------------------------------------------------------------------

def export_version(engine: ProcessEngine, process_key: str, version: int | None = None) -> tuple[str, bytes]:
    """A deployed version (the newest when `version` is None) as a SpiffArena process model zip: (file name, zip)."""
    with engine.database.read() as session:
        query = select(ProcessVersion).where(ProcessVersion.process_key == process_key)
        query = query.where(ProcessVersion.version == version) if version is not None else query
        row = session.scalars(query.order_by(ProcessVersion.version.desc())).first()
        if row is None:
            raise NotFound(f'No version {version} of process "{process_key}" is deployed.' if version is not None
                           else f'No process "{process_key}" is deployed.')
        forms = {name: (json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
                 for name, schema in (row.forms or {}).items()}
        model = process_model_zip(row.file_name, row.bpmn_xml.encode("utf-8"), forms,
                                  {name: xml.encode("utf-8") for name, xml in (row.decisions or {}).items()},
                                  process_key=row.process_key, display_name=row.display_name)
        return f"{_slug(row.process_key)}-v{row.version}-spiffarena.zip", model


def process_model_zip(file_name: str, bpmn: bytes, forms: dict[str, bytes], decisions: dict[str, bytes], *,
                      process_key: str, display_name: str) -> bytes:
    """The zip: one flat folder, as SpiffArena keeps a process model."""
    renamed = _unique_names(sorted(forms))
    files = {file_name: with_form_names(bpmn, renamed)}
    files.update({renamed[name]: content for name, content in forms.items()})
    files.update(decisions)
    files[PROCESS_MODEL_FILE] = (json.dumps({
        "description": "", "display_name": display_name, "exception_notification_addresses": [],
        "fault_or_suspend_on_exception": "fault", "metadata_extraction_paths": None,
        "primary_file_name": file_name, "primary_process_id": _primary_process_id(file_name, bpmn, process_key),
    }, indent=4, sort_keys=True) + "\n").encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(name, files[name])
    return buffer.getvalue()


def _primary_process_id(file_name: str, bpmn: bytes, process_key: str) -> str:
    """The process SpiffArena starts: the process itself, or for a collaboration (deployed here under the
    collaboration's id) its first executable pool's process."""
    processes = hardened_xml(file_name, bpmn).findall("{*}process")
    ids = [process.get("id") for process in processes]
    if process_key in ids:
        return process_key
    executable = [process.get("id") for process in processes if process.get("isExecutable") == "true"]
    return (executable or ids or [process_key])[0]


def _unique_names(form_files: list[str]) -> dict[str, str]:
    """SpiffArena's name for each form; two forms that would share one get -2, -3 ... before the kind."""
    renamed: dict[str, str] = {}
    for form_file in form_files:
        wanted = candidate = spiffarena_form_name(form_file)
        number = 1
        while candidate in renamed.values():
            number += 1
            stem, kind = SPIFF_FORM.match(wanted).group("name", "kind")
            candidate = f"{stem}-{number}-{kind}.json"
        renamed[form_file] = candidate
    return renamed


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "process"


# -- import -----------------------------------------------------------------------------------

def source_from_zip(data: bytes) -> DiagramSource:
    """A SpiffArena process model zip as a diagram Clerkflow can deploy: the forms renamed to Clerkflow's
    names and the diagram's references with them. `DeployRefused` says plainly what is wrong with the zip."""
    files = _unpacked(data)
    bpmn_names = sorted(name for name in files if name.lower().endswith(".bpmn"))
    primary = _primary_file(files, bpmn_names)
    others = [name for name in bpmn_names if name != primary]
    if others:
        raise DeployRefused(f"The zip holds {len(bpmn_names)} diagrams ({', '.join(bpmn_names)}); Clerkflow imports "
                            "one process model diagram at a time. Export each process model with its one diagram.")
    bpmn = files[primary]
    hardened_xml(primary, bpmn)   # refuses a DOCTYPE, entities or malformed XML with its line, before anything else
    renamed = {reference: clerkflow_form_name(reference) for reference in form_references(bpmn)}
    forms: dict[str, bytes | None] = {}
    for reference, form_file in renamed.items():
        content = files.get(reference)
        if content is not None and len(content) > MAX_FORM_BYTES:
            raise DeployRefused(f"form {reference}: larger than {MAX_FORM_BYTES // 1024} KB")
        forms[form_file] = content
    decisions = {name: content for name, content in files.items() if name.lower().endswith(".dmn")}
    return DiagramSource(primary, with_form_names(bpmn, renamed), forms, decisions)


def _primary_file(files: dict[str, bytes], bpmn_names: list[str]) -> str:
    if PROCESS_MODEL_FILE in files:
        try:
            named = json.loads(files[PROCESS_MODEL_FILE]).get("primary_file_name")
        except (ValueError, AttributeError):
            raise DeployRefused(f"{PROCESS_MODEL_FILE} in the zip is not a JSON object.") from None
        if named:
            if named not in files:
                raise DeployRefused(f'{PROCESS_MODEL_FILE} names "{named}" as its diagram, which the zip does not hold.')
            return named
    if not bpmn_names:
        raise DeployRefused("The zip holds no .bpmn diagram: export a process model from SpiffArena, or a "
                            "process from Clerkflow's modeler.")
    return bpmn_names[0]


def _unpacked(data: bytes) -> dict[str, bytes]:
    """The zip's files by name (one flat folder, or one folder holding it), read within the size limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise DeployRefused("The file is not a zip archive: export the process model from SpiffArena as a zip.") \
            from None
    with archive:
        entries = [entry for entry in archive.infolist() if not entry.is_dir()]
        if len(entries) > MAX_ZIP_ENTRIES:
            raise DeployRefused(f"The zip holds {len(entries)} files; a process model has at most {MAX_ZIP_ENTRIES}.")
        folders = {PurePosixPath(entry.filename).parent for entry in entries}
        if len(folders) > 1 or any(".." in PurePosixPath(entry.filename).parts or entry.filename.startswith("/")
                                   for entry in entries):
            raise DeployRefused("The zip must hold one process model's files in one folder.")
        files: dict[str, bytes] = {}
        total = 0
        for entry in entries:
            content = _read_limited(archive, entry, min(MAX_ENTRY_BYTES, MAX_UNPACKED_BYTES - total))
            total += len(content)
            files[PurePosixPath(entry.filename).name] = content
        return files


def _read_limited(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limit: int) -> bytes:
    # The header's size may lie: read at most one byte past the limit, whatever it says.
    try:
        with archive.open(entry) as member:
            content = member.read(limit + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, zlib.error) as err:
        raise DeployRefused(f"{entry.filename} in the zip cannot be read ({err}).") from None
    if len(content) > limit:
        raise DeployRefused(f"{entry.filename} in the zip unpacks to more than Clerkflow accepts "
                            f"({MAX_ENTRY_BYTES // (1024 * 1024)} MB a file, {MAX_UNPACKED_BYTES // (1024 * 1024)} MB "
                            "in all).")
    return content



def import_zip(engine: ProcessEngine, data: bytes, *, actor: str) -> DeployResult:
    """Deploy a SpiffArena process model zip: its `DeployResult`, or `DeployRefused`."""
    return deploy_imported(engine, source_from_zip(data), actor=actor)


def deploy_imported(engine: ProcessEngine, source: DiagramSource, *, actor: str) -> DeployResult:
    """Deploy an imported diagram (`engine.deploy_source`). One the newest version of its process already
    holds as it is (the same diagram, forms and decision tables) makes no new version: a stored form is kept
    as JSON, not as its file, so the deploy's own checksum would see a change where there is none."""
    process_key = parse_process(source.file_name, source.bpmn, source.decisions).process_key
    with engine.database.read() as session:
        newest = latest_version(session, process_key)
        if newest is not None and _holds(newest, source):
            return DeployResult(version_view(newest), created=False)
    return engine.deploy_source(source, actor=actor)


def _holds(version: ProcessVersion, source: DiagramSource) -> bool:
    try:
        forms = {name: json.loads(content) for name, content in source.forms.items() if content is not None}
    except ValueError:
        return False
    return (version.bpmn_xml.encode("utf-8") == source.bpmn and len(forms) == len(source.forms)
            and (version.forms or {}) == forms
            and {name: xml.encode("utf-8") for name, xml in (version.decisions or {}).items()} == source.decisions)
