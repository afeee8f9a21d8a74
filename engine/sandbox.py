"""The sandbox that runs the Python written inside our diagrams.

Script tasks and every expression in a diagram (gateway conditions, timer expressions,
service-task parameters, message payloads and correlations) are Python. SpiffWorkflow
3.2.0 runs them with plain `eval`/`exec` and all of Python's builtins, so a diagram could
open files, import `os` and run programs (checked; see SPIFFWORKFLOW_NOTES.md, "Scripts").
Diagrams are edited by analysts, so what they may do must be small, written down
(docs/scripting.md) and checked when a diagram is deployed. Here:

- RestrictedPython compiles the code, with our own refusals on top: no import, no
  `try`/`with`/`class`, no names or attributes starting with "_", no `open()` and friends;
- the code sees `ALLOWED_BUILTINS`, the helpers declared in `engine.helpers` and the task data;
- code running longer than `time_limit` seconds is stopped (`ScriptTimeout`); the operators and
  builtins that can build much from little in one step (`9**9**9`, `"x" * 10**12`) are compiled
  into calls that check the size of their result first, and a script using more memory than
  allowed is stopped (`ScriptTooBig`, engine/script_limits.py);
- a script runs on a deep copy of the task data, written back only when it succeeds, so a
  failed script (an incident) leaves the data as it was for an administrator's retry.

`try` is refused because the time limit works by raising inside the running code, and
Python stops tracing once a tracer has raised: a script that caught the error (or ran a
`finally`) could then loop for ever.
"""

import ast
import builtins
import copy
import json
import operator
import re
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from functools import lru_cache

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence,
                                     safe_builtins, safer_getattr)
from RestrictedPython.Limits import limited_range
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.errors import ClerkflowError
from engine.helpers import HELPERS, Helper, by_name, fixed_values, step_values
from engine.nesting import MAX_DEPTH, depth_of, too_deep_message
from engine.script_limits import (CHECKED_BUILTINS, CHECKED_OPERATORS, DISCARDED_PRINT, MAX_LENGTH, MemoryWatch,
                                  ScriptTooBig, binary_op, checked_format, checked_fstring_value, checked_method,
                                  checked_unbound, written_length)

# The filename compiled code carries: the time limit traces only frames with this name,
# and error reports find the failing line by it.
SCRIPT_FILENAME = "<diagram script>"


class ScriptNotAllowed(ClerkflowError):
    """A script or expression uses something the sandbox refuses; `problems` lists each, with its line."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = list(problems)
        found = re.match(r"line (\d+):", problems[0]) if problems else None
        self.line_number = int(found.group(1)) if found else 0


class ScriptTimeout(ClerkflowError):
    """A script or expression ran longer than the sandbox's time limit and was stopped."""


# The helpers every engine offers, declared with their signatures and descriptions in `engine.helpers`.
DEFAULT_HELPERS: Mapping[str, object] = fixed_values(HELPERS)

# BaseException, SystemExit, KeyboardInterrupt and GeneratorExit are left out: raised from
# a script they would pass every `except Exception` in the host and stop the worker.
_UNSAFE = {"__build_class__", "setattr", "delattr", "id", "hash",
           "BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit"}
def _library_import(name, globals=None, locals=None, fromlist=(), level=0):
    """Only for C code the helpers call (datetime.strftime imports `time`); scripts cannot reach it:
    the policy refuses `import` and every name starting with an underscore."""
    if name not in ("time", "_strptime"):
        raise ImportError(f"import of {name} is not allowed in scripts")
    return builtins.__import__(name, globals, locals, fromlist, level)


ALLOWED_BUILTINS: Mapping[str, object] = {
    "__import__": _library_import,
    **{name: value for name, value in safe_builtins.items() if name not in _UNSAFE},
    **{name: getattr(builtins, name) for name in (
        "min", "max", "sum", "sorted", "any", "all", "enumerate", "zip", "list", "dict", "set", "tuple")},
    "range": limited_range,        # at most 1000 numbers: list(range(10**9)) cannot be interrupted
    **CHECKED_BUILTINS,            # pow, int, str, repr, round, sum: sizes checked first (engine/script_limits.py)
}

