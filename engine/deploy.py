"""Deploying a diagram: validate it, then store it as a new immutable process version.

Validation refuses, with the file, line and element id, everything that would otherwise
fail at run time: a form file that is missing or is not a JSON Schema, a service task
naming an unknown operator or leaving out a required parameter, a script or expression
that does not compile (or uses what scripts may not), a timer that cannot run (a name nothing in
the diagram or its forms sets, or a value that is not ISO 8601 text of its kind). A timer typed
as bare ISO text (P45D) is quoted in the diagram before anything else. Redeploying an unchanged diagram
with unchanged forms is a no-op. A diagram posted from the modeler takes a form missing from
forms/ from the newest earlier version of its process that stored it. The DMN decision tables its business
rule tasks call are deployed with it, each cell checked as the sandbox will run it (`engine.decisions`).
"""
from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from lxml import etree
from sqlalchemy import select

from engine import clock
from engine.decisions import DMN_SUFFIX, called_decisions, cell_problems, defined_decisions
from engine.derive import TIMER_KINDS
from engine.errors import DeployRefused
from engine.answers import answer_variable   # the variable a user task's answers go into
from engine.events import awaited, definitions_of, timer_count
from engine.forms import schema_problem
from engine.parsing import ParsedProcess, as_utf8, hardened_xml, parse_process
from engine.sandbox import (RestrictedEnvironment, check_expression, check_script, known_names, names_assigned,
                            names_read)
from engine.timers import quote_timer_literals, timer_value_problem
from engine.operators import Operators
from engine.versions import VERSION

if TYPE_CHECKING:
    from engine.db import Database

FORM_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename")
MAX_FORM_BYTES = 512 * 1024
# Data the engine itself gives an instance (start_instance with a tracking prefix numbers it).
SET_BY_THE_ENGINE = frozenset({"tracking_number"})


@dataclass(frozen=True)
class DiagramSource:
    """A BPMN file and the form files it names, as read from disk or an upload.

    `bpmn` is the diagram as it will be checked and stored: a timer typed as bare ISO 8601 text
    (P45D) is quoted ("P45D") however the source was made (`timers.quote_timer_literals`), and a diagram or a
    DMN file in another encoding (ISO-8859-1, ...) is re-encoded as UTF-8 (`parsing.as_utf8`)."""

    file_name: str
    bpmn: bytes
    forms: dict[str, bytes | None]   # form file name -> content, None where not found
    decisions: dict[str, bytes] = field(default_factory=dict)   # DMN file name -> content

    def __post_init__(self):
        object.__setattr__(self, "bpmn", quote_timer_literals(as_utf8(self.bpmn)))
        object.__setattr__(self, "decisions", {name: as_utf8(xml) for name, xml in self.decisions.items()})


def read_diagram(bpmn_path: Path, forms_dir: Path | None) -> tuple[ParsedProcess, DiagramSource]:
    """Parse a BPMN file and read the forms it names from `forms/<process_key>/` or `forms/`, and the
    decisions it calls from the .dmn files beside it."""
    file_name, bpmn = Path(bpmn_path).name, Path(bpmn_path).read_bytes()
    source = DiagramSource(file_name, bpmn, {}, decisions_beside(Path(bpmn_path), hardened_xml(file_name, bpmn)))
    parsed = parse_process(source.file_name, source.bpmn, source.decisions)
    for form_file in sorted(form_files_named(parsed)):
        source.forms[form_file] = _find_form(forms_dir, parsed.process_key, form_file)
    return parsed, source


def decisions_beside(bpmn_path: Path, tree: etree._Element) -> dict[str, bytes]:
    """The .dmn files in the diagram's folder that define a decision the diagram calls (the CLI's deploy)."""
    wanted = {ref for ref in called_decisions(tree).values() if ref}
    found: dict[str, bytes] = {}
    for path in sorted(Path(bpmn_path).parent.glob(f"*{DMN_SUFFIX}")) if wanted else ():
        xml = path.read_bytes()
        try:
            defines = defined_decisions(hardened_xml(path.name, xml))
        except DeployRefused:
            defines = []
        if wanted & set(defines):
            found[path.name] = xml
    return found


def form_files_named(parsed: ParsedProcess) -> set[str]:
    names = set()
    for task_spec in _all_task_specs(parsed):
        properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
        names.update(properties[key] for key in FORM_PROPERTIES if properties.get(key))
    return names


def _find_form(forms_dir: Path | None, process_key: str, form_file: str) -> bytes | None:
    if forms_dir is None or "/" in form_file or "\\" in form_file or form_file.startswith("."):
        return None
    for candidate in (Path(forms_dir) / process_key / form_file, Path(forms_dir) / form_file):
        if candidate.is_file():
            return candidate.read_bytes()
    return None


