"""Hostile uploads (issue 14, "Prove it"): a wrong type behind a right extension, a file over the limit,
a name that tries to leave the store, and a zip bomb dressed as a spreadsheet are all refused cleanly
or kept harmlessly, through every route that takes files (request.files): a task's attachments, a
task form's file field, and the API's attachments."""
from __future__ import annotations

import hashlib
import html
import io
import re
import struct
import zipfile

import pytest

from records_office import REQUEST
from web.api import create_api_token
from web.models import StaffAccount, db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"This program cannot be run"
HTML_PAGE = b"<html><body><script>alert('renamed')</script></body></html>"
CUSTODIAN = "custodian:city_clerk"


@pytest.fixture
def store_dir(app, tmp_path):
    folder = tmp_path / "store"
    app.config["FILES_DIR"] = str(folder)
    return folder


@pytest.fixture
def task_page(login_as, client, review_request, store_dir):
    login_as("custodian")
    return f"/inbox/tasks/{review_request.task_id}"


@pytest.fixture
def attach(client, task_page, csrf_token):
    def post(*files: tuple[bytes, str]):
        return client.post(f"{task_page}/attachments", content_type="multipart/form-data",
                           data={"file": [(io.BytesIO(content), name) for content, name in files],
                                 "csrf_token": csrf_token(client, task_page)})
    return post


def stored_files(folder) -> list:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def assert_only_hashed_files_in(folder) -> None:
    """Every file the store holds is <root>/<2 hex>/<sha256 of its bytes>, and nothing else is there."""
    for path in stored_files(folder):
        assert path.parent.parent == folder, path
        assert path.name == hashlib.sha256(path.read_bytes()).hexdigest(), path


def office_document(folder: str, *, extra: dict[str, bytes] | None = None, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}workbook.xml", "<workbook/>")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def declaring_huge_sizes(content: bytes) -> bytes:
    """The zip with every entry claiming 4 GB uncompressed, in its local and central headers alike."""
    patched = bytearray(content)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = patched.find(signature)
        while start != -1:
            patched[start + offset:start + offset + 4] = struct.pack("<I", 0xFFFFFFFE)
            start = patched.find(signature, start + 4)
    return bytes(patched)


@pytest.fixture
def never_unzipped(monkeypatch):
    """Fail the test if anything reads an entry of a zip (a bomb expands only when read)."""
    opened = zipfile.ZipFile.open

    def open_for_writing_only(archive, name, mode="r", *args, **kwargs):
        assert mode == "w", "an uploaded zip was decompressed"
        return opened(archive, name, mode, *args, **kwargs)
    monkeypatch.setattr(zipfile.ZipFile, "open", open_for_writing_only)   # read and extract go through open


# -- a wrong type behind a right extension --------------------------------------------------------

@pytest.mark.parametrize("content, name", [
    (EXECUTABLE, "invoice.pdf"), (HTML_PAGE, "invoice.pdf"), (EXECUTABLE, "scan.png"), (HTML_PAGE, "photo.jpg"),
    (EXECUTABLE, "letter.docx"), (HTML_PAGE, "budget.xlsx"), (EXECUTABLE, "notes.txt"),
])
def test_renamed_program_or_page_is_refused_with_a_message_and_nothing_is_stored(attach, client, task_page, store_dir,
                                                                                 content, name):
    response = attach((content, name))
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert f'"{name}" does not contain what its name says' in page and "Nothing was attached." in page
    assert stored_files(store_dir) == []
    assert "attachments/1" not in client.get(task_page).get_data(as_text=True)


@pytest.mark.parametrize("name", ["page.html", "page.htm", "script.js", "image.svg", "setup.exe", "run.sh"])
def test_a_type_the_office_does_not_keep_is_refused_whatever_its_content(attach, store_dir, name):
    response = attach((PDF, name))
    assert response.status_code == 422
    assert "is not a type Clerkflow keeps" in html.unescape(response.get_data(as_text=True))
    assert stored_files(store_dir) == []


def test_one_bad_file_among_good_ones_attaches_none(attach, store_dir):
    response = attach((PDF, "minutes.pdf"), (EXECUTABLE, "minutes2.pdf"))
    assert response.status_code == 422
    assert stored_files(store_dir) in ([], [store_dir / hashlib.sha256(PDF).hexdigest()[:2] /
                                            hashlib.sha256(PDF).hexdigest()])   # kept bytes, but attached nowhere


# -- oversized files ------------------------------------------------------------------------------

