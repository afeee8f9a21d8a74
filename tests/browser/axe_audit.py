"""axe-core (from npm, `node_modules/axe-core`) on a page the browser shows: WCAG 2.1 A and AA rules.

`audit(page)` injects axe.min.js, runs it on the whole document and raises AssertionError listing
every serious or critical violation (rule, what it means, the elements). Minor and moderate ones
are returned to the caller, not failed on. axe is evaluated through the DevTools protocol, which
the pages' Content-Security-Policy (no inline scripts) does not block, so the tests keep the policy
the real pages are served with.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
FAILING_IMPACTS = ("serious", "critical")

_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""}))}));
}"""


def audit(page) -> list[dict]:
    """Every WCAG 2.1 A/AA violation on the page; fails on any serious or critical one."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    violations = page.evaluate(_RUN, list(WCAG_TAGS))
    failing = [violation for violation in violations if violation["impact"] in FAILING_IMPACTS]
    if failing:
        raise AssertionError(f"accessibility violations on {page.url}:\n" + describe(failing))
    return violations


@cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['url']}>")
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)
