"""Reading BPMN safely: hardened XML parsing, then SpiffWorkflow's spiff parser.

A file holds one executable process, or several joined in one collaboration (their pools start
together and exchange messages, as SpiffWorkflow's `get_collaboration` runs them: the collaboration's
id is then the process key). A call activity may call a process of another file: it is left out
of the parsed specs here (`engine.calls` binds it to a deployed version).

The XML parser resolves no entities, loads no DTD and never touches the network; a file
that declares a DOCTYPE is refused outright (entity tricks need one). Problems come back
as `DeployRefused` with the file, line and element id, never as a traceback. The DMN files a diagram's
business rule tasks call are read the same way and handed to the parser with it (`engine.decisions`).

A diagram may be written in any encoding its XML declaration names (ISO-8859-1 from an older
tool, UTF-16 with its byte order mark): `as_utf8` rewrites it as UTF-8 with the declaration
saying so, every line where it was, which is how it is checked, stored and shown.
"""
from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, VALIDATOR

from engine.decisions import defined_decisions, missing_decision_problems
from engine.errors import DeployRefused
from engine.state import connect_event_subprocesses

MAX_BPMN_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class ParsedProcess:
    process_key: str
    display_name: str
    file_name: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    tree: etree._Element

    def line_of(self, bpmn_id: str) -> int | None:
        """The source line of the element with this id, to point an analyst at it."""
        found = self.tree.xpath("//*[@id=$bpmn_id]", bpmn_id=bpmn_id)
        return found[0].sourceline if found else None


