"""Letters to requesters from templates the city keeps (the "letter_templates" setting, city/citydata.py).

A template is text with {name} placeholders, filled from the values a diagram passes. Only
plain names are allowed: "{amount}" works, "{amount.real}", "{items[0]}", "{0}", "{x!r}"
and "{x:>10}" are refused, so a template edited by an administrator can reach nothing but
the values it is given. A name without a value shows as "[missing: name]" rather than
failing the step, so the custodian sees the gap before the letter goes out.

Every letter carries the city's name and postal address, {city_name} and {city_address}, from the
"letterhead" the city keeps among its letter templates (its subject the name, its body the address);
a value the diagram passes under those names wins.

Values are shown as a requester reads them: a date and time (or its ISO text) in city
time, "Wednesday 25 November 2026, 11:59 PM"; a day, "Wednesday 25 November 2026"; a
Decimal, or text of digits with two decimals as operators return money, "$31.50"; true
and false, "yes" and "no"; a list, its items separated by commas.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from city.rules.business_calendar import CITY_TIME_ZONE
from city.rules.fees import dollars
from city.rules.registry import OperatorArgumentError, OperatorError, Parameter, operator

LETTERHEAD = "letterhead"                  # the template holding the city's name (subject) and address (body)

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*")
_MONEY_TEXT = re.compile(r"-?\d+\.\d{2}")

def render(template: str, values: Mapping[str, object]) -> str:
    """`template` with each {name} replaced by its value, formatted for a letter.

    A name without a value (absent or None) shows as "[missing: name]". A placeholder that
    is not a plain name, or a malformed template, is an `OperatorArgumentError`.
    """
    if not isinstance(template, str):
        raise OperatorArgumentError(f"a letter template is text, not {type(template).__name__}", "template")
    if not isinstance(values, Mapping):
        raise OperatorArgumentError(f"a letter's values are names and values, not {values!r}", "values")
    placeholders(template)  # refuses anything but plain names before format_map sees the template
    shown = _Shown({str(name): format_value(value) for name, value in values.items() if value is not None})
    return template.format_map(shown)


def placeholders(template: str) -> list[str]:
    """The names `template` uses, in order; anything but a plain {name} is an `OperatorArgumentError`."""
    names = []
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as error:
        raise OperatorArgumentError(
            f"the letter template is malformed ({error}); write {{{{ or }}}} for a brace", "template"
        ) from None
    for _literal, field, format_spec, conversion in fields:
        if field is None:
            continue
        if not field.isidentifier() or format_spec or conversion:
            shown = "{" + field + (f"!{conversion}" if conversion else "") + (f":{format_spec}" if format_spec else "")
            shown += "}"
            raise OperatorArgumentError(
                f"a letter placeholder is a plain name such as {{requester_name}}, not {shown}", "template"
            )
        names.append(field)
    return names


def format_value(value: object) -> str:
    """A value as a letter shows it (see the module's docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return _money(value)
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, date):
        return _day(value)
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(item) for item in value)
    if isinstance(value, Mapping):
        return "\n".join(f"{key}: {format_value(item)}" for key, item in value.items())
    return str(value)


class _Shown(dict):  # type: ignore[type-arg]
    def __missing__(self, name: str) -> str:
        return f"[missing: {name}]"


def _text(text: str) -> str:
    stripped = text.strip()
    if _MONEY_TEXT.fullmatch(stripped):
        return _money(Decimal(stripped))
    if _ISO_DAY.fullmatch(stripped):
        try:
            return _day(date.fromisoformat(stripped))
        except ValueError:
            return text
    if _ISO_MOMENT.fullmatch(stripped):
        try:
            return _moment(datetime.fromisoformat(stripped))
        except ValueError:
            return text
    return text


def _money(amount: Decimal) -> str:
    if not amount.is_finite():
        return str(amount)
    return dollars(amount)


def _day(day: date) -> str:
    return f"{_DAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def _moment(moment: datetime) -> str:
    # An aware time is shown in city time; a naive one as written (its zone is unknown).
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        moment = moment.astimezone(CITY_TIME_ZONE)
    hour = moment.hour % 12 or 12
    return f"{_day(moment.date())}, {hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


@operator(
    "letters.render",
    "A letter from the city's templates, its {placeholders} filled from the values given.",
    Parameter("letter", "string", description='the template\'s name, e.g. "acknowledgement"'),
    Parameter("values", "object", False, "the values the template's {placeholders} name"),
    settings=("letter_templates",),
)
def _render_operator(
    letter: str, *, letter_templates: Mapping[str, Mapping[str, str]], values: Mapping[str, object] | None = None
) -> dict[str, str]:
    name = letter.strip()
    template = letter_templates.get(name)
    if template is None:
        known = ", ".join(f'"{known}"' for known in sorted(letter_templates)) or "none"
        raise OperatorArgumentError(f'no letter template "{name}"; the city keeps {known}', "letter")
    if not isinstance(template, Mapping) or not all(
        isinstance(template.get(part), str) for part in ("subject", "body")
    ):
        raise OperatorError(f'the letter template "{name}" needs a "subject" and a "body"')
    values = {**letterhead_values(letter_templates), **(values or {})}
    return {"letter": name, "subject": render(template["subject"], values), "text": render(template["body"], values)}


def letterhead_values(letter_templates: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """{city_name, city_address} from the city's letterhead; empty when the city keeps none."""
    letterhead = letter_templates.get(LETTERHEAD)
    if not isinstance(letterhead, Mapping):
        return {}
    address = "\n".join(line.strip() for line in str(letterhead.get("body") or "").splitlines() if line.strip())
    return {"city_name": str(letterhead.get("subject") or "").strip(), "city_address": address}
