"""The shape a newcomer relies on (docs/architecture.md): the city's rules are pure to import."""
from __future__ import annotations

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
