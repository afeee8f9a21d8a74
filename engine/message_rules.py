"""What the engine needs to know of who may deliver which message from outside, and nothing of the messages.

Whoever opens an engine may hand it `MessageRules` (the city's are `city.message_rules.CityMessageRules`);
`ProcessEngine.deliver_message` asks them twice before a message from outside reaches any instance:

1. before looking at any instance, `refusal(name, sender, None)`, then `clean_payload(name, payload)`:
   a sender who may never send this message is refused (`NotAllowed`), a payload that fails the message's
   rules is refused naming each field (`FormInvalid`), and the cleaned payload is what travels;
2. with each receiving instance locked, `refusal(name, sender, receiver)` with that instance's data: a
   sender who may not send to this one (a request of another office) is refused and nothing is delivered.

A sender without roles (`roles=None`) is a trusted operator on the server (the command line, which is
trusted like the database itself): the rules do not ask who it is, but its payload is still checked.
Messages the instances throw to each other are not asked about: no person sent them.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Sender:
    """Who delivers a message: the acting person and the roles they work under (None: a trusted operator)."""

    actor: str
    roles: frozenset[str] | None

    @property
    def trusted(self) -> bool:
        return self.roles is None


class MessageRules(Protocol):
    def refusal(self, message_name: str, sender: Sender, receiver: Mapping[str, Any] | None) -> str | None:
        """Why `sender` may not deliver `message_name` (to the instance whose data is `receiver`; None: before
        any instance is looked at), in words the sender can act on; None when they may."""

    def clean_payload(self, message_name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The payload checked and cleaned (e.g. an amount as "30.00"); raises `FormInvalid` naming each field."""


class AnyMessage:
    """The rules of an engine opened without any: anyone may deliver any message with any payload."""

    def refusal(self, message_name: str, sender: Sender, receiver: Mapping[str, Any] | None) -> None:
        return None

    def clean_payload(self, message_name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        return dict(payload)
