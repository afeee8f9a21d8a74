"""What a process needs to be started by hand, read from its diagram: the form of its start event, and
the variables its first automatic steps read before anything sets them.

An instance started without them stops at its first step with an incident (a records request started
without `tracking_number` failed at "Acknowledge the request", issue 13). The reading is deliberately
simple and errs towards asking for less: it follows the one path from the start event through script
tasks, service tasks and plain tasks, up to the first step that waits for someone or something, or the
first branch; a name only called (`now()`) or only used through an attribute (`items.append`) counts
as a helper, not a variable. Pure: no database; `ProcessEngine.start_needs` reads it from the latest
version, and the web's "Start an instance" page and the command line's `start` both ask it.
"""
from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass

from lxml import etree

from engine.parsing import hardened_xml

FORM_PROPERTY, UI_FORM_PROPERTY = "formJsonSchemaFilename", "formUiSchemaFilename"
# Steps that run by themselves straight after the start, whose reads need the start data.
RUNS_BY_ITSELF = {"startEvent", "scriptTask", "serviceTask", "task", "intermediateThrowEvent", "exclusiveGateway",
                  "inclusiveGateway"}
BUILTIN_NAMES = frozenset(dir(builtins))


@dataclass(frozen=True)
class StartNeeds:
    form_file: str | None          # the start event's form (JSON Schema), as the diagram names it
    ui_form_file: str | None
    variables: tuple[str, ...]     # read by the first automatic steps before anything sets them, in order


def start_needs(bpmn_xml: str | bytes, process_key: str) -> StartNeeds:
    """What starting `process_key` by hand must give, from its diagram."""
    root = hardened_xml(f"{process_key}.bpmn", bpmn_xml.encode() if isinstance(bpmn_xml, str) else bpmn_xml)
    process = next((element for element in root.iter() if _kind(element) == "process"
                    and element.get("id") == process_key), None)
    if process is None:
        return StartNeeds(None, None, ())
    steps = {element.get("id"): element for element in process if isinstance(element.tag, str)}
    outgoing: dict[str, list[etree._Element]] = {}
    for flow in (element for element in steps.values() if _kind(element) == "sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
    starts = [element for element in steps.values() if _kind(element) == "startEvent"]
    # A hand start takes the plain start event; a process with only message or timer starts gets none of
    # what the message or timer would bring.
    plain = [start for start in starts if not any(_kind(child).endswith("EventDefinition") for child in start)]
    chosen = plain or starts
    needed: list[str] = []
    for start in chosen:
        _walk(start, steps, outgoing, needed)
    return StartNeeds(_property(chosen, FORM_PROPERTY), _property(chosen, UI_FORM_PROPERTY), tuple(needed))


def _walk(start: etree._Element, steps: dict, outgoing: dict, needed: list[str]) -> None:
    assigned: set[str] = set()
    step, seen = start, set()
    while step is not None and step.get("id") not in seen and _kind(step) in RUNS_BY_ITSELF:
        seen.add(step.get("id"))
        for script in _extension_texts(step, "preScript"):
            _reads(script, "exec", assigned, needed)
        if _kind(step) == "scriptTask":
            for script in (child.text or "" for child in step if _kind(child) == "script"):
                _reads(script, "exec", assigned, needed)
        for operator in (element for element in step.iter() if _kind(element) == "serviceTaskOperator"):
            for parameter in (element for element in operator.iter() if _kind(element) == "parameter"):
                _reads(parameter.get("value") or "", "eval", assigned, needed)
            if operator.get("resultVariable"):
                assigned.add(operator.get("resultVariable"))
        for script in _extension_texts(step, "postScript"):
            _reads(script, "exec", assigned, needed)
        flows = outgoing.get(step.get("id"), [])
        for condition in (child.text or "" for flow in flows for child in flow if _kind(child) == "conditionExpression"):
            _reads(condition, "eval", assigned, needed)
        step = steps.get(flows[0].get("targetRef")) if len(flows) == 1 else None   # a branch: stop reading


def _reads(source: str, mode: str, assigned: set[str], needed: list[str]) -> None:
    """Add to `needed` each variable `source` reads that nothing set before; note what it sets."""
    try:
        tree = ast.parse(source.strip(), mode=mode)
    except SyntaxError:
        return                          # the deploy check speaks of bad scripts; nothing to say here
    for statement in (tree.body if mode == "exec" else [tree]):
        nodes = list(ast.walk(statement))
        helpers = {node.func.id for node in nodes if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
        helpers |= {node.value.id for node in nodes
                    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)}
        local = {name for node in nodes for name in _bound_inside(node)}
        for node in nodes:
            if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in assigned
                    and node.id not in helpers and node.id not in local and node.id not in BUILTIN_NAMES
                    and node.id not in needed):
                needed.append(node.id)
        assigned |= {node.id for node in nodes if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)}


def _bound_inside(node: ast.AST) -> set[str]:
    """Names a comprehension, loop, lambda or handler binds for its own body."""
    if isinstance(node, (ast.comprehension, ast.For)):
        return {name.id for name in ast.walk(node.target) if isinstance(name, ast.Name)}
    if isinstance(node, ast.Lambda):
        return {argument.arg for argument in node.args.args}
    if isinstance(node, ast.ExceptHandler) and node.name:
        return {node.name}
    return set()


def _property(starts: list[etree._Element], name: str) -> str | None:
    for start in starts:
        for element in start.iter():
            if _kind(element) == "property" and element.get("name") == name and element.get("value"):
                return element.get("value")
    return None


def _extension_texts(step: etree._Element, kind: str) -> list[str]:
    return [element.text or "" for element in step.iter() if _kind(element) == kind]


def _kind(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def missing_variables(needs: StartNeeds, data: dict, *, numbered: bool = False) -> list[str]:
    """The variables `needs` names that `data` lacks (`tracking_number` comes with a numbered start)."""
    given = set(data) | ({"tracking_number"} if numbered else set())
    return [name for name in needs.variables if name not in given]