def validate(parsed: ParsedProcess, source: DiagramSource, operators: Operators) -> dict[str, Any]:
    """Check everything a running instance would trip on; return the parsed forms or refuse."""
    problems: list[str] = []
    forms = _check_forms(source, problems)
    variables = names_set(parsed, forms)
    for task_spec in _all_task_specs(parsed):
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        where = _where(parsed, task_spec)
        problems.extend(f"{where}: {problem}" for problem in _task_problems(task_spec, source, forms, operators))
        problems.extend(f"{where}: {problem}" for problem in _timer_problems(task_spec, variables))
    for dmn_name, dmn_xml in sorted(source.decisions.items()):
        problems.extend(cell_problems(dmn_name, hardened_xml(dmn_name, dmn_xml)))
    if problems:
        raise DeployRefused(f"{parsed.file_name} was not deployed: {len(problems)} problem(s) to fix.",
                            details=problems)
    return {name: schema for name, schema in forms.items() if schema is not None}


def checksum(source: DiagramSource) -> str:
    digest = hashlib.sha256(source.bpmn)
    for name in sorted(source.forms):
        digest.update(name.encode())
        digest.update(source.forms[name] or b"")
    for name in sorted(source.decisions):
        digest.update(name.encode())
        digest.update(source.decisions[name])
    return digest.hexdigest()


def start_events(parsed: ParsedProcess) -> dict[str, list]:
    """Message names and timers on the process's start events: what can start an instance by itself."""
    found: dict[str, list] = {"messages": [], "timers": []}
    for task_spec in parsed.spec.task_specs.values():
        if not isinstance(task_spec, StartEvent):
            continue
        for definition in definitions_of(task_spec):   # a start event may start on several messages
            if isinstance(definition, MessageEventDefinition):
                found["messages"].append(definition.name)
            elif isinstance(definition, TimerEventDefinition):
                found["timers"].append({"bpmn_id": task_spec.bpmn_id, "kind": TIMER_KINDS[type(definition)],
                                        "expression": definition.expression})
    return found


def _all_task_specs(parsed: ParsedProcess):
    for spec in [parsed.spec, *parsed.subprocess_specs.values()]:
        yield from spec.task_specs.values()


def _where(parsed: ParsedProcess, task_spec) -> str:
    line = parsed.line_of(task_spec.bpmn_id)
    name = f" ({task_spec.bpmn_name})" if getattr(task_spec, "bpmn_name", None) else ""
    return f"{parsed.file_name}{f', line {line}' if line else ''}, element '{task_spec.bpmn_id}'{name}"


def _check_forms(source: DiagramSource, problems: list[str]) -> dict[str, Any]:
    forms: dict[str, Any] = {}
    for name, content in source.forms.items():
        if content is None:
            forms[name] = None
            continue
        if len(content) > MAX_FORM_BYTES:
            problems.append(f"form {name}: larger than {MAX_FORM_BYTES // 1024} KB")
            forms[name] = None
            continue
        try:
            schema = json.loads(content)
        except (ValueError, UnicodeDecodeError) as err:
            problems.append(f"form {name}: not valid JSON ({err})")
            forms[name] = None
            continue
        if name.endswith(".schema.json") or not name.endswith(".ui.json"):
            problem = schema_problem(schema)
            if problem:
                problems.append(f"form {name}: not a valid JSON Schema {problem}")
                forms[name] = None
                continue
        forms[name] = schema
    return forms


def _task_problems(task_spec, source: DiagramSource, forms: dict[str, Any], operators: Operators) -> list[str]:
    problems: list[str] = []
    properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
    for key in FORM_PROPERTIES:
        form_file = properties.get(key)
        if form_file and source.forms.get(form_file) is None:
            problems.append(f"form file '{form_file}' is missing (looked in forms/<process>/ and forms/)")
        elif form_file and forms.get(form_file) is None:
            problems.append(f"form file '{form_file}' is not usable (see the form's own problem above)")
    if hasattr(task_spec, "operation_name"):
        problems.extend(_operator_problems(task_spec, operators))
    for label, script in (("script", getattr(task_spec, "script", None)),
                          ("pre-script", getattr(task_spec, "prescript", None)),
                          ("post-script", getattr(task_spec, "postscript", None))):
        if script:
            problems.extend(f"{label}: {problem}" for problem in check_script(script))
    for condition, target in getattr(task_spec, "cond_task_specs", []) or []:
        if condition is not None:
            problems.extend(f"condition on the flow to '{target}': {problem}"
                            for problem in check_expression(condition.args[0]))
    for definition in definitions_of(task_spec):
        if isinstance(definition, MessageEventDefinition) and getattr(definition, "expression", None):
            problems.extend(f"message payload: {problem}" for problem in check_expression(definition.expression))
    return problems


