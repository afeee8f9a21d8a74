"""How the web app is configured, in the order STYLE.md gives.

Defaults, then the `DATABASE_URL` environment variable, then every `CLERKFLOW_*` variable
(`CLERKFLOW_SECRET_KEY` -> `SECRET_KEY`, ...), then the overrides a test passes in. Without
any of them the database is the SQLite file under the instance folder. The secret key is never
in the code: outside production a random one is made once and kept in `instance/secret_key`.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from engine.config import database_url

DEFAULTS: dict[str, Any] = {
    "ENV": "development",                       # CLERKFLOW_ENV=production refuses to run without a secret key
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # None: the session cookie is Secure exactly when the request came over HTTPS (directly, or through a trusted
    # proxy's X-Forwarded-Proto), so plain-HTTP localhost still signs in. true/false forces it (web/https.py).
    "SESSION_COOKIE_SECURE": None,
    # Strict-Transport-Security on HTTPS answers only: seconds (0: not sent), and whether it covers subdomains.
    "HSTS_MAX_AGE": 365 * 24 * 60 * 60,
    "HSTS_INCLUDE_SUBDOMAINS": False,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    # File store (web/filestore.py): CLERKFLOW_FILES_DIR (default: files/ in the instance folder) and the
    # largest file kept. A whole upload may be a little larger than one file, for the form's other fields.
    "FILES_DIR": None,
    "MAX_FILE_BYTES": 10 * 1024 * 1024,
    "MAX_CONTENT_LENGTH": 11 * 1024 * 1024,
    # Mail (web/mail, docs/mail.md): with no CLERKFLOW_SMTP_HOST mail is queued in the outbox but not sent.
    "SMTP_HOST": "",
    "SMTP_PORT": None,                          # default: 465 for ssl, 587 for starttls, 25 for none
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_SECURITY": "starttls",                # none, starttls or ssl
    "SMTP_FROM": "",                            # e.g. "City Clerk <clerk@city.example>"
    "SMTP_TIMEOUT": 30,                         # seconds
    "PUBLIC_BASE_URL": "",                      # e.g. https://records.city.example, for links in mails
    "MAIL_DIGEST_HOUR": 7,                      # city time: when the daily digest of open tasks goes out
    "MAIL_MAX_ATTEMPTS": 10,                    # then a mail is marked failed (clerkflow mail retry re-queues)
    # The letterhead of letters as PDF (web/letter_pdf.py): the city's name and postal address.
    "LETTERHEAD_CITY": "",
    "LETTERHEAD_ADDRESS": "",                   # lines separated by "\n" or ";"
    # Failed sign-ins allowed in SIGN_IN_WINDOW_MINUTES, for one username and from one address; what happens past
    # them is web.throttle.sign_in_wait. An address an account signed in from stays known for SIGN_IN_KNOWN_ADDRESS_DAYS.
    "SIGN_IN_FAILURES_PER_ACCOUNT": 10,
    "SIGN_IN_FAILURES_PER_ADDRESS": 30,
    "SIGN_IN_WINDOW_MINUTES": 15,
    "SIGN_IN_KNOWN_ADDRESS_DAYS": 90,
}
SECRET_KEY_FILE = "secret_key"


def configure(app: Flask, overrides: dict[str, Any] | None) -> None:
    app.config.update(DEFAULTS)
    if os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = database_url()   # normalizes postgres:// to the psycopg driver
    app.config.from_prefixed_env("CLERKFLOW")
    app.config.update(overrides or {})
    if not app.config.get("DATABASE_URL"):
        # Only now, so that a test's database never creates ./instance/clerkflow.db as a side effect.
        app.config["DATABASE_URL"] = database_url()
    url = app.config["DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    # hide_parameters: a database error's message (logged with a 500's traceback) never carries the values
    # of the statement, which may be a requester's name, address or e-mail address (docs/reliability.md).
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                          {"connect_args": {"timeout": 30}, "hide_parameters": True} if url.startswith("sqlite")
                          else {"pool_pre_ping": True, "hide_parameters": True})
    app.config["SECRET_KEY"] = _secret_key(app)


def _secret_key(app: Flask) -> str | bytes:
    key = app.config.get("SECRET_KEY")
    if key:
        return key if isinstance(key, (str, bytes)) else str(key)   # from_prefixed_env parses "123" as a number
    if app.config.get("ENV") == "production":
        raise RuntimeError("CLERKFLOW_SECRET_KEY is not set. In production every web worker must share one "
                           "secret key; set it in the environment.")
    return load_or_create_secret_key(Path(app.instance_path) / SECRET_KEY_FILE)


def load_or_create_secret_key(path: Path) -> str:
    """The key kept in `path` (mode 600), made the first time so sessions survive restarts."""
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:     # another worker made it first: use theirs
        return _read_key(path)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty; delete it to have a new secret key made.")
    return key
