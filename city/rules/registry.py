"""The operator registry: the city rules a BPMN service task may call by name.

A diagram names an operator in `spiffworkflow:serviceTaskOperator` and passes its
parameters as JSON-ish values; `call_operator` checks and coerces them, adds the city
settings the operator declares (fee schedule, closures), and returns JSON-ready values
that SpiffWorkflow stores in the task's result variable.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation


PARAMETER_TYPES = ("string", "integer", "decimal", "boolean", "date", "datetime", "list", "object")


class OperatorError(Exception):
    """An operator could not be called or refused its arguments; the message says why."""


class UnknownOperator(OperatorError):
    """The diagram names an operator that is not registered."""


class OperatorArgumentError(OperatorError, ValueError):
    """A parameter is missing, unexpected or of the wrong kind; `parameter` names it."""

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str  # one of PARAMETER_TYPES
    required: bool = True
    description: str = ""

    def __post_init__(self) -> None:
        if self.type not in PARAMETER_TYPES:
            raise ValueError(
                f'parameter "{self.name}" has type "{self.type}"; '
                f"use one of {', '.join(PARAMETER_TYPES)}"
            )


@dataclass(frozen=True)
class Operator:
    name: str  # dotted, e.g. "calendar.business_deadline"
    function: Callable[..., object]
    description: str  # one line, shown to the modeler
    parameters: tuple[Parameter, ...]
    # City settings the engine passes as keyword arguments; never BPMN parameters.
    settings: tuple[str, ...] = ()


OPERATORS: dict[str, Operator] = {}


def operator(
    name: str, description: str, *parameters: Parameter, settings: tuple[str, ...] = ()
) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Register the decorated function as operator `name`; the function is returned unchanged."""

    def register(function: Callable[..., object]) -> Callable[..., object]:
        if name in OPERATORS:
            raise ValueError(f'operator "{name}" is registered twice')
        names = [parameter.name for parameter in parameters]
        if len(set(names)) != len(names) or set(names) & set(settings):
            raise ValueError(f'operator "{name}" declares a parameter or setting twice')
        OPERATORS[name] = Operator(name, function, description, tuple(parameters), tuple(settings))
        return function

    return register


def call_operator(name: str, arguments: dict[str, object], settings: dict[str, object]) -> object:
    """Call operator `name` with BPMN `arguments` and city `settings`; return JSON-ready values."""
    spec = _find(name)
    keywords = bind_arguments(name, spec.parameters, arguments)
    for setting in spec.settings:
        if setting not in settings:
            raise OperatorError(
                f'operator "{name}" needs the city setting "{setting}", which the engine did not pass'
            )
        keywords[setting] = settings[setting]
    return to_json(spec.function(**keywords))


def bind_arguments(name: str, parameters: Iterable[Parameter], arguments: dict[str, object]) -> dict[str, object]:
    """Check `arguments` against the declared `parameters` and coerce each to its type (keyword arguments)."""
    declared = {parameter.name: parameter for parameter in parameters}
    unknown = sorted(set(arguments) - set(declared))
    if unknown:
        raise OperatorArgumentError(
            f'operator "{name}" has no parameter "{unknown[0]}"{_suggestion(unknown[0], declared)} '
            f"It takes {_listing(declared)}.",
            unknown[0],
        )
    keywords: dict[str, object] = {}
    for parameter in declared.values():
        value = arguments.get(parameter.name)
        # A diagram often passes None for an optional field the form left empty.
        if value is None:
            if parameter.required:
                raise OperatorArgumentError(
                    f'operator "{name}" needs parameter "{parameter.name}" ({_TYPE_WORDS[parameter.type]})',
                    parameter.name,
                )
            continue
        keywords[parameter.name] = _coerce(name, parameter, value)
    return keywords


def describe_operator(spec: Operator) -> dict[str, object]:
    """One operator as the modeler lists it: name, one-line description, parameters."""
    return {
        "name": spec.name,
        "description": spec.description,
        "parameters": [dataclasses.asdict(parameter) for parameter in spec.parameters],
    }