def names_set(parsed: ParsedProcess, forms: dict[str, Any]) -> set[str]:
    """Every data field the diagram or its forms can set: a form's fields, what scripts assign, the variable
    a user task's answers go into, an operator's result variable, a message variable, data objects and
    outputs, what the engine sets."""
    names = set(SET_BY_THE_ENGINE)
    for form in forms.values():
        if isinstance(form, dict) and isinstance(form.get("properties"), dict):
            names.update(form["properties"])
    for spec in [parsed.spec, *parsed.subprocess_specs.values()]:
        names.update(getattr(spec, "data_objects", None) or {})
    for task_spec in _all_task_specs(parsed):
        for script in (getattr(task_spec, "script", None), getattr(task_spec, "prescript", None),
                       getattr(task_spec, "postscript", None)):
            names.update(names_assigned(script) if script else ())
        names.add(getattr(task_spec, "result_variable", None))
        names.add(answer_variable(task_spec))
        names.update(getattr(definition, "message_var", None) for definition in definitions_of(task_spec))
        io = getattr(task_spec, "io_specification", None)
        for data in (getattr(task_spec, "data_output", None), getattr(task_spec, "output_item", None),
                     getattr(task_spec, "input_item", None), *(getattr(task_spec, "data_output_associations", None) or ()),
                     *(io.data_outputs if io is not None else ())):
            names.add(getattr(data, "bpmn_id", None))
    names.discard(None)
    return names


def _timer_problems(task_spec, variables: set[str]) -> list[str]:
    """Each timer of the element (an event-based gateway's are those of the events after it) that would fail
    where an instance reaches it; two timers on one gateway or event, which SpiffWorkflow 3.2 runs at one time."""
    problems = []
    if timer_count(task_spec) > 1:
        problems.append("waits on more than one timer: SpiffWorkflow 3.2 gives all the timers of one gateway or "
                        "event the first one's time; keep one timer (the earliest) and decide after it")
    own = task_spec.bpmn_id or task_spec.name
    for bpmn_id, definition in awaited(task_spec):
        if isinstance(definition, TimerEventDefinition):
            where = "" if bpmn_id == own else f"the event '{bpmn_id}' after it: "
            problems.extend(where + problem for problem in _one_timer_problems(task_spec, definition, variables))
    return problems


def _one_timer_problems(task_spec, definition: TimerEventDefinition, variables: set[str]) -> list[str]:
    """A timer that would fail where an instance reaches it: its expression does not compile, reads a name
    nothing sets, or (when it reads no task data, so its value is known now) is not ISO 8601 text of its kind."""
    expression, kind = definition.expression, TIMER_KINDS[type(definition)]
    problems = check_expression(expression)
    if problems:
        return [f"timer expression: {problem}" for problem in problems]
    starts = isinstance(task_spec, StartEvent)   # worked out at deploy, before any instance has data
    read = names_read(expression) - known_names()
    if unknown := sorted(read - (set() if starts else variables)):
        return [_unknown_timer_name(name, starts, variables) for name in unknown]
    if read:
        return []   # its value depends on the instance's data
    try:
        value = RestrictedEnvironment(time_limit=1.0).evaluate(expression, {})
    except Exception as err:
        return [f"timer expression {expression.strip()!r} cannot be worked out: {type(err).__name__}: {err}"]
    problem = timer_value_problem(kind, value, clock.now(), start_event=starts)
    return [f"timer: {problem}"] if problem else []


def _unknown_timer_name(name: str, starts: bool, variables: set[str]) -> str:
    if starts:
        return (f'start timer uses "{name}", but a start timer is worked out before the instance has any data: '
                f'write the ISO 8601 text itself, e.g. R/2026-12-01T09:00:00-06:00/P1M')
    close = difflib.get_close_matches(name, sorted(variables), n=1)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    return (f'timer expression uses "{name}", which nothing in the diagram or its forms sets (a form field, a '
            f"script, an operator's result variable or a message variable){hint}")


def _operator_problems(task_spec, operators: Operators) -> list[str]:
    name = task_spec.operation_name
    operator = operators.get(name)
    if operator is None:
        known = sorted(operators.names())
        close = difflib.get_close_matches(name, known, n=1)
        hint = f'; did you mean "{close[0]}"?' if close else f"; registered operators: {', '.join(known) or 'none'}"
        return [f'service task calls operator "{name}", which is not registered{hint}']
    problems = []
    given = task_spec.operation_params or {}
    declared = {parameter.name: parameter for parameter in operator.parameters}
    for parameter in operator.parameters:
        if parameter.required and parameter.name not in given:
            problems.append(f'operator "{name}" needs parameter "{parameter.name}" ({parameter.type}), which is missing')
    for param_name, param in given.items():
        if param_name not in declared:
            problems.append(f'operator "{name}" has no parameter "{param_name}"; '
                            f"it takes: {', '.join(declared) or 'none'}")
        problems.extend(f'parameter "{param_name}": {problem}' for problem in check_expression(str(param.get("value", ""))))
    return problems


