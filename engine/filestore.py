"""Uploaded files (complaint evidence, released records, attachments to a request, data set samples): a
file store addressed by content hash, with a size limit and an allow-list of types (ARCHITECTURE.md,
"Storage"). It knows no HTTP: the web app opens it on its `FILES_DIR` (`web.filestore.file_store`), and
the engine's host hands it to the operators that read a file's bytes in a service task (a data set's
sample scanned for protected data).

A file is named by the sha256 of its bytes (`<root>/ab/abcdef...`), so the same content is kept
once however often it is uploaded, and a name can never point at different bytes. Files are
written to a temporary file in the same folder and renamed into place, so a reader never sees half
a file and two web workers storing the same bytes at once both succeed. The store keeps bytes only;
who uploaded what, under which file name, lives in the database (`web/models_notes.py`).

A file is accepted when its extension is on the allow-list AND its first bytes are what that
extension promises (a `.pdf` must start `%PDF-`), so a renamed program is refused. An office document
is checked by the names in its zip directory alone; no entry is ever decompressed, so a zip bomb is kept
as the bytes it came as and never expanded (tests/web/test_hostile_uploads.py).
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, unquote

from engine.errors import ClerkflowError

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
CHUNK = 1024 * 1024

# extension -> (content type, what its first bytes must be)
ALLOWED_TYPES: dict[str, tuple[str, str]] = {
    ".pdf": ("application/pdf", "pdf"),
    ".png": ("image/png", "png"),
    ".jpg": ("image/jpeg", "jpeg"),
    ".jpeg": ("image/jpeg", "jpeg"),
    ".txt": ("text/plain", "text"),
    ".csv": ("text/csv", "text"),
    ".json": ("application/json", "json"),
    ".geojson": ("application/geo+json", "json"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "ooxml:word/"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "ooxml:xl/"),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "ooxml:ppt/"),
    ".doc": ("application/msword", "ole2"),
    ".xls": ("application/vnd.ms-excel", "ole2"),
    ".ppt": ("application/vnd.ms-powerpoint", "ole2"),
    ".odt": ("application/vnd.oasis.opendocument.text", "odf"),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", "odf"),
}
KINDS_IN_WORDS = "PDF, PNG or JPEG images, plain text, CSV, JSON, or office documents (Word, Excel, PowerPoint, OpenDocument)"


class FileRefused(ClerkflowError):
    """The upload is empty, too large, or not a type the office accepts; nothing was stored."""

    status = 400


@dataclass(frozen=True)
class StoredFile:
    """What the store knows of one upload: the bytes' sha256 and the name and type it came with."""

    sha256: str
    filename: str
    content_type: str
    size: int        # bytes


# How a form's value names a stored file (a string, so a schema's "type": "string" holds; docs/forms.md):
#   sha256:<64 hex digits>;size=<bytes>;type=<content type>;name=<file name, percent-encoded>
REFERENCE = re.compile(r"sha256:(?P<sha256>[0-9a-f]{64});size=(?P<size>\d+);type=(?P<type>[\w.+/-]+);name=(?P<name>.*)",
                       re.DOTALL)


def file_reference(stored: StoredFile) -> str:
    """The form value that names a stored file."""
    return f"sha256:{stored.sha256};size={stored.size};type={stored.content_type};name={quote(stored.filename)}"


def parse_file_reference(text: object) -> StoredFile | None:
    """The stored file a form value names, or None when it names none."""
    found = REFERENCE.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        return None
    return StoredFile(found["sha256"], unquote(found["name"]), found["type"], int(found["size"]))