def test_upload_over_the_request_limit_is_a_413_page_and_nothing_is_stored(app, attach, store_dir):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = attach((PDF + b" " * 8192, "huge.pdf"))
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "larger than Clerkflow accepts" in page and "Traceback" not in page
    assert stored_files(store_dir) == []


def test_file_over_the_file_limit_is_refused_beside_its_name_and_nothing_is_stored(app, attach, store_dir):
    app.config["MAX_FILE_BYTES"] = 1024
    response = attach((PDF + b" " * 2048, "big.pdf"))
    assert response.status_code == 422
    assert '"big.pdf" is larger than the 1 KB a file may be' in html.unescape(response.get_data(as_text=True))
    assert stored_files(store_dir) == []


# -- names that try to leave the store ------------------------------------------------------------

HOSTILE_NAMES = [
    ("../../../../etc/cron.d/evil.pdf", "evil.pdf"),
    ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
    ("/etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\Public\\evil.pdf", "evil.pdf"),
    ("minutes\x00.exe.pdf", "minutes.exe.pdf"),
    ("\x1b[31mred\x7f.pdf", "[31mred.pdf"),
    ("<img src=x onerror=alert(1)>.pdf", "<img src=x onerror=alert(1)>.pdf"),
]


@pytest.mark.parametrize("sent, kept", HOSTILE_NAMES)
def test_hostile_name_is_kept_only_as_a_name_shown_escaped(attach, client, task_page, store_dir, tmp_path, sent, kept):
    response = attach((PDF, sent))
    assert response.status_code == 302, response.get_data(as_text=True)
    digest = hashlib.sha256(PDF).hexdigest()
    assert stored_files(store_dir) == [store_dir / digest[:2] / digest]
    assert_only_hashed_files_in(store_dir)
    assert not (tmp_path / "etc").exists() and not (store_dir.parent / "passwd.pdf").exists()
    page = client.get(task_page).get_data(as_text=True)
    assert html.escape(kept, quote=False) in page or html.escape(kept) in page
    assert "<img src=x onerror" not in page
    download = client.get(f"{task_page}/attachments/1")
    assert download.status_code == 200 and download.data == PDF
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "/" not in disposition and "\\" not in disposition
    assert "\x00" not in disposition and "\r" not in disposition and "\n" not in disposition
    download.close()


def test_very_long_name_is_shortened_and_keeps_its_type(attach, client, task_page, store_dir):
    response = attach((PDF, "a" * 5000 + ".pdf"))
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[:2000]
    page = client.get(task_page).get_data(as_text=True)
    shown = set(re.findall(r"a+\.pdf", page))
    assert shown and all(len(name) <= 255 for name in shown)
    assert_only_hashed_files_in(store_dir)


def test_name_that_is_only_folders_is_refused_without_storing(attach, store_dir):
    response = attach((PDF, "../../"))
    assert response.status_code == 422
    assert "has no name Clerkflow can keep" in html.unescape(response.get_data(as_text=True))
    assert stored_files(store_dir) == []


# -- zip bombs in office documents ----------------------------------------------------------------
# The store checks an office document by the names in the zip's central directory (is there a
# [Content_Types].xml and an xl/ entry?) and never reads an entry, so a bomb is kept as the bytes it
# was uploaded as and never expanded. Downloading hands the same bytes back.

