"""The grounds of a denial, each citing its provision of law: K.S.A. 45-221; K.S.A. 45-218(d), (e).

A denied requester may ask for a written statement of the grounds, citing the specific
provision of law. The catalogue of grounds is a city setting ("exemptions", kept as city
data in city/citydata.py): {code: {"citation": "K.S.A. 45-221(a)(4)", "summary": "..."}}.
A code the catalogue does not hold is refused, so no denial goes out citing nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from city.rules.registry import OperatorArgumentError, OperatorError, Parameter, operator

def cite(codes: list[str], catalogue: Mapping[str, Mapping[str, str]]) -> dict[str, object]:
    """The citations for the denial grounds `codes`, and the text stating them, one line per ground.

    Returns {"citations": ["K.S.A. 45-221(a)(4)", ...], "text": "K.S.A. 45-221(a)(4) — summary\\n..."},
    in the order given, each ground once. An empty list or an unknown code is refused.
    """
    if not isinstance(codes, (list, tuple)) or not codes:
        raise OperatorArgumentError("a denial states at least one ground: give the exemption codes", "codes")
    grounds: list[tuple[str, str]] = []
    seen: set[str] = set()
    for code in codes:
        key = code.strip() if isinstance(code, str) else code
        if not isinstance(key, str) or key not in catalogue:
            known = ", ".join(sorted(catalogue)) or "none"
            raise OperatorArgumentError(f"no exemption {code!r} in the catalogue (it has: {known})", "codes")
        if key in seen:
            continue
        seen.add(key)
        entry = catalogue[key]
        citation = entry.get("citation") if isinstance(entry, Mapping) else None
        summary = entry.get("summary") if isinstance(entry, Mapping) else None
        if not isinstance(citation, str) or not citation.strip() or not isinstance(summary, str):
            raise OperatorError(f'the exemption catalogue entry "{key}" needs a "citation" and a "summary"')
        grounds.append((citation.strip(), summary.strip()))
    return {
        "citations": [citation for citation, _ in grounds],
        "text": "\n".join(f"{citation} — {summary}" if summary else citation for citation, summary in grounds),
    }


def choices(catalogue: Mapping[str, Mapping[str, str]]) -> list[dict[str, str]]:
    """The grounds a person may pick, as a form's choices: [{"value": code, "label": "K.S.A. ... — summary"}].

    In the catalogue's citation order; a form names this list with SpiffArena's convention
    (`"anyOf": ["options_from_task_data_var:<variable>"]`), so only a code the catalogue holds
    can be picked."""
    entries = []
    for code, entry in catalogue.items():
        citation = entry.get("citation", "") if isinstance(entry, Mapping) else ""
        summary = entry.get("summary", "") if isinstance(entry, Mapping) else ""
        label = f"{citation} — {_shortened(summary)}" if summary else citation
        entries.append({"value": code, "label": label or code})
    return sorted(entries, key=lambda choice: _citation_order(choice["value"]))


def _shortened(summary: str, limit: int = 110) -> str:
    summary = " ".join(summary.split())
    return summary if len(summary) <= limit else summary[:limit].rsplit(" ", 1)[0] + "…"


def _citation_order(code: str) -> list[object]:
    """45-221(a)(4) before 45-221(a)(30): numbers compared as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code)]


@operator(
    "exemptions.choices",
    "The grounds a denial may cite, as choices for a form (value: the code, label: citation and summary).",
    settings=("exemptions",),
)
def _choices_operator(*, exemptions: Mapping[str, Mapping[str, str]]) -> list[dict[str, str]]:
    return choices(exemptions)


@operator(
    "exemptions.cite",
    "The provisions of law a denial rests on (K.S.A. 45-221, 45-218(e)), with the text stating them.",
    Parameter("codes", "list", description='exemption codes from the catalogue, e.g. ["personnel"]'),
    settings=("exemptions",),
)
def _cite_operator(codes: list[str], *, exemptions: Mapping[str, Mapping[str, str]]) -> dict[str, object]:
    return cite(codes, exemptions)
