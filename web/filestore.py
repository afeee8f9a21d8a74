"""The running app's file store: the content-addressed store of `engine.filestore` (size limit, allow-list
of types, atomic writes), opened on the app's `FILES_DIR` and `MAX_FILE_BYTES`. The names the web's modules
use are re-exported here, so a view imports its file store from one place.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from engine.filestore import (ALLOWED_TYPES, DEFAULT_MAX_FILE_BYTES, KINDS_IN_WORDS, MAX_FILENAME_CHARACTERS,
                              FileRefused, FileStore, StoredFile, accepted_type, clean_filename, human_size)

__all__ = ["ALLOWED_TYPES", "DEFAULT_MAX_FILE_BYTES", "KINDS_IN_WORDS", "MAX_FILENAME_CHARACTERS", "FileRefused",
           "FileStore", "StoredFile", "accepted_type", "clean_filename", "human_size", "file_store", "files_dir"]


def files_dir() -> Path:
    """Where the running app keeps its files: `FILES_DIR`, else `files/` in the instance folder."""
    return Path(current_app.config.get("FILES_DIR") or Path(current_app.instance_path) / "files")


def file_store() -> FileStore:
    """The running app's store, from `FILES_DIR` (default: `files/` in the instance folder) and `MAX_FILE_BYTES`."""
    return FileStore(files_dir(), max_bytes=int(current_app.config.get("MAX_FILE_BYTES") or DEFAULT_MAX_FILE_BYTES))
