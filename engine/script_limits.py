"""How big one operation of a diagram's script may make something, checked before it runs.

The sandbox's time limit (engine/sandbox.py) is checked between the script's instructions, so
one instruction that runs long in C (`9**9**9`, `"x" * 10**12`, `1 << 10**10`, an f-string
padded to a billion characters) would never be stopped. The sandbox compiles those operators
into calls of `binary_op` here and hands scripts the checked builtins and methods below, which
work out the size of the result first and refuse, with `ScriptTooBig`, what would pass:

- `MAX_LENGTH` characters, bytes or items in one text, list, tuple or other sequence (a text or
  list written out in full, also through references to the same list: `str([big] * 1000)`);
- `MAX_INT_DIGITS` decimal digits in one whole number (what Python itself can turn into text);
- `MAX_MEMORY_MB` more memory than the process used when the script began, looked at every few
  milliseconds while it runs (`MemoryWatch`): what a loop builds step by step, each step small.

What a script saves must also be storable: at most `engine.nesting.MAX_DEPTH` levels deep and
`MAX_LENGTH` characters written out (checked in engine/sandbox.py when the script ends).
"""
from __future__ import annotations

import operator
import os
import re
import time
from collections.abc import Mapping
from decimal import Decimal
from math import log2

from engine.errors import ClerkflowError

MAX_LENGTH = 10_000_000
MAX_INT_DIGITS = 4300
MAX_INT_BITS = int(MAX_INT_DIGITS * log2(10))
MAX_MEMORY_MB = 512


class ScriptTooBig(ClerkflowError):
    """A script or expression would have built something larger than the sandbox allows, and was stopped."""


def _too_long(what: str, size: int) -> ScriptTooBig:
    return ScriptTooBig(f"the script would make {what} of {size:,} characters or items; "
                        f"at most {MAX_LENGTH:,} are allowed")


def _too_many_digits() -> ScriptTooBig:
    return ScriptTooBig(f"the script would make a whole number of more than {MAX_INT_DIGITS} digits; "
                        f"at most {MAX_INT_DIGITS} are allowed")


def _is_int(value) -> bool:
    return isinstance(value, int)    # bool too: True * "x" * 10**9 is still a repetition


def _sequence(value) -> bool:
    return isinstance(value, _SEQUENCES)


def check_length(size: int, what: str = "a text or list") -> None:
    if size > MAX_LENGTH:
        raise _too_long(what, size)


def _check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise _too_many_digits()


# %-formatting: each conversion's width and precision, a number or * (taken from the arguments)
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d+|\*)?(?:\.(\d+|\*))?[hlL]?[diouxXeEfFgGcrsa%]")


def _percent(template, arguments) -> None:
    if not isinstance(template, (str, bytes)):
        return
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    values = list(arguments) if isinstance(arguments, tuple) else [arguments]
    total = len(text)
    for width, precision in _PERCENT_FIELD.findall(text):
        for number in (width, precision):
            total += int(number) if number.isdigit() else 0
    if "*" in text:     # '%*d' % (width, value): the widths are among the arguments
        total += sum(value for value in values if _is_int(value) and value > 0)
    total += sum(written_length(value) for value in (values if not isinstance(arguments, Mapping) else arguments.values()))
    check_length(total, "a text")


_SEQUENCES = (str, bytes, bytearray, list, tuple)
_PLAIN = (int, float)
_OPERATORS = {"*": operator.mul, "**": operator.pow, "<<": operator.lshift, "+": operator.add, "%": operator.mod,
              "*=": operator.imul, "**=": operator.ipow, "<<=": operator.ilshift, "+=": operator.iadd,
              "%=": operator.imod}
CHECKED_OPERATORS = frozenset(symbol.rstrip("=") for symbol in _OPERATORS)


