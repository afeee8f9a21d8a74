"""The file store: files named by the sha256 of their bytes, kept once, written whole, and only of
the types the office accepts (checked by their first bytes as well as their name)."""
from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from web.filestore import FileRefused, FileStore, clean_filename, human_size

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20


def office_document(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<document/>")
    return buffer.getvalue()


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "files", max_bytes=1024)


def test_file_is_named_by_the_sha256_of_its_bytes(store):
    stored = store.store(PDF, "minutes.pdf")
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (stored.filename, stored.content_type, stored.size) == ("minutes.pdf", "application/pdf", len(PDF))
    with store.open(stored.sha256) as content:
        assert content.read() == PDF


def test_same_file_uploaded_twice_is_stored_once(store, tmp_path):
    first = store.store(PDF, "minutes.pdf")
    second = store.store(io.BytesIO(PDF), "copy of minutes.pdf")
    assert first.sha256 == second.sha256 and second.filename == "copy of minutes.pdf"
    assert [path.name for path in (tmp_path / "files").rglob("*") if path.is_file()] == [first.sha256]


def test_no_temporary_file_is_left_behind(store, tmp_path):
    store.store(PDF, "minutes.pdf")
    assert not [path for path in (tmp_path / "files").rglob(".upload-*")]


@pytest.mark.parametrize("filename, content, content_type", [
    ("scan.PNG", PNG, "image/png"),
    ("photo.jpeg", JPEG, "image/jpeg"),
    ("notes.txt", "Grüße aus dem Rathaus\n".encode(), "text/plain"),
    ("fees.csv", b"employee,hours\r\nOrtiz,1.5\r\n", "text/csv"),
    ("latin1.csv", b"caf\xe9,1\n", "text/csv"),
    ("letter.docx", office_document("word/"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("fees.xlsx", office_document("xl/"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "application/msword"),
])
def test_allowed_types_are_accepted(store, filename, content, content_type):
    assert store.store(content, filename).content_type == content_type


@pytest.mark.parametrize("filename, content, says", [
    ("setup.exe", b"MZ\x90\x00", "is not a type Clerkflow keeps"),
    ("page.html", b"<script>alert(1)</script>", "is not a type Clerkflow keeps"),
    ("invoice.pdf", b"MZ\x90\x00 a renamed program", "does not contain what its name says (.pdf)"),
    ("photo.png", JPEG, "does not contain what its name says (.png)"),
    ("letter.docx", b"PK\x03\x04 not really a zip", "does not contain what its name says (.docx)"),
    ("fees.xlsx", office_document("word/"), "does not contain what its name says (.xlsx)"),
    ("notes.txt", b"\x00\x01\x02binary", "does not contain what its name says (.txt)"),
    ("no extension", PDF, "is not a type Clerkflow keeps"),
])
def test_refused_types_say_why_and_store_nothing(store, tmp_path, filename, content, says):
    with pytest.raises(FileRefused) as refused:
        store.store(content, filename)
    assert says in refused.value.user_message
    assert not (tmp_path / "files").exists() or not any((tmp_path / "files").rglob("*"))


def test_file_over_the_size_limit_is_refused_with_the_limit_named(store):
    with pytest.raises(FileRefused) as refused:
        store.store(PDF + b" " * 2000, "big.pdf")
    assert refused.value.user_message == '"big.pdf" is larger than the 1 KB a file may be.'


def test_empty_file_is_refused(store):
    with pytest.raises(FileRefused) as refused:
        store.store(b"", "minutes.pdf")
    assert "is empty" in refused.value.user_message


@pytest.mark.parametrize("crafted", ["../../etc/passwd", "ab/../../x", "A" * 64, ""])
def test_a_crafted_name_never_reaches_outside_the_store(store, crafted):
    with pytest.raises(FileNotFoundError):
        store.open(crafted)
    assert not store.has(crafted)


def test_folders_and_control_characters_are_taken_off_a_file_name():
    assert clean_filename("C:\\Users\\clerk\\minutes.pdf") == "minutes.pdf"
    assert clean_filename("../../x\x00\n.pdf") == "x.pdf"


@pytest.mark.parametrize("size, shown", [(512, "512 bytes"), (20_480, "20 KB"), (3_500_000, "3.3 MB"),
                                         (10 * 1024 * 1024, "10 MB")])
def test_sizes_read_as_a_person_would_say_them(size, shown):
    assert human_size(size) == shown
