"""DMN decision tables that business rule tasks call: found, read safely, checked, kept with the version.

A business rule task names its decision (`spiffworkflow:calledDecisionId`); the .dmn file defining it is
deployed with the diagram (the CLI takes it from the diagram's folder, the modeler posts it). SpiffWorkflow's
DMN engine evaluates every cell through the workflow's script engine, which is our sandbox
(`engine.sandbox`): a cell is a Python expression under the same limits as a gateway condition. Deploy
checks each cell as SpiffWorkflow will run it, and refuses a task whose decision is not deployed with it.
The parsed tables go into the version's spec (so a cold restore evaluates the very table deployed) and the
DMN files into the version's `decisions`, for the modeler.
"""
from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Mapping

from lxml import etree

from engine.sandbox import check_expression

DMN_SUFFIX = ".dmn"
# What DMNEngine.evaluate puts in place of a '?' outside quotes ("4 < ? < 6").
_QUESTION_MARK = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')


def called_decisions(tree: etree._Element) -> dict[str, str | None]:
    """Each business rule task's id -> the decision id it calls (None when it names none)."""
    called = {}
    for task in tree.xpath("//*[local-name()='businessRuleTask']"):
        ref = task.xpath(".//*[local-name()='calledDecisionId']/text()")
        called[task.get("id")] = ref[0].strip() if ref and ref[0].strip() else None
    return called


def defined_decisions(tree: etree._Element) -> list[str]:
    """The ids of the decisions a DMN document defines."""
    return [decision.get("id") for decision in tree.xpath("/*/*[local-name()='decision']") if decision.get("id")]


def missing_decision_problems(file_name: str, tree: etree._Element, available: Mapping[str, str]) -> list[str]:
    """A business rule task naming no decision, or one not deployed with the diagram (`available`: id -> file)."""
    problems = []
    for bpmn_id, ref in called_decisions(tree).items():
        element = tree.xpath("//*[@id=$bpmn_id]", bpmn_id=bpmn_id)[0]
        where = f"{file_name}, line {element.sourceline}, element '{bpmn_id}'"
        if ref is None:
            problems.append(f"{where}: the business rule task names no decision (set its called decision id)")
        elif ref not in available:
            close = difflib.get_close_matches(ref, sorted(available), n=1)
            known = f'; did you mean "{close[0]}"?' if close else (
                f"; decisions deployed with it: {', '.join(sorted(available))}" if available
                else "; no .dmn file was deployed with it")
            problems.append(f'{where}: the business rule task calls decision "{ref}", which is not deployed with '
                            f"this diagram (put the .dmn file that defines it beside the diagram){known}")
    return problems


def cell_problems(file_name: str, tree: etree._Element) -> list[str]:
    """Every cell of every decision table that the sandbox would refuse, located by line, rule and column,
    and a hit policy SpiffWorkflow would quietly run as another."""
    problems = []
    for table in tree.xpath("//*[local-name()='decisionTable']"):
        problems.extend(_hit_policy_problems(file_name, table))
        inputs = table.xpath("./*[local-name()='input']")
        outputs = table.xpath("./*[local-name()='output']")
        input_texts = [_text(column.xpath("./*[local-name()='inputExpression']")) for column in inputs]
        for column, text in zip(inputs, input_texts):
            if text:
                problems.extend(_located(file_name, column, f"input expression {text!r}", check_expression(text)))
        for row, rule in enumerate(table.xpath("./*[local-name()='rule']"), start=1):
            for entry, column, input_text in zip(rule.xpath("./*[local-name()='inputEntry']"), inputs, input_texts):
                cell = _text([entry])
                if cell and cell != "-":
                    label = column.get("label") or column.get("id")
                    problems.extend(_located(file_name, entry, f"rule {row}, input '{label}' cell {cell!r}",
                                             check_expression(_as_evaluated(input_text or "None", cell))))
            for entry, column in zip(rule.xpath("./*[local-name()='outputEntry']"), outputs):
                cell = _text([entry])
                if cell:
                    label = column.get("name") or column.get("label") or column.get("id")
                    problems.extend(_located(file_name, entry, f"rule {row}, output '{label}' cell {cell!r}",
                                             check_expression(cell)))
    return problems


# SpiffWorkflow 3.2 knows UNIQUE (first match, overlaps not checked) and COLLECT (every match, no aggregation);
# any other policy takes the first match, which is right for FIRST and ANY only.
RUN_AS_WRITTEN = ("UNIQUE", "FIRST", "ANY", "COLLECT")


def _hit_policy_problems(file_name: str, table) -> list[str]:
    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    if policy not in RUN_AS_WRITTEN:
        return _located(file_name, table, f"hit policy {policy}", [
            f"not supported (SpiffWorkflow would take the first matching rule); use one of {', '.join(RUN_AS_WRITTEN)}"])
    if policy == "COLLECT" and table.get("aggregation"):
        return _located(file_name, table, f"hit policy COLLECT with {table.get('aggregation')}", [
            "aggregation is not supported: collect the list and add it up in a script"])
    return []


def _text(elements) -> str:
    found = elements[0].xpath("./*[local-name()='text']/text()") if elements else []
    return found[0].strip() if found else ""


def _as_evaluated(input_text: str, cell: str) -> str:
    """The expression DMNEngine.evaluate builds from an input and a cell: '?' stands for the input; a cell
    that is an expression by itself is compared with ==; one that is not ("> 5") is appended to the input."""
    if "?" in cell and _QUESTION_MARK.search(cell):
        return _QUESTION_MARK.sub("dmninputexpr", cell)
    try:
        ast.parse(cell)
    except SyntaxError:
        return f"{input_text} {cell}"
    return f"({input_text}) == ({cell})"


def _located(file_name: str, element, what: str, problems: list[str]) -> list[str]:
    where = f"{file_name}, line {element.sourceline}, element '{element.get('id')}'"
    return [f"{where}: {what}: {problem}" for problem in problems]