def binary_op(symbol: str, left, right):
    """`left <symbol> right` (also an augmented `*=` and the like), refused first when too big.

    Every `+`, `*`, `**`, `<<` and `%` of a script comes here: the checks are written out in this one function,
    since each call of another function costs as much again under the time limit's tracer."""
    kind = symbol[0:2] if symbol[:2] in ("**", "<<") else symbol[0]
    if type(left) in _PLAIN and type(right) in _PLAIN and kind in "+%":
        pass    # numbers added or taken modulo: the result is no bigger than they are
    elif kind == "*":
        if isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right.bit_length() > MAX_INT_BITS + 1:
                raise _too_many_digits()
        elif isinstance(left, _SEQUENCES) and isinstance(right, int):
            check_length(len(left) * right)
        elif isinstance(left, int) and isinstance(right, _SEQUENCES):
            check_length(left * len(right))
    elif kind == "+":
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            check_length(len(left) + len(right))
    elif kind == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and (left > 1 or left < -1):
            _check_bits((left.bit_length() - 1) * right)
    elif kind == "<<":
        if isinstance(left, int) and isinstance(right, int) and left:
            _check_bits(left.bit_length() + right)
    else:
        _percent(left, right)
    return _OPERATORS[symbol](left, right)


def written_length(value, budget: int = MAX_LENGTH) -> int:
    """About how many characters `value` takes written out in full (str(), JSON), counting every reference
    to a shared list again; stops counting past `budget`, so it costs at most that many steps."""
    total, pending, steps = 0, [value], 0
    while pending and total <= budget and steps <= budget:
        item = pending.pop()
        steps += 1
        if isinstance(item, (str, bytes, bytearray)):
            total += len(item) + 2
        elif isinstance(item, bool) or item is None:
            total += 5
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 1
        elif isinstance(item, Mapping):
            total += 2 + 2 * len(item)
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(item)
            pending.extend(item)
        else:
            total += 40
    return total


def check_written(value, what: str = "a text") -> None:
    check_length(written_length(value), what)


# -- builtins and methods that can build much from little ------------------------------------------------

def checked_pow(base, exponent, modulus=None):
    if modulus is None:
        return binary_op("**", base, exponent)
    return pow(base, exponent, modulus)   # every number is already within MAX_INT_DIGITS: bounded


def checked_int(value=0, *args):
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() >= MAX_INT_DIGITS:
        raise _too_many_digits()
    return int(value, *args)


def checked_round(number, *ndigits):
    if not ndigits and isinstance(number, Decimal) and number.is_finite() and number.adjusted() >= MAX_INT_DIGITS:
        raise _too_many_digits()
    return round(number, *ndigits)


def checked_str(value="", *args):
    if not args:
        check_written(value)
    return str(value, *args)


def checked_repr(value):
    check_written(value)
    return repr(value)


def checked_sum(values, start=0):
    values = list(values)
    if _sequence(start):     # sum([[...], ...], []) copies the growing list at each step: join them once
        check_length(len(start) + sum(len(value) for value in values if _sequence(value)))
        joined = start
        for value in values:
            joined = joined + value
        return joined
    return sum(values, start)


def checked_format(value, conversion: int, spec: str) -> str:
    """One `{value!conversion:spec}` of an f-string, the value converted first as Python does."""
    if conversion != -1:
        check_written(value)
        value = {115: str, 114: repr, 97: ascii}[conversion](value)
    width = sum(int(number) for number in re.findall(r"\d+", spec))
    check_length(width + written_length(value), "a text")
    return format(value, spec)


def checked_fstring_value(value) -> str:
    """One `{value}` of an f-string with no spec."""
    if type(value) not in _SCALARS:
        check_written(value)
    return format(value, "")


_SCALARS = (str, int, float, bool)


def _padded(method):
    def checked(text, width, *rest):
        if _is_int(width):
            check_length(width, "a text")
        return method(text, width, *rest)
    return checked


def _expandtabs(text, tabsize=8):
    if _is_int(tabsize):
        check_length(len(text) + text.count("\t" if isinstance(text, str) else b"\t") * max(tabsize, 0), "a text")
    return text.expandtabs(tabsize)


def _replace(text, old, new, count=-1):
    found = text.count(old) if count < 0 else min(count, text.count(old))
    check_length(len(text) + found * max(len(new) - len(old), 0), "a text")
    return text.replace(old, new, count)


