"""Fixtures of the engine tests: the `clerkflow` command line run in-process."""
from __future__ import annotations

import pytest

from web.commands import main


@pytest.fixture
def clerkflow(database_url, monkeypatch, tmp_path, capsys):
    """Run `clerkflow ARGS...` on the test's migrated database; returns (exit status, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CLERKFLOW_ACTOR", "alice")
    monkeypatch.setenv("CLERKFLOW_INSTANCE_DIR", str(tmp_path / "instance"))
    capsys.readouterr()

    def run(*argv: str) -> tuple[int, str, str]:
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err
    return run
