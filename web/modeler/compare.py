"""What changed between two versions of a diagram: BPMN elements added, removed and changed, by id.

Both diagrams are read with the engine's hardened XML parser (no DTD, no entities, no network).
Only the process model is compared (the diagram's layout, `bpmndi`, is left out: moving a shape is
not a change to the process). An element has changed when its attributes, text or any child
without an id of its own (documentation, extension elements, conditions, timers) differ; a child
with an id is compared as an element of its own.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from engine import hardened_xml

DI_NAMESPACES = ("http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DC",
                 "http://www.omg.org/spec/DD/20100524/DI")
# BPMN's defaults: writing one out or leaving it out says the same (bpmn-js leaves them out on save).
DEFAULT_ATTRIBUTES = {"cancelActivity": "true", "isInterrupting": "true", "parallelMultiple": "false",
                      "instantiate": "false", "isForCompensation": "false", "startQuantity": "1",
                      "completionQuantity": "1", "isClosed": "false", "gatewayDirection": "Unspecified",
                      "triggeredByEvent": "false", "isSequential": "false"}


@dataclass(frozen=True)
class ElementChange:
    bpmn_id: str
    kind: str           # the BPMN element's name: userTask, sequenceFlow, ...
    name: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    added: tuple[ElementChange, ...]
    removed: tuple[ElementChange, ...]
    changed: tuple[ElementChange, ...]

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed)


def compare_diagrams(old_xml: str | bytes, new_xml: str | bytes) -> Comparison:
    old, new = _elements(old_xml, "from"), _elements(new_xml, "to")
    added = tuple(_change(new[bpmn_id]) for bpmn_id in new if bpmn_id not in old)
    removed = tuple(_change(old[bpmn_id]) for bpmn_id in old if bpmn_id not in new)
    changed = []
    for bpmn_id in new:
        if bpmn_id in old:
            details = _differences(old[bpmn_id], new[bpmn_id])
            if details:
                changed.append(_change(new[bpmn_id], details))
    return Comparison(added, removed, tuple(changed))


def _elements(xml: str | bytes, which: str) -> dict[str, etree._Element]:
    root = hardened_xml(f"the {which} version", xml.encode() if isinstance(xml, str) else xml)
    found: dict[str, etree._Element] = {}
    for element in root.iter():
        if not isinstance(element.tag, str) or etree.QName(element).namespace in DI_NAMESPACES:
            continue
        bpmn_id = element.get("id")
        if bpmn_id and element is not root and not _inside_extension(element):
            found[bpmn_id] = element
    return found


def _inside_extension(element: etree._Element) -> bool:
    """spiffworkflow:serviceTaskOperator and spiffworkflow:parameter carry an `id` that is not an element id."""
    return any(etree.QName(parent).localname == "extensionElements" for parent in element.iterancestors())


def _change(element: etree._Element, details: tuple[str, ...] = ()) -> ElementChange:
    return ElementChange(element.get("id"), etree.QName(element).localname, element.get("name") or "", details)


def _differences(old: etree._Element, new: etree._Element) -> tuple[str, ...]:
    details = []
    if etree.QName(old).localname != etree.QName(new).localname:
        details.append(f"type: {etree.QName(old).localname} -> {etree.QName(new).localname}")
    for attribute in sorted(set(old.attrib) | set(new.attrib)):
        default = DEFAULT_ATTRIBUTES.get(attribute)
        if old.get(attribute, default) != new.get(attribute, default):
            details.append(f"{etree.QName(attribute).localname}: {old.get(attribute)!r} -> {new.get(attribute)!r}")
    if _text(old) != _text(new):
        details.append("text")
    old_children, new_children = _own_children(old), _own_children(new)
    for tag in sorted(set(old_children) | set(new_children)):
        if old_children.get(tag) != new_children.get(tag):
            details.append(etree.QName(tag).localname)
    return tuple(details)


def _own_children(element: etree._Element) -> dict[str, list[str]]:
    """Children without an id of their own, by tag (the others are elements compared by themselves, so
    adding a task does not also change its process)."""
    children: dict[str, list[str]] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.get("id") and not _inside_extension(child):
            continue
        children.setdefault(child.tag, []).append(_canonical(child))
    return children


def _canonical(element: etree._Element) -> str:
    attributes = ",".join(f"{key}={value}" for key, value in sorted(element.attrib.items())
                          if DEFAULT_ATTRIBUTES.get(key) != value)
    inner = "".join(_canonical(child) for child in element if isinstance(child.tag, str))
    return f"<{element.tag} {attributes}>{_text(element)}{inner}</>"


def _text(element: etree._Element) -> str:
    return (element.text or "").strip()