class FileStore:
    def __init__(self, root: Path | str, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES):
        self.root = Path(root)
        self.max_bytes = max_bytes

    def store(self, stream: BinaryIO | bytes, filename: str) -> StoredFile:
        """Keep the upload (once per content) after checking its size and type; `FileRefused` otherwise."""
        name = clean_filename(filename)
        content = stream if isinstance(stream, bytes) else stream.read(self.max_bytes + 1)
        if not content:
            raise FileRefused(f'"{name}" is empty; choose the file again.' if name else "Choose a file to upload.")
        if not name:   # the name was only folders ("../../") or control characters
            raise FileRefused("The file has no name Clerkflow can keep; rename it and upload it again.")
        if len(content) > self.max_bytes:
            raise FileRefused(f'"{name}" is larger than the {human_size(self.max_bytes)} a file may be.')
        content_type = accepted_type(name, content)
        sha256 = hashlib.sha256(content).hexdigest()
        target = self.path_of(sha256)
        if not target.exists():
            self._write_atomically(target, content)
        return StoredFile(sha256, name, content_type, len(content))

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes for reading; `FileNotFoundError` when the store has no such file."""
        return self.path_of(sha256).open("rb")

    def has(self, sha256: str) -> bool:
        return SHA256_HEX.fullmatch(sha256 or "") is not None and self.path_of(sha256).is_file()

    def path_of(self, sha256: str) -> Path:
        if not SHA256_HEX.fullmatch(sha256 or ""):
            raise FileNotFoundError("not a sha256")     # never let a crafted name walk out of the store
        return self.root / sha256[:2] / sha256

    def _write_atomically(self, target: Path, content: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o440)
            os.replace(temporary, target)   # atomic; a concurrent writer of the same bytes is harmless
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def accepted_type(filename: str, content: bytes) -> str:
    """The content type of an allowed file, checked against its first bytes; `FileRefused` otherwise."""
    extension = Path(filename).suffix.lower()
    if extension not in ALLOWED_TYPES:
        raise FileRefused(f'"{filename}" is not a type Clerkflow keeps. Upload {KINDS_IN_WORDS}.')
    content_type, kind = ALLOWED_TYPES[extension]
    if not _looks_like(kind, content):
        raise FileRefused(f'"{filename}" does not contain what its name says ({extension}); it may be damaged or '
                          f"renamed. Save it again in its own program and upload it once more.")
    return content_type


def _looks_like(kind: str, content: bytes) -> bool:
    if kind == "pdf":
        return content.startswith(b"%PDF-")
    if kind == "png":
        return content.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "jpeg":
        return content.startswith(b"\xff\xd8\xff")
    if kind == "ole2":
        return content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    if kind == "text":
        return _is_text(content)
    if kind == "json":      # a data set's records (GeoJSON among them): text that opens as an object or a list
        return _is_text(content) and content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")
    if kind.startswith("ooxml:"):
        names = _zip_names(content)
        return "[Content_Types].xml" in names and any(name.startswith(kind.removeprefix("ooxml:")) for name in names)
    if kind == "odf":
        return "mimetype" in _zip_names(content)
    return False


def _is_text(content: bytes) -> bool:
    """UTF-8 (or Windows-1252, as spreadsheets often save CSV) without control bytes other than tab and line ends."""
    if b"\x00" in content:
        return False
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    return not any(ord(character) < 32 and character not in "\t\r\n\f" for character in text)


def _zip_names(content: bytes) -> set[str]:
    if not content.startswith(b"PK\x03\x04"):
        return set()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return set()


MAX_FILENAME_CHARACTERS = 255      # request_attachment.filename


def clean_filename(filename: str | None) -> str:
    """The file's own name without any folder a browser sent, control characters or surrounding spaces,
    shortened to 255 characters with its extension kept (so a long name still says what the file is)."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(character for character in name if ord(character) >= 32 and character != "\x7f").strip()
    if name in (".", ".."):
        return ""
    if len(name) <= MAX_FILENAME_CHARACTERS:
        return name
    extension = Path(name).suffix[:16]
    return name[:MAX_FILENAME_CHARACTERS - len(extension)].rstrip() + extension


def human_size(size: int) -> str:
    """1234567 -> "1.2 MB", 10485760 -> "10 MB" (what file lists, fields and limits show)."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