# Called as functions, these could reach files, code or other objects' insides.
_FORBIDDEN_CALLS = {"open", "exec", "eval", "compile", "globals", "locals", "vars", "getattr",
                    "setattr", "delattr", "dir", "breakpoint", "help", "input", "memoryview"}
# `ValueError.mro()` would hand a script BaseException, and `object` with it. Attribute
# names in scripts are always constants (no getattr), so refusing them at compile time is enough.
_FORBIDDEN_ATTRIBUTES = {"mro"}


_REFUSED_STATEMENTS = {"Import": "import", "ImportFrom": "import", "With": "with", "ClassDef": "class",
                       "Try": "try/except/finally (check with if instead)", "TryStar": "try/except*"}


class _ClerkflowPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus the refusals listed in the module docstring."""

    def _refuse(self, node, what):
        self.error(node, f"{what} is not allowed in scripts")
        return node

    def visit(self, node):
        if what := _REFUSED_STATEMENTS.get(type(node).__name__):
            return self._refuse(node, what)
        return super().visit(node)

    def visit_Call(self, node):
        name = getattr(node.func, "id", None)
        if name == "__import__":
            return self._refuse(node, "import")
        if name in _FORBIDDEN_CALLS:
            return self._refuse(node, f"{name}()")
        return super().visit_Call(node)

    def visit_Attribute(self, node):
        if node.attr in _FORBIDDEN_ATTRIBUTES:
            return self._refuse(node, f'".{node.attr}"')
        return super().visit_Attribute(node)

    def visit_BinOp(self, node):
        """`a ** b`, `a * b`, `a << b` and `a % b` become `_binop_("**", a, b)`: checked before they run.

        Not `a + b` (at most twice the biggest thing the script already holds: the memory limit sees to it),
        nor an operation with a float written out (`pages * 0.25`), which builds nothing big: each check is a
        call, and a call costs as much as a step under the time limit's tracer."""
        node = super().visit_BinOp(node)
        symbol = _SYMBOLS.get(type(node.op))
        if symbol is None or any(isinstance(side, ast.Constant) and type(side.value) is float
                                 for side in (node.left, node.right)):
            return node
        return _placed(ast.Call(ast.Name("_binop_", ast.Load()), [ast.Constant(symbol), node.left, node.right], []),
                       node)

    def visit_FormattedValue(self, node):
        """`{value!r:>{width}}` in an f-string is formatted by `_format_`, which checks the width first."""
        node = super().visit_FormattedValue(node)
        spec = node.format_spec or ast.Constant("")
        call = ast.Call(ast.Name("_format_", ast.Load()), [node.value, ast.Constant(node.conversion), spec], [])
        if node.conversion == -1 and node.format_spec is None:
            call = ast.Call(ast.Name("_fvalue_", ast.Load()), [node.value], [])
        return _placed(ast.FormattedValue(call, -1, None), node)


def _placed(new_node, old_node):
    """`new_node` (and the nodes made with it) at the place in the source of the node it replaces."""
    return ast.fix_missing_locations(ast.copy_location(new_node, old_node))


_SYMBOLS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}


def _readable(error: str) -> str:
    """RestrictedPython's 'Line 3: ...' message in the words docs/scripting.md uses."""
    found = re.match(r"Line (\w+): (.*)", error, re.S)
    line, text = found.groups() if found else ("?", error)
    if name := re.match(r'"(\w+)" is an invalid (?:attribute|variable) name because it starts', text):
        text = f'"{name.group(1)}": names starting with "_" are not allowed in scripts'
    elif syntax := re.match(r"SyntaxError: (.*) at statement: (.*)", text, re.S):
        text = f"{syntax.group(1)}: {syntax.group(2)}"
    elif re.match(r"(\w+) statements are not allowed", text):
        text = text.replace(" statements are not allowed.", " is not allowed in scripts")
    return f"line {line}: {text.rstrip('.')}"


@lru_cache(maxsize=2048)
def _compile(source: str, mode: str):
    """(code or None, problems) for `source` in 'exec' or 'eval' mode; cached, code is reusable."""
    compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    result = compiler(source, filename=SCRIPT_FILENAME, policy=_ClerkflowPolicy)
    return result.code, tuple(_readable(error) for error in dict.fromkeys(result.errors))


def check_script(source: str) -> list[str]:
    """Problems that would stop `source` running as a script task (empty: fine); runs nothing."""
    return list(_compile(source, "exec")[1])


