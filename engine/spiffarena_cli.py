"""`clerkflow export` and `clerkflow import`: a process to and from a SpiffArena process model zip
(engine/spiffarena.py). Like `clerkflow deploy`, they run as the trusted operator on the server (the
command line holds the database itself): an import is recorded with --actor as the deployer."""
from __future__ import annotations

import argparse
from pathlib import Path

from engine.cli import CommandLine, Console, OptionInvalid, actor_of
from engine.cli_output import as_json
from engine.spiffarena import MAX_UNPACKED_BYTES, export_version, import_zip


def add_spiffarena_commands(command_line: CommandLine) -> None:
    """Add `export` and `import` to the `clerkflow` command line (an extension: engine.cli.main)."""
    sub = command_line.add("export", export, "write a deployed process (diagram, forms, decision tables) as a "
                                             "SpiffArena process model zip")
    sub.add_argument("process_key", metavar="PROCESS_KEY")
    sub.add_argument("--version", type=int, metavar="N", help="the version to export (default: the newest)")
    sub.add_argument("-o", "--output", required=True, metavar="FILE", help="the zip to write")
    sub = command_line.add("import", import_, "deploy a SpiffArena process model zip (its forms renamed to "
                                              "Clerkflow's names)", [command_line.as_json, command_line.acting])
    sub.add_argument("zip_file", metavar="FILE")


def export(console: Console, options: argparse.Namespace) -> None:
    _name, data = export_version(console.engine, options.process_key, options.version)
    output = Path(options.output)
    if not output.parent.is_dir():
        raise OptionInvalid(f"-o {options.output}: the folder {output.parent} does not exist.")
    output.write_bytes(data)
    print(f"wrote {output} ({len(data)} bytes): open it in SpiffArena as a process model")


def import_(console: Console, options: argparse.Namespace) -> None:
    path = Path(options.zip_file)
    if not path.is_file():
        raise OptionInvalid(f"{options.zip_file}: no such file.")
    if path.stat().st_size > MAX_UNPACKED_BYTES:
        raise OptionInvalid(f"{options.zip_file} is larger than a process model zip may be "
                            f"({MAX_UNPACKED_BYTES // (1024 * 1024)} MB).")
    result = import_zip(console.engine, path.read_bytes(), actor=actor_of(options))
    if options.json:
        print(as_json([result]))
        return
    verb = "deployed" if result.created else "unchanged:"
    print(f"{verb} {result.version.process_key} version {result.version.version}")