def test_xlsx_zip_bomb_is_stored_as_bytes_and_never_expanded(attach, client, task_page, store_dir, never_unzipped):
    bomb = office_document("xl/", extra={"xl/worksheets/sheet1.xml": b"\x00" * (64 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024          # 64 MB of zeros in well under 200 KB
    response = attach((bomb, "budget.xlsx"))
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[:2000]
    [kept] = stored_files(store_dir)
    assert kept.stat().st_size == len(bomb)
    download = client.get(f"{task_page}/attachments/1")
    assert download.data == bomb
    download.close()


def test_xlsx_declaring_a_huge_uncompressed_size_is_stored_as_bytes_and_never_expanded(attach, store_dir,
                                                                                       never_unzipped):
    bomb = declaring_huge_sizes(office_document("xl/"))
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert all(entry.file_size == 0xFFFFFFFE for entry in archive.infolist())
    assert attach((bomb, "budget.xlsx")).status_code == 302
    [kept] = stored_files(store_dir)
    assert kept.read_bytes() == bomb


def test_docx_with_many_entries_is_checked_by_its_directory_alone(attach, store_dir, never_unzipped):
    many = office_document("word/", extra={f"word/media/{number}.bin": b"" for number in range(3_000)},
                           compression=zipfile.ZIP_STORED)
    assert len(many) < 500 * 1024       # the test client spools bigger bodies to a file it never closes
    assert attach((many, "report.docx")).status_code == 302
    assert len(stored_files(store_dir)) == 1


def test_zip_that_is_not_an_office_document_is_refused(attach, store_dir, never_unzipped):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", EXECUTABLE)
    response = attach((buffer.getvalue(), "budget.xlsx"))
    assert response.status_code == 422 and stored_files(store_dir) == []


# -- the other routes that take files -------------------------------------------------------------

def task_of(engine, bpmn_id):
    [task] = [task for task in engine.list_tasks() if task.bpmn_id == bpmn_id]
    return task


@pytest.fixture
def provide_records_page(portal, client, csrf_token, login_as, store_dir, review_week):
    """A records request filed on the portal and worked to "Provide the records" (its form takes files)."""
    assert client.post("/request", data={**REQUEST, "csrf_token": csrf_token(client, "/request")}).status_code == 302
    for bpmn_id, values in (("review_request", {"holds_record": True, "description_sufficient": True}),
                            ("estimate_fees", {"search_hours": [], "pages": 0}),
                            ("check_personal_privacy", {"personal_information": False}),
                            ("decide_request", {"decision": "grant"}),
                            ("prepare_records", {"delivery_method": "inspection"})):
        portal.complete_task(task_of(portal, bpmn_id).task_id, values, actor="custodian")
    login_as(CUSTODIAN, username="jo")
    return f"/inbox/tasks/{task_of(portal, 'provide_records').task_id}"


@pytest.mark.parametrize("content, name, says", [
    (EXECUTABLE, "minutes.pdf", "does not contain what its name says"),
    (PDF, "minutes.html", "is not a type Clerkflow keeps"),
])
def test_task_form_file_field_refuses_a_renamed_file_beside_the_field(provide_records_page, client, csrf_token,
                                                                      store_dir, portal, content, name, says):
    response = client.post(f"{provide_records_page}/complete", content_type="multipart/form-data", data={
        "provided_on": "2026-11-23", "supervised_by": "Jo Records", "released_records": [(io.BytesIO(content), name)],
        "csrf_token": csrf_token(client, provide_records_page)})
    assert response.status_code == 422
    assert says in html.unescape(response.get_data(as_text=True))
    assert stored_files(store_dir) == []
    assert task_of(portal, "provide_records")         # still open


def test_task_form_file_field_keeps_a_hostile_name_only_as_a_name(provide_records_page, client, csrf_token,
                                                                  store_dir, tmp_path):
    response = client.post(f"{provide_records_page}/complete", content_type="multipart/form-data", data={
        "provided_on": "2026-11-23", "supervised_by": "Jo Records",
        "released_records": [(io.BytesIO(PDF), "../../../<b>x</b>.pdf")],
        "csrf_token": csrf_token(client, provide_records_page)})
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[:2000]
    assert_only_hashed_files_in(store_dir)
    assert len(stored_files(store_dir)) == 1 and not (tmp_path / "<b>x</b>.pdf").exists()


@pytest.fixture
def api_token(app, make_staff):
    make_staff("integration", "custodian")
    with app.app_context():
        account = db.session.query(StaffAccount).filter_by(username="integration").one()
        return create_api_token(account, "integration")


def api_attach(client, token, task_id, content, name, key):
    return client.post(f"/api/tasks/{task_id}/attachments", content_type="multipart/form-data",
                       headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                       data={"file": [(io.BytesIO(content), name)]})


def test_api_refuses_a_renamed_program_as_json_and_stores_nothing(client, review_request, api_token, store_dir):
    response = api_attach(client, api_token, review_request.task_id, EXECUTABLE, "invoice.pdf", "k1")
    assert response.status_code == 422 and response.is_json
    assert "does not contain what its name says" in response.get_json()["error"]["fields"]["file"]
    assert stored_files(store_dir) == []


def test_api_keeps_a_hostile_name_only_as_a_name(client, review_request, api_token, store_dir, tmp_path):
    response = api_attach(client, api_token, review_request.task_id, PDF, "../../../etc/evil.pdf", "k2")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["items"][0]["filename"] == "evil.pdf"
    assert_only_hashed_files_in(store_dir)
    assert not (tmp_path / "etc").exists()