@dataclass(frozen=True)
class Problem:
    """One located problem of a diagram, for the modeler to link to its element."""

    message: str
    bpmn_id: str | None = None
    line: int | None = None


_ELEMENT = re.compile(r"element '([^']+)'")
_LINE = re.compile(r", line (\d+)")


def check_source(source: DiagramSource, operators: Operators) -> list[Problem]:
    """Deploy validation without deploying (the modeler's Validate): every problem, located; [] when fine."""
    try:
        validate(parse_process(source.file_name, source.bpmn, source.decisions), source, operators)
    except DeployRefused as refusal:
        return located_problems(refusal)
    return []


def located_problems(refusal: DeployRefused) -> list[Problem]:
    """The refusal's problems with the element id and line each names (a form's own problem names none)."""
    problems = []
    for message in refusal.details or [refusal.user_message]:
        element, line = _ELEMENT.search(message), _LINE.search(message)
        problems.append(Problem(message, element.group(1) if element else None, int(line.group(1)) if line else None))
    return problems


def source_with_forms(file_name: str, bpmn: bytes, forms_dir: Path | None,
                      database: Database | None = None, extra_forms: Mapping[str, bytes] | None = None,
                      decisions: Mapping[str, bytes] | None = None) -> DiagramSource:
    """An uploaded diagram with the forms it names read as `read_diagram` reads them; a diagram that
    does not parse comes back without forms (deploying or checking it then says why). `extra_forms`
    (keyed as a path under `forms_dir`: `<process>/<file>` or `<file>`) win over the folder's files.
    With `database`, a form found in none of them is taken from an earlier version of the process
    (`with_stored_forms`), and a decision it calls that is not among `decisions` (DMN file name -> XML)
    from the newest version that kept it."""
    decisions = dict(decisions or {})
    if database is not None:
        decisions.update(stored_decisions_called(database, file_name, bpmn, decisions))
    try:
        parsed = parse_process(file_name, bpmn, decisions)
    except DeployRefused:
        return DiagramSource(file_name, bpmn, {}, decisions)
    extra = extra_forms or {}
    forms = {form_file: extra.get(f"{parsed.process_key}/{form_file}", extra.get(form_file))
             or _find_form(forms_dir, parsed.process_key, form_file)
             for form_file in sorted(form_files_named(parsed))}
    if database is not None and None in forms.values():
        forms = with_stored_forms(forms, stored_forms(database, parsed.process_key))
    return DiagramSource(file_name, bpmn, forms, decisions)


def stored_decisions_called(database: Database, file_name: str, bpmn: bytes,
                            decisions: Mapping[str, bytes]) -> dict[str, bytes]:
    """The DMN files kept by deployed versions of the diagram's process that define a decision it calls and
    `decisions` does not define (each as its newest version has it)."""
    try:
        tree = hardened_xml(file_name, bpmn)
        posted = {decision for name, xml in decisions.items() for decision in defined_decisions(hardened_xml(name, xml))}
    except DeployRefused:
        return {}
    wanted = {ref for ref in called_decisions(tree).values() if ref} - posted
    keys = tree.xpath("//*[local-name()='process' and @isExecutable='true']/@id")
    if not wanted or not keys:
        return {}
    with database.read() as session:
        kept = session.execute(select(VERSION.c.decisions).where(VERSION.c.process_key.in_(keys))
                               .order_by(VERSION.c.version)).scalars()
        found: dict[str, str] = {}
        for stored in kept:
            found.update(stored or {})
    return {name: xml.encode("utf-8") for name, xml in found.items()
            if wanted & set(defined_decisions(hardened_xml(name, xml.encode("utf-8"))))}


def stored_forms(database: Database, process_key: str) -> dict[str, Any]:
    """Every form the deployed versions of a process keep (name -> JSON), each as its newest version has it."""
    with database.read() as session:
        kept = session.execute(select(VERSION.c.forms).where(VERSION.c.process_key == process_key)
                               .order_by(VERSION.c.version)).scalars()
        found: dict[str, Any] = {}
        for forms in kept:
            found.update(forms or {})
        return found


def with_stored_forms(forms: dict[str, bytes | None], stored: dict[str, Any]) -> dict[str, bytes | None]:
    """The forms read from forms/, each one missing there (None) taken from `stored` when it has it.

    A version keeps its forms as parsed JSON, so the copy is written back as JSON: its checksum differs
    from the original file's, and redeploying an unchanged diagram this way makes a new version."""
    return {name: content if content is not None or name not in stored
            else json.dumps(stored[name], indent=2, ensure_ascii=False).encode("utf-8")
            for name, content in forms.items()}