def _join(separator, parts):
    parts = list(parts)
    check_length(sum(len(part) for part in parts if _sequence(part)) + len(separator) * max(len(parts) - 1, 0),
                 "a text")
    return separator.join(parts)


def _translate(text, table):
    if isinstance(table, Mapping):
        longest = max((len(value) for value in table.values() if _sequence(value)), default=1)
        check_length(len(text) * longest, "a text")
    return text.translate(table)


def _extend(items, more):
    more = list(more)
    check_length(len(items) + len(more), "a list")
    items.extend(more)


_TEXT_METHODS = {"ljust": _padded(str.ljust), "rjust": _padded(str.rjust), "center": _padded(str.center),
                 "zfill": lambda text, width: _padded(type(text).zfill)(text, width),
                 "expandtabs": _expandtabs, "replace": _replace, "join": _join, "translate": _translate}
_BYTES_METHODS = {**_TEXT_METHODS, "ljust": _padded(bytes.ljust), "rjust": _padded(bytes.rjust),
                  "center": _padded(bytes.center)}


def checked_method(target, name: str):
    """The bound method `target.name` when it is one that can build much from little, checked; else None."""
    if isinstance(target, str):
        method = _TEXT_METHODS.get(name)
    elif isinstance(target, bytes):
        method = _BYTES_METHODS.get(name)
    elif isinstance(target, list) and name == "extend":
        method = _extend
    else:
        return None
    return None if method is None else (lambda *args: method(target, *args))


class _Discarded:
    """print() in a script: accepted, its output goes nowhere (so nothing is written out at all)."""

    def __init__(self, _getattr_=None):
        pass

    def _call_print(self, *objects, **options):
        pass

    def __call__(self):
        return ""


DISCARDED_PRINT = _Discarded


class _CheckedType(type):
    """A builtin type as scripts see it: calling it is checked; isinstance() and its other uses are the type's."""

    def __call__(cls, *args, **kwargs):
        return cls.check(*args, **kwargs)

    def __instancecheck__(cls, value):
        return isinstance(value, cls.wrapped)

    def __subclasscheck__(cls, other):
        return issubclass(other, cls.wrapped)

    def __getattr__(cls, name):
        return getattr(cls.wrapped, name)


def _checked_type(wrapped: type, check) -> type:
    return _CheckedType(wrapped.__name__, (), {"wrapped": wrapped, "check": staticmethod(check)})


def checked_unbound(kind, name: str):
    """`str.ljust` and the like named on the type (str.join(", ", parts)): checked as the bound ones are."""
    kind = getattr(kind, "wrapped", kind)
    methods = {str: _TEXT_METHODS, bytes: _BYTES_METHODS, list: {"extend": _extend}}.get(kind, {})
    return methods.get(name)


CHECKED_BUILTINS = {"pow": checked_pow, "round": checked_round, "repr": checked_repr, "sum": checked_sum,
                    "int": _checked_type(int, checked_int), "str": _checked_type(str, checked_str)}


class MemoryWatch:
    """Stops a script once the process holds `MAX_MEMORY_MB` more than when the script began.

    It reads the resident size the kernel reports (Linux: /proc/self/statm) every `every` seconds of the
    script's run; where that cannot be read it watches nothing. The process's size includes what other
    threads of a web worker allocate meanwhile: the limit is set far above what clerk work needs."""

    PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def __init__(self, limit_mb: int = MAX_MEMORY_MB, every: float = 0.005):
        self.limit = limit_mb * 1024 * 1024
        self.every = every
        self.start = self._resident()
        self.next_look = time.monotonic() + every

    @classmethod
    def _resident(cls) -> int | None:
        try:
            with open("/proc/self/statm", "rb") as statm:
                return int(statm.read().split()[1]) * cls.PAGE
        except (OSError, ValueError, IndexError):
            return None

    def look(self, now: float) -> None:
        if self.start is None or now < self.next_look:
            return
        self.next_look = now + self.every
        resident = self._resident()
        if resident is not None and resident - self.start > self.limit:
            raise ScriptTooBig(f"the script used more than {self.limit // (1024 * 1024)} MB of memory and was stopped")