_DECLARATION = re.compile(rb"""\A<\?xml\s[^>]*?encoding\s*=\s*(["'])([A-Za-z][\w.:-]*)\1""")
_BYTE_ORDER_MARKS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
                     (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def as_utf8(xml: bytes | str) -> bytes:
    """The XML document re-encoded as UTF-8, its declaration naming UTF-8, when it was written in another
    encoding (its byte order mark, else its declaration, says which). Bytes that are not text of the encoding
    they claim are left as they are: parsing them then says where. Text (already decoded, as the modeler
    sends it) is encoded as UTF-8 whatever its declaration said."""
    if isinstance(xml, str):
        return _declaring_utf8(xml).encode("utf-8")
    encoding = next((name for mark, name in _BYTE_ORDER_MARKS if xml.startswith(mark)), None)
    if encoding is None:
        declared = _DECLARATION.match(xml)
        encoding = declared.group(2).decode("ascii") if declared else "utf-8"
    try:
        if codecs.lookup(encoding).name == "utf-8":
            return xml
        text = xml.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return xml
    return _declaring_utf8(text).encode("utf-8")


def _declaring_utf8(text: str) -> str:
    return re.sub(r"""\A(\ufeff?<\?xml\s[^>]*?encoding\s*=\s*)(["'])[^"']*\2""", r"\1\2UTF-8\2", text, count=1)


def hardened_xml(file_name: str, xml: bytes) -> etree._Element:
    """Parse XML with entity resolution, DTD loading and network access all off (any declared encoding)."""
    xml = as_utf8(xml)
    if len(xml) > MAX_BPMN_BYTES:
        raise DeployRefused(f"{file_name}: the file is larger than {MAX_BPMN_BYTES // (1024 * 1024)} MB.")
    declared = xml.find(b"<!DOCTYPE")
    if declared != -1:
        line = xml.count(b"\n", 0, declared) + 1
        raise DeployRefused(f"{file_name}, line {line}: a DOCTYPE is not allowed in a diagram; remove it "
                            "(entity declarations are refused for safety).")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as err:
        line = getattr(err, "lineno", None) or (err.position[0] if getattr(err, "position", None) else "?")
        raise DeployRefused(f"{file_name}, line {line}: the file is not well-formed XML: {err.msg}") from None
    if root.getroottree().docinfo.doctype:   # the byte scan above should already have caught it
        raise DeployRefused(f"{file_name}: a DOCTYPE is not allowed in a diagram.")
    return root


def parse_process(file_name: str, xml: bytes, decisions: Mapping[str, bytes] | None = None) -> ParsedProcess:
    """Parse one BPMN file holding one executable process, or a collaboration of several (plus any they embed),
    with the DMN files (name -> XML) that its business rule tasks call."""
    tree = hardened_xml(file_name, xml)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(tree, filename=file_name)
        _add_decisions(parser, file_name, tree, decisions or {})
        process_keys = parser.get_process_ids()
        if len(process_keys) > 1:
            return _parse_collaboration(file_name, parser, process_keys, tree)
        if len(process_keys) != 1:
            raise DeployRefused(f"{file_name}: a diagram must hold exactly one executable process "
                                "(isExecutable=\"true\"); found none.")
        process_key = process_keys[0]
        spec = parser.get_spec(process_key)
        # A call to a process of another file is None here: bound to a deployed version (engine.calls).
        subprocess_specs = {name: sub for name, sub in parser.get_subprocess_specs(
            process_key, require_call_activity_specs=False).items() if sub is not None}
        connect_event_subprocesses(spec, subprocess_specs)
    except ValidationException as err:
        raise DeployRefused(_located(file_name, err)) from None
    process_node = tree.xpath("//*[local-name()='process' and @id=$key]", key=process_key)[0]
    display_name = process_node.get("name") or process_key
    return ParsedProcess(process_key, display_name, file_name, spec, subprocess_specs, tree)


def _parse_collaboration(file_name: str, parser: SpiffBpmnParser, process_keys: list[str],
                         tree: etree._Element) -> ParsedProcess:
    """Several executable processes run together when one collaboration holds them all (their pools)."""
    for collaboration_id, participants in parser.collaborations.items():
        if set(process_keys) <= set(participants):
            _refuse_calls_out_of_the_file(file_name, parser, process_keys)
            spec, subprocess_specs = parser.get_collaboration(collaboration_id)
            connect_event_subprocesses(spec, subprocess_specs)
            node = tree.xpath("//*[local-name()='collaboration' and @id=$key]", key=collaboration_id)[0]
            return ParsedProcess(collaboration_id, node.get("name") or collaboration_id, file_name, spec,
                                 subprocess_specs, tree)
    raise DeployRefused(f"{file_name}: a diagram must hold one executable process (isExecutable=\"true\"), "
                        f"or several that are pools of one collaboration, which start together; found "
                        f"{', '.join(process_keys)} outside any one collaboration.")


def _refuse_calls_out_of_the_file(file_name: str, parser: SpiffBpmnParser, process_keys: list[str]) -> None:
    for key in process_keys:
        specs = parser.get_subprocess_specs(key, require_call_activity_specs=False)
        if outside := sorted(name for name, sub in specs.items() if sub is None):
            raise DeployRefused(f"{file_name}: the pool {key} calls {', '.join(outside)}, a process of another file; "
                                "the pools of a collaboration can call only processes of their own file (SpiffWorkflow "
                                "runs a collaboration from one file). Draw the called process in this file, or deploy "
                                "the pool as a process of its own.")


def external_calls(spec, subprocess_specs: dict[str, BpmnProcessSpec]) -> tuple[str, ...]:
    """The ids of the processes the call activities call that the file itself does not define, in order."""
    return tuple(dict.fromkeys(task_spec.spec for task_spec in call_activities(spec, subprocess_specs)
                               if task_spec.spec not in subprocess_specs))


def call_activities(spec, subprocess_specs: dict[str, BpmnProcessSpec]):
    for each in [spec, *subprocess_specs.values()]:
        yield from (task_spec for task_spec in each.task_specs.values() if isinstance(task_spec, CallActivity))


def _add_decisions(parser: SpiffBpmnParser, file_name: str, tree: etree._Element,
                   decisions: Mapping[str, bytes]) -> None:
    """Hand each DMN file to the parser; refuse a business rule task whose decision is not among them."""
    available: dict[str, str] = {}
    for dmn_name, dmn_xml in sorted(decisions.items()):
        dmn_tree = hardened_xml(dmn_name, dmn_xml)
        if not defined_decisions(dmn_tree):
            raise DeployRefused(f"{dmn_name}: the file defines no decision (a DMN <decision> with an id).")
        try:
            parser.add_dmn_xml(dmn_tree, filename=dmn_name)
            decision_id = defined_decisions(dmn_tree)[0]
            parser.dmn_parsers[decision_id].parse()   # now, so that its problems name this file
        except ValidationException as err:
            raise DeployRefused(_located(dmn_name, err, dmn_tree)) from None
        except (KeyError, IndexError):   # the library reads attributes without asking
            raise DeployRefused(_without_id(dmn_name, dmn_tree)) from None
        available[decision_id] = dmn_name
    if problems := missing_decision_problems(file_name, tree, available):
        raise DeployRefused(f"{file_name} was not deployed: {len(problems)} problem(s) to fix.", details=problems)


def _without_id(dmn_name: str, tree: etree._Element) -> str:
    """Where a DMN file leaves out an id the decision table needs."""
    needs_id = ("decision", "decisionTable", "input", "output", "rule", "inputEntry", "outputEntry")
    for element in tree.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname in needs_id and not element.get("id"):
            return f"{dmn_name}, line {element.sourceline}: <{etree.QName(element).localname}> needs an id attribute."
    return f"{dmn_name}: an element of the decision table lacks its id attribute."


def _located(file_name: str, err: ValidationException, tree: etree._Element | None = None) -> str:
    where = [getattr(err, "file_name", None) or file_name]   # a DMN file's own problem names that file
    line = getattr(err, "line_number", None)
    if not line and tree is not None and getattr(err, "id", None):
        found = tree.xpath("//*[@id=$element_id]", element_id=err.id)
        line = found[0].sourceline if found else None
    if line:
        where.append(f"line {line}")
    if getattr(err, "id", None):
        where.append(f"element '{err.id}'")
    message = err.args[0] if err.args else str(err)
    return ", ".join(where) + f": {message}"
