"""The shape a newcomer relies on (docs/architecture.md): the city's rules are pure to import, imports point
one way (web -> city -> engine), and no module imports itself through others."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RULE_MODULES = ["city.rules", *sorted(f"city.rules.{path.stem}" for path in (REPO / "city" / "rules").glob("*.py")
                                      if path.stem != "__init__")]
# What a rule may never bring in: the runtime, the web app, a database, the BPMN library.
RUNTIME = {"engine", "web", "sqlalchemy", "SpiffWorkflow", "flask", "alembic", "apscheduler", "lxml"}


@pytest.mark.parametrize("module", RULE_MODULES)
def test_a_rule_module_imports_neither_the_runtime_nor_a_database(module):
    probe = ("import json, sys, importlib; importlib.import_module(sys.argv[1]); "
             "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))")
    loaded = subprocess.run([sys.executable, "-c", probe, module], cwd=REPO, capture_output=True, text=True,
                            check=True)
    assert not set(json.loads(loaded.stdout)) & RUNTIME, f"importing {module} loads {set(json.loads(loaded.stdout)) & RUNTIME}"


# -- imports point one way (web -> city -> engine), with no cycle -----------------------------------

PACKAGES = ("engine", "city", "web")
MAY_NOT_IMPORT = {"engine": {"city", "web"}, "city": {"web"}, "web": set()}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Each module of the packages -> the modules of the packages it imports, anywhere in its code (an
    import inside a function counts: it is how a cycle hides), except under `if TYPE_CHECKING:`."""
    modules = {_module_name(path): path for package in PACKAGES for path in (REPO / package).rglob("*.py")
               if "migrations" not in path.parts}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        typing_only = {id(node) for branch in ast.walk(tree)
                       if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
                       for node in ast.walk(branch)}
        imported = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from engine import clock` imports the module engine.clock; `from engine import X` the package
                imported.update(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules
                                else node.module for alias in node.names)
        graph[name] = {target for target in map(resolve, imported) if target and target != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_no_two_modules_import_each_other_even_through_others():
    assert _cycles(_import_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_imports_point_one_way_web_city_engine():
    wrong = sorted(f"{module} imports {target}" for module, targets in _import_graph().items()
                   for target in targets if target.split(".")[0] in MAY_NOT_IMPORT[module.split(".")[0]])
    assert wrong == []


# What the web app may use of the engine: the runtime's surface (engine/__init__), how the
# database is found, the scheduler and command line it starts, the declarative base its
# tables share so that one migration history covers them, and the content-addressed file store
# the web's uploads and the city's operators both use.
ENGINE_SURFACE = {"engine", "engine.clock", "engine.config", "engine.scheduler", "engine.cli", "engine.db",
                  "engine.filestore"}


def test_web_reaches_the_engine_only_through_its_surface():
    reached = sorted(f"{module} imports {target}" for module, targets in _import_graph().items()
                     if module.split(".")[0] == "web" for target in targets
                     if target.split(".")[0] == "engine" and target not in ENGINE_SURFACE)
    assert reached == []


def test_every_operator_a_rule_module_declares_is_registered_without_a_list_to_edit():
    from city.rules import OPERATORS

    declared = {call.args[0].value       # @operator("name", ...) on a function, or operator("name", ...)(function)
                for path in (REPO / "city" / "rules").glob("*.py")
                for call in ast.walk(ast.parse(path.read_text()))
                if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "operator"
                and call.args and isinstance(call.args[0], ast.Constant)}
    assert declared and declared == set(OPERATORS)
