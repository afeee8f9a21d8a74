"""Reading BPMN safely: hardened XML parsing, then SpiffWorkflow's spiff parser.

The XML parser resolves no entities, loads no DTD and never touches the network; a file
that declares a DOCTYPE is refused outright (entity tricks need one). Problems come back
as `DeployRefused` with the file, line and element id, never as a traceback.

A diagram may be written in any encoding its XML declaration names (ISO-8859-1 from an older
tool, UTF-16 with its byte order mark): `as_utf8` rewrites it as UTF-8 with the declaration
saying so, every line where it was, which is how it is checked, stored and shown.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, VALIDATOR

from engine.errors import DeployRefused

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


def parse_process(file_name: str, xml: bytes) -> ParsedProcess:
    """Parse one BPMN file holding one executable process (plus any it embeds)."""
    tree = hardened_xml(file_name, xml)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(tree, filename=file_name)
        process_keys = parser.get_process_ids()
        if len(process_keys) != 1:
            found = ", ".join(process_keys) or "none"
            raise DeployRefused(f"{file_name}: a diagram must hold exactly one executable process "
                                f"(isExecutable=\"true\"); found: {found}.")
        process_key = process_keys[0]
        spec = parser.get_spec(process_key)
        subprocess_specs = parser.get_subprocess_specs(process_key)
    except ValidationException as err:
        raise DeployRefused(_located(file_name, err)) from None
    process_node = tree.xpath("//*[local-name()='process' and @id=$key]", key=process_key)[0]
    display_name = process_node.get("name") or process_key
    return ParsedProcess(process_key, display_name, file_name, spec, subprocess_specs, tree)


def _located(file_name: str, err: ValidationException) -> str:
    where = [file_name]
    if getattr(err, "line_number", None):
        where.append(f"line {err.line_number}")
    if getattr(err, "id", None):
        where.append(f"element '{err.id}'")
    message = err.args[0] if err.args else str(err)
    return ", ".join(where) + f": {message}"
