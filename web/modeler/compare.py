"""What changed between two versions of a diagram: BPMN elements added, removed and changed, by id,
each change with the value it had and the value it has (a timer's expression, a task's name, a condition).

Both diagrams are read with the engine's hardened XML parser (no DTD, no entities, no network).
Only the process model is compared (the diagram's layout, `bpmndi`, is left out: moving a shape is
not a change to the process). An element has changed when its attributes, text or any child
without an id of its own (documentation, extension elements, conditions, timers) differ; a child
with an id is compared as an element of its own, except an event's definition (a timer, a message):
bpmn-js gives it a generated id, and what a reader wants is the event's timer, so it is read as
part of its event.
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
# What a child is called in a comparison, in the modeler's words (docs/modeler.md); a child not named
# here is called by its tag.
CHILD_WORDS = {"conditionExpression": "condition", "timeDuration": "timer duration", "timeDate": "timer date",
               "timeCycle": "timer cycle", "preScript": "pre-script", "postScript": "post-script",
               "incoming": "incoming flows", "outgoing": "outgoing flows", "flowNodeRef": "tasks",
               "resultVariable": "result variable", "completionCondition": "completion condition",
               "loopCardinality": "loop cardinality", "messageRef": "message", "signalRef": "signal",
               "errorRef": "error", "escalationRef": "escalation", "attachedToRef": "attached to",
               "sourceRef": "from", "targetRef": "to", "calledElement": "called process"}
# Children that only hold others: they add no word of their own.
CONTAINERS = {"extensionElements", "parameters", "properties"}
# spiffworkflow:property names, in the words of the modeler's Clerkflow group.
PROPERTY_WORDS = {"formJsonSchemaFilename": "form", "formUiSchemaFilename": "UI schema",
                  "candidateRole": "role", "candidateRoleVariable": "role from a data field",
                  "dueDateVariable": "due date from a data field"}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


@dataclass(frozen=True)
class Difference:
    """One property of an element in both versions; `None` where the version does not have it."""
    what: str           # "name", "timer duration", "condition", "operator", "parameter business_days", ...
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ElementChange:
    bpmn_id: str
    kind: str           # the BPMN element's name: userTask, sequenceFlow, ...
    name: str
    details: tuple[Difference, ...] = ()


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
        if bpmn_id and element is not root and not _part_of_parent(element):
            found[bpmn_id] = element
    return found


def _part_of_parent(element: etree._Element) -> bool:
    """An event's definition, and anything in extension elements (spiffworkflow:serviceTaskOperator and
    spiffworkflow:parameter carry an `id` that is not an element id), belong to the element holding them."""
    return _is_event_definition(element) or any(
        etree.QName(parent).localname == "extensionElements" for parent in element.iterancestors())


def _is_event_definition(element: etree._Element) -> bool:
    return etree.QName(element).localname.endswith("EventDefinition")


def _change(element: etree._Element, details: tuple[Difference, ...] = ()) -> ElementChange:
    return ElementChange(element.get("id"), etree.QName(element).localname, element.get("name") or "", details)


def _differences(old: etree._Element, new: etree._Element) -> tuple[Difference, ...]:
    details = []
    if etree.QName(old).localname != etree.QName(new).localname:
        details.append(Difference("type", etree.QName(old).localname, etree.QName(new).localname))
    old_values, new_values = _properties(old), _properties(new)
    for what in sorted(set(old_values) | set(new_values), key=_reading_order):
        if old_values.get(what) != new_values.get(what):
            details.append(Difference(what, old_values.get(what), new_values.get(what)))
    return tuple(details)


def _reading_order(what: str) -> tuple[int, str]:
    """The name first, then the rest alphabetically, so a renamed task reads 'name' before its forms."""
    return (what != "name", what)


def _properties(element: etree._Element) -> dict[str, str]:
    """Every property of `element` that a version can change, by the words a reader knows it by.
    Repeated children (a task's incoming flows, a lane's tasks) are one property, their values joined."""
    values: dict[str, list[str]] = {}
    _collect(element, "", values, top=True)
    return {what: ", ".join(found) for what, found in values.items()}


def _collect(element: etree._Element, prefix: str, values: dict[str, list[str]], *, top: bool = False) -> None:
    tag = etree.QName(element).localname
    here = prefix
    if not top:
        if _is_event_definition(element):
            values.setdefault(_join(prefix, "event"), []).append(tag.removesuffix("EventDefinition"))
        elif tag == "serviceTaskOperator":
            values.setdefault(_join(prefix, "operator"), []).append(element.get("id", ""))
        elif tag == "parameter" and element.get("id"):
            here = _join(prefix, f"parameter {element.get('id')}")
        elif tag == "property" and element.get("name"):
            word = PROPERTY_WORDS.get(element.get("name"), f"property {element.get('name')}")
            values.setdefault(_join(prefix, word), []).append(element.get("value", ""))
            return
        elif tag not in CONTAINERS:
            here = _join(prefix, CHILD_WORDS.get(tag, tag))
    for attribute, value in sorted(element.attrib.items()):
        name = etree.QName(attribute).localname
        if attribute == "id" or DEFAULT_ATTRIBUTES.get(name) == value:
            continue      # the element's own id is its key; a child's is generated, or read above
        if attribute == XSI_TYPE:
            what = _join(here, "expression type")
        elif tag == "parameter" and name == "value":
            what = here
        else:
            what = _join(here, CHILD_WORDS.get(name, name))
        values.setdefault(what, []).append(value)
    text = (element.text or "").strip()
    if text:
        values.setdefault(here or "text", []).append(text)
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.get("id") and not _part_of_parent(child):
            continue      # an element of its own: adding a task does not also change its process
        _collect(child, here, values)


def _join(prefix: str, word: str) -> str:
    return f"{prefix} {word}" if prefix else word
