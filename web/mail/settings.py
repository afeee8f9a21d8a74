"""Mail settings from the app's config (CLERKFLOW_SMTP_*, CLERKFLOW_PUBLIC_BASE_URL, ...; web/config.py)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any

from engine import ClerkflowError

SECURITY_CHOICES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


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
        if host and not _valid_sender(sender):
            raise MailSettingsInvalid("Set CLERKFLOW_SMTP_FROM to the address mail is sent from, e.g. "
                                      '"City Clerk <clerk@city.example>".')
        return cls(host=host, port=_whole_number(config, "SMTP_PORT", DEFAULT_PORTS[security]),
                   username=str(config.get("SMTP_USERNAME") or ""), password=str(config.get("SMTP_PASSWORD") or ""),
                   security=security, sender=sender, timeout=float(_whole_number(config, "SMTP_TIMEOUT", 30)),
                   public_base_url=str(config.get("PUBLIC_BASE_URL") or "").strip().rstrip("/"),
                   digest_hour=min(23, max(0, _whole_number(config, "MAIL_DIGEST_HOUR", 7))),
                   max_attempts=max(1, _whole_number(config, "MAIL_MAX_ATTEMPTS", 10)))


def _whole_number(config: Mapping[str, Any], name: str, default: int) -> int:
    value = config.get(name)
    if value is None or value == "":
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise MailSettingsInvalid(f'CLERKFLOW_{name} is "{value}"; it must be a whole number.') from None


def _valid_sender(sender: str) -> bool:
    if not sender or "\n" in sender or "\r" in sender:
        return False
    address = parseaddr(sender)[1]
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError):
        return False
    return "@" in address
