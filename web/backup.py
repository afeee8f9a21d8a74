"""Backing up and restoring an installation: the database and the file store together, while the app runs
(issue 14; docs/operations.md "Backup and restore").

The database is copied first (SQLite: sqlite3's online backup API, one consistent snapshot even while the
web app and the scheduler write; PostgreSQL: `pg_dump`), then the file store. Stored files are named by the
sha256 of their bytes, written under a temporary name and renamed, and never changed or deleted
(web/filestore.py), so every file the copied database names was already in the store when the database
was copied and is still there when the store is copied after it. The backup checks that, and writes
`manifest.json`: when, counts of instances and files, and the sha256 of every file in the backup.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from engine import ClerkflowError, clock

MANIFEST = "manifest.json"
DATABASE_FILE = "clerkflow.db"             # the name `clerkflow` gives the SQLite file in the instance folder
POSTGRES_DUMP = "clerkflow.pgdump"
FILES = "files"
SECRET_KEY_FILE = "secret_key"             # web/config.py: sessions, and the mail password's encryption
# The tables that name stored files by their sha256.
FILE_COLUMNS = (("request_attachment", "sha256"), ("records_download", "sha256"))


@dataclass(frozen=True)
class Manifest:
    created_at: str
    database: str                  # "sqlite" or "postgresql"
    instances: int | None          # None for PostgreSQL (counted by pg_restore, not here)
    files: int
    checksums: dict[str, str]      # path in the backup -> sha256

    def as_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True) + "\n"


def back_up(database_url: str, files_dir: Path, destination: Path, *, instance_dir: Path | None = None) -> Manifest:
    """Copy the database, then the file store, into the new folder `destination`; write and return its manifest."""
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise ClerkflowError(f"{destination} is not empty; back up into a new folder.")
    destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    url = make_url(database_url)
    created_at = clock.now().isoformat(timespec="seconds")
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(Path(url.database), destination / DATABASE_FILE)
        kind = "sqlite"
    else:
        _dump_postgres(url, destination / POSTGRES_DUMP)
        kind = "postgresql"
    checksums = {}
    for source in sorted(_stored_files(Path(files_dir))):
        relative = source.relative_to(files_dir)
        target = destination / FILES / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        digest = _sha256_of(target)
        if digest != source.name:
            raise ClerkflowError(f"The stored file {source} does not hold the bytes its name says (sha256 {digest}); "
                                 "the file store is damaged there. Restore that file from an older backup.")
        checksums[f"{FILES}/{relative.as_posix()}"] = digest
    if instance_dir is not None and (Path(instance_dir) / SECRET_KEY_FILE).is_file():
        shutil.copyfile(Path(instance_dir) / SECRET_KEY_FILE, destination / SECRET_KEY_FILE)
        os.chmod(destination / SECRET_KEY_FILE, 0o600)
    instances = None
    if kind == "sqlite":
        instances, named = _instances_and_named_files(destination / DATABASE_FILE)
        missing = sorted(named - {Path(path).name for path in checksums})
        if missing:
            raise ClerkflowError("The database names files the file store does not have; the backup is incomplete.",
                                 details=missing[:20])
    for name in (DATABASE_FILE, POSTGRES_DUMP, SECRET_KEY_FILE):
        if (destination / name).exists():
            checksums[name] = _sha256_of(destination / name)
    manifest = Manifest(created_at, kind, instances, sum(1 for path in checksums if path.startswith(FILES + "/")),
                        dict(sorted(checksums.items())))
    (destination / MANIFEST).write_text(manifest.as_json())
    return manifest


def restore(backup_dir: Path, instance_dir: Path) -> Manifest:
    """Check a SQLite backup against its manifest and copy it into the new instance folder `instance_dir`."""
    backup_dir, instance_dir = Path(backup_dir), Path(instance_dir)
    manifest = read_manifest(backup_dir)
    if manifest.database != "sqlite":
        raise ClerkflowError("This is a PostgreSQL backup: restore it with pg_restore (docs/operations.md, "
                             "\"Backup and restore\"), then copy its files/ folder into the file store.")
    damaged = [path for path, digest in manifest.checksums.items()
               if not (backup_dir / path).is_file() or _sha256_of(backup_dir / path) != digest]
    if damaged:
        raise ClerkflowError(f"The backup in {backup_dir} is damaged: these files are missing or changed.",
                             details=damaged[:20])
    if (instance_dir / DATABASE_FILE).exists() or (instance_dir / FILES).exists():
        raise ClerkflowError(f"{instance_dir} already holds a database or a file store; restore into a new folder.")
    instance_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in manifest.checksums:
        target = instance_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(backup_dir / path, target)
    if (instance_dir / SECRET_KEY_FILE).exists():
        os.chmod(instance_dir / SECRET_KEY_FILE, 0o600)
    return manifest


def read_manifest(backup_dir: Path) -> Manifest:
    try:
        fields = json.loads((Path(backup_dir) / MANIFEST).read_text())
    except FileNotFoundError:
        raise ClerkflowError(f"{backup_dir} has no {MANIFEST}: it is not a Clerkflow backup.") from None
    return Manifest(**fields)


def _copy_sqlite(source: Path, target: Path) -> None:
    if not source.is_file():
        raise ClerkflowError(f"There is no database at {source}.")
    live = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(target)
    try:
        live.backup(copy)      # all pages in one step: one consistent snapshot, whatever writes meanwhile
    finally:
        copy.close()
        live.close()


def _dump_postgres(url, target: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise ClerkflowError("pg_dump is not installed; install the PostgreSQL client tools to back up PostgreSQL.")
    plain = url.set(drivername="postgresql")
    environment = {**os.environ, "PGPASSWORD": plain.password or ""}
    command = ["pg_dump", "--format=custom", "--file", str(target),
               plain.set(password=None).render_as_string(hide_password=False)]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ClerkflowError(f"pg_dump failed: {result.stderr.strip()}")


def _stored_files(files_dir: Path):
    """The store's files (`ab/ab12...`), never a temporary `.upload-*` being written."""
    if not files_dir.is_dir():
        return
    for folder in files_dir.iterdir():
        if folder.is_dir() and len(folder.name) == 2:
            yield from (path for path in folder.iterdir() if path.is_file() and not path.name.startswith("."))


def _instances_and_named_files(database: Path) -> tuple[int, set[str]]:
    connection = sqlite3.connect(database)
    try:
        instances = connection.execute("SELECT count(*) FROM process_instance").fetchone()[0]
        named = set()
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table, column in FILE_COLUMNS:
            if table in tables:
                named |= {row[0] for row in connection.execute(f"SELECT DISTINCT {column} FROM {table}")}
        return instances, named
    finally:
        connection.close()


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
