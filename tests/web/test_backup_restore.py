"""`clerkflow backup` copies the database and the file store consistently while the app writes, and
`clerkflow restore` makes a new instance folder the app opens with every instance and every file
(issue 14; web/backup.py, docs/operations.md "Backup and restore")."""
from __future__ import annotations

import io
import json
import sqlite3
import threading

import pytest
from conftest import PASSWORD, RECEIVED_AT

import web.backup
from web import ENGINE_EXTENSION, create_app
from web.commands import main

FILES = {"estimate.txt": b"Estimate: 3 hours of search.\n", "minutes.csv": b"date,item\n2026-01-05,budget\n",
         "letter.txt": b"Dear requester,\n"}
WAIT = 30        # seconds an Event may take before the test fails rather than hangs


@pytest.fixture(autouse=True)
def sqlite_only(database_url):
    """These restore an SQLite backup, the one `clerkflow restore` makes; a PostgreSQL backup is pg_dump's,
    restored by the documented manual steps (docs/operations.md)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("backup and restore are tested on SQLite; PostgreSQL's go through pg_dump and pg_restore")


@pytest.fixture
def office(app, process_engine, review_request, login_as, post_form):
    """Three requests, a file attached to each through the task page (one file twice), signed in as administrator."""
    client = login_as("administrator")
    tasks = [review_request] + [process_engine.start_instance(
        "request_shaped", {"received_at": RECEIVED_AT}, actor="tests", business_key=f"R-2026-02{number:02}"
    ).open_tasks[0] for number in range(2)]
    for task, (name, content) in zip(tasks, FILES.items()):
        response = post_form(client, f"/inbox/tasks/{task.task_id}/attachments",
                             {"file": [(io.BytesIO(content), name)]}, content_type="multipart/form-data")
        assert response.status_code == 302
    post_form(client, f"/inbox/tasks/{tasks[0].task_id}/attachments",
              {"file": [(io.BytesIO(FILES["letter.txt"]), "copy of letter.txt")]}, content_type="multipart/form-data")
    return tasks


def attachments_and_bytes(app) -> dict[tuple[int, str], bytes]:
    """Every attachment (instance, file name) with the bytes the app serves for it."""
    from web.filestore import file_store
    from web.models_notes import RequestAttachment, db
    with app.app_context():
        rows = db.session.scalars(db.select(RequestAttachment)).all()
        found = {}
        for row in rows:
            with file_store().open(row.sha256) as stored:
                found[(row.instance_id, row.filename)] = stored.read()
        return found


def instances(app) -> list[tuple[int, str, str]]:
    return sorted((each.instance_id, each.business_key, each.status)
                  for each in app.extensions[ENGINE_EXTENSION].list_instances(limit=1000))


def test_backup_while_the_app_writes_restores_every_instance_and_file(
        app, office, process_engine, database_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    before_instances, before_files = instances(app), attachments_and_bytes(app)
    assert len(before_instances) == 3 and len(before_files) == 4

    # A new request with a file arrives just after the database is copied and before the file store is:
    # the backup must still be whole (the new file may be in it; the database copy does not name it).
    database_copied, written = threading.Event(), threading.Event()
    copy_database = web.backup._copy_sqlite

    def copy_then_let_the_app_write(source, target):
        copy_database(source, target)
        database_copied.set()
        assert written.wait(WAIT)

    def app_writes():
        from web.filestore import file_store
        from web.models_notes import add_attachments
        assert database_copied.wait(WAIT)
        late = process_engine.start_instance("request_shaped", {"received_at": RECEIVED_AT}, actor="tests",
                                             business_key="R-2026-0299")
        with app.app_context():
            add_attachments(late.instance_id, [file_store().store(b"Arrived during the backup.\n", "late.txt")],
                            "tests")
        written.set()

    monkeypatch.setattr(web.backup, "_copy_sqlite", copy_then_let_the_app_write)
    writer = threading.Thread(target=app_writes)
    writer.start()
    backup_dir = tmp_path / "backup"
    assert main(["backup", str(backup_dir)]) == 0
    writer.join(WAIT)
    assert not writer.is_alive() and written.is_set()
    assert "3 instances, 4 files" in capsys.readouterr().out

    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["database"] == "sqlite" and manifest["instances"] == 3 and manifest["files"] == 4
    assert set(manifest["checksums"]) >= {"clerkflow.db", "secret_key"}

    restored = tmp_path / "restored"
    assert main(["restore", str(backup_dir), "--into", str(restored)]) == 0
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("CLERKFLOW_INSTANCE_DIR", str(restored))
    reopened = create_app({"TESTING": True})
    try:
        assert reopened.config["DATABASE_URL"].endswith(str(restored / "clerkflow.db"))
        assert instances(reopened) == before_instances
        assert attachments_and_bytes(reopened) == before_files
        assert reopened.secret_key == (restored / "secret_key").read_text().strip()   # sessions, the mail password
        client = reopened.test_client()                  # the restored app serves the files to its staff
        login = client.get("/login").get_data(as_text=True)
        token = login.split('name="csrf_token" value="')[1].split('"')[0]
        assert client.post("/login", data={"username": "administrator", "password": PASSWORD,
                                           "csrf_token": token}).status_code == 302
        task = office[1]
        [listed] = client.get(f"/api/tasks/{task.task_id}/attachments").get_json()["items"]
        download = client.get(f"/api/tasks/{task.task_id}/attachments/{listed['attachment_id']}")
        assert download.data == FILES["minutes.csv"]
        download.close()
    finally:
        reopened.extensions[ENGINE_EXTENSION].database.dispose()
        from web.models import db
        with reopened.app_context():
            for engine in db.engines.values():
                engine.dispose()


def test_restore_refuses_a_damaged_backup_and_an_occupied_folder(app, office, database_url, tmp_path, monkeypatch,
                                                                 capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    backup_dir = tmp_path / "backup"
    assert main(["backup", str(backup_dir)]) == 0
    assert main(["backup", str(backup_dir)]) != 0                # never over an earlier backup
    assert "not empty" in capsys.readouterr().err

    assert main(["restore", str(backup_dir), "--into", str(tmp_path / "instance")]) != 0   # the live folder
    assert "already holds a database or a file store" in capsys.readouterr().err

    stored = next((backup_dir / "files").glob("*/*"))
    stored.write_bytes(b"changed")
    assert main(["restore", str(backup_dir), "--into", str(tmp_path / "restored")]) != 0
    assert f"files/{stored.parent.name}/{stored.name}" in capsys.readouterr().err
    assert not (tmp_path / "restored").exists()


def test_a_write_under_way_while_the_database_is_copied_is_left_out_whole(app, office, database_url, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    transaction_open, backed_up = threading.Event(), threading.Event()

    def write_across_the_backup():
        live = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=WAIT, isolation_level=None)
        live.execute("BEGIN IMMEDIATE")
        live.execute("UPDATE process_instance SET business_key = 'R-HALF-DONE'")
        transaction_open.set()
        assert backed_up.wait(WAIT)
        live.execute("COMMIT")
        live.close()

    writer = threading.Thread(target=write_across_the_backup)
    writer.start()
    assert transaction_open.wait(WAIT)
    try:
        assert main(["backup", str(tmp_path / "backup")]) == 0     # not held up by the writer
    finally:
        backed_up.set()
        writer.join(WAIT)
    copy = sqlite3.connect(tmp_path / "backup" / "clerkflow.db")
    keys = sorted(key for (key,) in copy.execute("SELECT business_key FROM process_instance"))
    copy.close()
    assert keys == ["R-2026-0142", "R-2026-0200", "R-2026-0201"]