def describe_operators() -> list[dict[str, object]]:
    """Every registered operator, sorted by name, as the modeler lists them."""
    return [describe_operator(spec) for spec in sorted(OPERATORS.values(), key=lambda spec: spec.name)]


def to_json(value: object) -> object:
    """Turn an operator's result into values `json.dumps` accepts.

    Money is written as the operator rounded it: the one rounding rule is `city.rules.fees.cents`
    (which imports this module), and a fee operator returns its amounts through it."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):  # datetime is a date: both are ISO strings
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: to_json(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(item) for item in value]
    raise OperatorError(f"an operator returned a {type(value).__name__}, which cannot be stored as JSON")


def _find(name: str) -> Operator:
    try:
        return OPERATORS[name]
    except KeyError:
        suggestion = _suggestion(name, OPERATORS)
        raise UnknownOperator(f'no operator "{name}"{suggestion.rstrip(".")}') from None


def _suggestion(name: str, candidates: Iterable[str]) -> str:
    closest = difflib.get_close_matches(name, list(candidates), n=1)
    return f'; did you mean "{closest[0]}"?' if closest else "."


def _listing(declared: dict[str, Parameter]) -> str:
    return ", ".join(f'"{name}"' for name in declared) if declared else "no parameters"


class _Explained(ValueError):
    """A coercion failure whose message is worth showing to the modeler."""


def _coerce(operator_name: str, parameter: Parameter, value: object) -> object:
    try:
        return _COERCIONS[parameter.type](value)
    except (TypeError, ValueError, InvalidOperation) as error:
        raise OperatorArgumentError(
            f'operator "{operator_name}" parameter "{parameter.name}" must be '
            f"{_TYPE_WORDS[parameter.type]}, not {value!r}{_detail(error)}",
            parameter.name,
        ) from None


def _detail(error: Exception) -> str:
    # Only our own messages add anything; the library's (e.g. "Invalid isoformat") do not.
    return f" ({error})" if isinstance(error, _Explained) else ""


def _to_string(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _to_integer(value: object) -> int:
    if isinstance(value, bool):  # bool is an int in Python, but True is not a page count
        raise TypeError
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    raise TypeError


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise TypeError
    if not isinstance(value, (Decimal, int, float, str)):
        raise TypeError
    # str() first so 0.1 becomes Decimal("0.1"), not the float's binary expansion.
    amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    if not amount.is_finite():
        raise _Explained("an amount must be a finite number")
    return amount


def _to_boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise TypeError


def _to_date(value: object) -> date:
    # A moment is not a day: in which zone it is read decides the day, so ask for the day.
    if isinstance(value, datetime) or (isinstance(value, str) and "T" in value.upper()):
        raise _Explained("give only the day, not a time of day")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip())
    raise TypeError


def _to_datetime(value: object) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    if not isinstance(value, datetime):
        raise TypeError
    # A naive time is ambiguous across the city's DST changes and SpiffWorkflow's own zone.
    if value.tzinfo is None or value.utcoffset() is None:
        raise _Explained("add the offset, e.g. 2026-03-06T14:30:00-06:00")
    return value


def _to_list(value: object) -> list[object]:
    if not isinstance(value, (list, tuple)):
        raise TypeError
    return list(value)


def _to_object(value: object) -> dict[str, object]:
    # A JSON object: names (text) and values, passed on as a new dict the operator may keep.
    if not isinstance(value, Mapping):
        raise TypeError
    if not all(isinstance(key, str) for key in value):
        raise _Explained("every name in an object must be text")
    return dict(value)


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "decimal": "a number",
    "boolean": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a date and time with its time zone",
    "list": "a list",
    "object": "an object of names and values",
}

_COERCIONS: dict[str, Callable[[object], object]] = {
    "string": _to_string,
    "integer": _to_integer,
    "decimal": _to_decimal,
    "boolean": _to_boolean,
    "date": _to_date,
    "datetime": _to_datetime,
    "list": _to_list,
    "object": _to_object,
}