def check_expression(source: str) -> list[str]:
    """Problems that would stop `source` running as an expression (empty: fine); runs nothing."""
    return list(_compile(source.strip(), "eval")[1])


def names_read(expression: str) -> set[str]:
    """The names an expression reads from its surroundings (task data or helpers), not those it binds
    itself (a comprehension's or a lambda's); empty for an expression that does not parse."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return set()
    read, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return read - bound


def names_assigned(script: str) -> set[str]:
    """The names a script may leave in the task data: every name it assigns (a loop's, a function's, ...)."""
    try:
        tree = ast.parse(script)
    except SyntaxError:
        return set()
    assigned = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            assigned.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            assigned.add(node.name)
    return assigned


def known_names() -> set[str]:
    """What an expression may name besides task data: the builtins scripts get and the default helpers."""
    return {*ALLOWED_BUILTINS, *(helper.name for helper in HELPERS)}


_INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
            "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
            "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor}


def _savable(name: str, value) -> bool:
    """Whether `value` can go into task data: it must survive JSON, as forms and storage need. Refuses, with
    `ScriptTooBig`, a value too deep or too large to be stored (its name said, for the incident)."""
    if depth_of(value) > MAX_DEPTH:
        raise ScriptTooBig(too_deep_message(f'the variable "{name}" the script made'))
    if (size := written_length(value)) > MAX_LENGTH:
        raise ScriptTooBig(f'the variable "{name}" the script made is {size:,} characters or more written out; '
                           f"at most {MAX_LENGTH:,} can be stored")
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _checked_getattr(target, name, *default):
    """RestrictedPython's getattr, with the methods that can build much from little checked (str.ljust, ...)."""
    value = safer_getattr(target, name, *default)
    if type(target) in _CHECKED_KINDS:
        return checked_method(target, name) or value
    if isinstance(target, type):
        return checked_unbound(target, name) or value
    return value


_CHECKED_KINDS = (str, bytes, list)


def _inplace(symbol, target, value):
    if symbol.rstrip("=") in CHECKED_OPERATORS:
        return binary_op(symbol, target, value)
    return _INPLACE[symbol](target, value)


_MISSING = object()


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Runs scripts and expressions for SpiffWorkflow inside the sandbox.

    `helpers` (declared `Helper`s, or name -> object) are added to `engine.helpers.HELPERS`; task data
    with the same name hides a helper, as a local variable would. `time_limit` is in seconds, per run.
    """

    def __init__(self, helpers: Mapping[str, object] | tuple[Helper, ...] | None = None, time_limit: float = 2.0):
        declared = helpers if isinstance(helpers, tuple) else tuple(
            Helper(name, name, "", value=value) for name, value in (helpers or {}).items())
        self.helpers = tuple(by_name([*HELPERS, *declared]).values())
        super().__init__(fixed_values(self.helpers))
        self.time_limit = time_limit

    def evaluate(self, expression, context, external_context=None):
        code = self._compiled(expression.strip(), "eval")
        # A copy, so that an expression cannot change the data it reads.
        namespace = self._namespace(copy.deepcopy(context), copy.deepcopy(external_context or {}))
        return self._run(code, namespace)

    def execute(self, script, context, external_context=None):
        code = self._compiled(script, "exec")
        external_context = external_context or {}
        namespace = self._namespace(copy.deepcopy(context), external_context)
        self._run(code, namespace)
        self._write_back(namespace, context, {**self.globals, **external_context})
        return True

    def _compiled(self, source, mode):
        code, problems = _compile(source, mode)
        if problems:
            raise ScriptNotAllowed(list(problems))
        return code

    def _namespace(self, data, external_context):
        return {
            "__builtins__": ALLOWED_BUILTINS,
            "_getattr_": _checked_getattr,        # attribute names are constants: the policy sees them all
            "_getitem_": operator.getitem,
            "_getiter_": iter,
            "_write_": full_write_guard,          # dicts and lists of task data may change
            "_inplacevar_": _inplace,
            "_binop_": binary_op,
            "_format_": checked_format,
            "_fvalue_": checked_fstring_value,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_print_": DISCARDED_PRINT,           # print() works; the output goes nowhere (not even made)
            **self.globals,
            **external_context,
            **step_values(self.helpers, data),   # value_of: it reads the step's data as it came
            **data,
        }

    def _run(self, code, namespace):
        """Evaluate `code` in `namespace`, raising ScriptTimeout once past the time limit."""
        deadline = time.monotonic() + self.time_limit
        memory = MemoryWatch()

        def trace_step(frame, event, arg):
            now = time.monotonic()
            if now > deadline:
                raise ScriptTimeout(f"the script ran longer than {self.time_limit:g} seconds and was stopped")
            memory.look(now)
            return trace_step

        def trace_call(frame, event, arg):
            # Only our code is traced: library code called from it stays at full speed.
            if frame.f_code.co_filename != SCRIPT_FILENAME:
                return None
            # Per instruction, not per line: `while True: pass` and a loop inside one
            # comprehension never start a new line, so 'line' events would not stop them.
            frame.f_trace_opcodes = True
            frame.f_trace_lines = False
            return trace_step

        previous = sys.gettrace()
        sys.settrace(trace_call)
        try:
            return eval(code, namespace)
        finally:
            sys.settrace(previous)

    @staticmethod
    def _write_back(namespace, context, environment):
        """Copy the script's variables into `context`: changed and new ones, and deletions."""
        updates = {}
        for name, value in namespace.items():
            if name.startswith("_") or callable(value):
                continue   # our guards, helpers, and functions the script defined
            if name in environment and name not in context and value is environment[name]:
                continue   # a data object handed in, not changed by the script
            old = context.get(name, _MISSING)
            if type(old) is type(value) and old == value:
                continue
            if _savable(name, value):   # a datetime or Decimal is a working value: it is left out
                updates[name] = value
        for name in [name for name in context if name not in namespace]:
            del context[name]
        context.update(updates)


