"""The mail settings in force (docs/mail.md, "Setting the mail server"): the environment's when it names a server
(CLERKFLOW_SMTP_HOST; web/config.py), else the server an administrator set on the Settings page
(`mail_server`). Digest hour, tries and timeout always come from the config.

The page's password is kept only as a Fernet token under a key derived from the app's SECRET_KEY, so
the database alone does not give it away. When the secret key changes the token can no longer be read:
the password counts as absent and the page asks for it again.
"""
from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, replace
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

from engine import ClerkflowError
from web.models_mail import MAIL_SERVER_ROW, MailServer

SECURITY_CHOICES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
FROM_ENVIRONMENT, FROM_SETTINGS_PAGE = "environment", "settings page"
# HKDF's "info": a key made from the secret key for this one use, unlike the session's signing key.
PASSWORD_KEY_PURPOSE = b"clerkflow mail_server.password_encrypted"


class MailSettingsInvalid(ClerkflowError):
    """A CLERKFLOW_SMTP_* setting cannot be used; the message names it."""


@dataclass(frozen=True)
class MailSettings:
    host: str = ""
    port: int = 587
    username: str = ""
    password: str = ""
    security: str = "starttls"
    sender: str = ""
    timeout: float = 30.0
    public_base_url: str = ""
    digest_hour: int = 7
    max_attempts: int = 10
    source: str = ""                    # FROM_ENVIRONMENT, FROM_SETTINGS_PAGE, or "" when nothing is set
    password_unreadable: bool = False   # the page's password was stored under another secret key

    @property
    def configured(self) -> bool:
        """Whether mail is sent at all (without a host it waits in the outbox)."""
        return bool(self.host)

    @property
    def sender_domain(self) -> str:
        return parseaddr(self.sender)[1].rpartition("@")[2] or "localhost"

    def link(self, path: str) -> str:
        """An absolute link to `path` on the public site (just the path when no base URL is set)."""
        return f"{self.public_base_url}{path}"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        # from_prefixed_env parses values as JSON, so a password "1234" arrives as a number: make text of it.
        security = str(config.get("SMTP_SECURITY") or "starttls").strip().lower()
        if security not in SECURITY_CHOICES:
            raise MailSettingsInvalid(f'CLERKFLOW_SMTP_SECURITY is "{security}"; use one of '
                                      f'{", ".join(SECURITY_CHOICES)}.')
        host = str(config.get("SMTP_HOST") or "").strip()
        sender = str(config.get("SMTP_FROM") or "").strip()
        if host and not valid_sender(sender):
            raise MailSettingsInvalid("Set CLERKFLOW_SMTP_FROM to the address mail is sent from, e.g. "
                                      '"City Clerk <clerk@city.example>".')
        return cls(host=host, port=_whole_number(config, "SMTP_PORT", DEFAULT_PORTS[security]),
                   username=str(config.get("SMTP_USERNAME") or ""), password=str(config.get("SMTP_PASSWORD") or ""),
                   security=security, sender=sender, timeout=float(_whole_number(config, "SMTP_TIMEOUT", 30)),
                   public_base_url=str(config.get("PUBLIC_BASE_URL") or "").strip().rstrip("/"),
                   digest_hour=min(23, max(0, _whole_number(config, "MAIL_DIGEST_HOUR", 7))),
                   max_attempts=max(1, _whole_number(config, "MAIL_MAX_ATTEMPTS", 10)))


def environment_sets_server(config: Mapping[str, Any]) -> bool:
    """Whether CLERKFLOW_SMTP_HOST is set: then the environment's settings are in force, all of them."""
    return bool(str(config.get("SMTP_HOST") or "").strip())


def mail_settings(config: Mapping[str, Any], session: Session) -> MailSettings:
    """The mail settings in force: the environment's when it names a host, else the Settings page's row.

    A bad environment setting raises MailSettingsInvalid; the page's row was checked when it was saved."""
    if environment_sets_server(config):
        return replace(MailSettings.from_config(config), source=FROM_ENVIRONMENT)
    row = session.get(MailServer, MAIL_SERVER_ROW)
    if row is None:
        return MailSettings.from_config(config)
    password = decrypt_password(row.password_encrypted, config["SECRET_KEY"])
    settings = MailSettings.from_config({
        **config, "SMTP_HOST": row.host, "SMTP_PORT": row.port, "SMTP_SECURITY": row.security,
        "SMTP_USERNAME": row.username, "SMTP_PASSWORD": password or "", "SMTP_FROM": row.sender,
        "PUBLIC_BASE_URL": row.public_base_url or config.get("PUBLIC_BASE_URL")})
    return replace(settings, source=FROM_SETTINGS_PAGE,
                   password_unreadable=bool(row.password_encrypted) and password is None)


def _password_cipher(secret_key: str | bytes) -> Fernet:
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PASSWORD_KEY_PURPOSE).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_password(password: str, secret_key: str | bytes) -> str:
    """The password as a Fernet token (text) under a key derived from `secret_key` (the app's SECRET_KEY)."""
    return _password_cipher(secret_key).encrypt(password.encode()).decode("ascii")


def decrypt_password(token: str | None, secret_key: str | bytes) -> str | None:
    """The password in `token`; "" when none is stored, None when it cannot be read (another secret key)."""
    if not token:
        return ""
    try:
        return _password_cipher(secret_key).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        return None


def _whole_number(config: Mapping[str, Any], name: str, default: int) -> int:
    value = config.get(name)
    if value is None or value == "":
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise MailSettingsInvalid(f'CLERKFLOW_{name} is "{value}"; it must be a whole number.') from None


def valid_sender(sender: str) -> bool:
    """Whether `sender` is one line naming one address, e.g. "City Clerk <clerk@city.example>"."""
    if not sender or "\n" in sender or "\r" in sender:
        return False
    address = parseaddr(sender)[1]
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError):
        return False
    return "@" in address