class RestrictedScriptEngine(PythonScriptEngine):
    """The script engine every Clerkflow workflow gets: sandboxed, and errors keep their message.

    `call_service(task, operation_name, operation_params) -> str` (JSON) is supplied by the
    host and runs service-task operators.
    """

    def __init__(self, helpers: Mapping[str, object] | tuple[Helper, ...] | None = None, time_limit: float = 2.0,
                 call_service: Callable[[object, str, dict], str] | None = None):
        super().__init__(environment=RestrictedEnvironment(helpers, time_limit))
        self._call_service = call_service

    def evaluate(self, task, expression, external_context=None):
        # The library's wrapper drops the cause's message: "Error evaluating expression 'x'".
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException as err:
            err.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as err:
            raise WorkflowTaskException(f"Error evaluating expression '{expression}': {type(err).__name__}: {err}",
                                        task=task, exception=err) from err

    def execute(self, task, script, external_context=None):
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except SpiffWorkflowException as err:
            raise self.create_task_exec_exception(task, script, err)
        except Exception as err:
            raise self.create_task_exec_exception(task, script, err) from err

    def call_service(self, task, **kwargs):
        # The library's own version raises a NameError here that hides the real error.
        if self._call_service is None:
            raise WorkflowTaskException("no service operators are configured for this engine", task=task)
        try:
            return self._call_service(task, kwargs["operation_name"], kwargs["operation_params"])
        except WorkflowTaskException:
            raise
        except Exception as err:
            raise WorkflowTaskException(str(err), task=task, exception=err) from err

    def create_task_exec_exception(self, task, script, err):
        if isinstance(err, SpiffWorkflowException):
            return super().create_task_exec_exception(task, script, err)
        # The library builds "Type:" + args[0], which fails when args[0] is not text (KeyError(0)).
        line_number, error_line = self.get_error_line_number_and_content(script, err)
        return WorkflowTaskException(f"{type(err).__name__}: {err}", task=task, exception=err,
                                     line_number=line_number, error_line=error_line)

    def get_error_line_number_and_content(self, script, err):
        line_number = getattr(err, "line_number", 0) or 0
        if isinstance(err, SyntaxError):
            line_number = err.lineno or 0
        for frame in traceback.extract_tb(err.__traceback__):
            if frame.filename == SCRIPT_FILENAME:
                line_number = frame.lineno
        lines = script.splitlines()
        return line_number, lines[line_number - 1] if 0 < line_number <= len(lines) else ""
