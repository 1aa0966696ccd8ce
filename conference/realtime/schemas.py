"""The payloads clients send with socket events, validated before anything is loaded.

Strict: numbers must be JSON integers (not strings, floats or booleans), unknown
fields are refused, and strings have the same limits as the service. Ids are bounded
to what an integer column holds, so a huge number is refused here rather than by the
database driver.
"""

from __future__ import annotations

from typing import Annotated

from flask_babel import gettext
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from conference.services.messaging import BODY_MAX, CLIENT_ID_MAX

ID_MAX = 2**31 - 1

Id = Annotated[int, Field(ge=1, le=ID_MAX)]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ConversationEvent(Payload):
    """``typing`` and ``presence``: the conversation is all they name."""

    conversation_id: Id


class SendMessage(ConversationEvent):
    #: Made by the client (a UUID); a resend with the same one returns the stored message.
    client_id: Annotated[
        str,
        StringConstraints(min_length=1, max_length=CLIENT_ID_MAX, pattern=r"^[A-Za-z0-9_-]+$"),
    ]
    body: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=BODY_MAX)
    ]


class Sync(ConversationEvent):
    #: The newest message id the client has; 0 for none.
    after_id: Annotated[int, Field(ge=0, le=ID_MAX)]


class MarkRead(ConversationEvent):
    message_id: Id


def _problem(error: dict) -> str:
    field = ".".join(str(part) for part in error["loc"]) or gettext("the payload")
    kind = error["type"]
    if kind == "missing":
        return gettext("%(field)s is missing", field=field)
    if kind == "extra_forbidden":
        return gettext("%(field)s is not expected", field=field)
    if kind in ("model_type", "dict_type"):
        return gettext("the payload must be an object with named fields")
    if kind.startswith("int_"):
        return gettext("%(field)s must be a whole number", field=field)
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return gettext("%(field)s is out of range", field=field)
    if kind.startswith("string_type"):
        return gettext("%(field)s must be text", field=field)
    if kind == "string_too_short":
        return gettext("%(field)s is empty", field=field)
    if kind == "string_too_long":
        return gettext(
            "%(field)s is too long (at most %(max)d characters)",
            field=field,
            max=error["ctx"]["max_length"],
        )
    if kind == "string_pattern_mismatch":
        return gettext("%(field)s has characters that are not allowed", field=field)
    return gettext("%(field)s is not valid", field=field)


def explain(exc: ValidationError) -> tuple[str, list[str]]:
    """A sentence for people naming what is wrong, and the fields concerned."""
    errors = exc.errors(include_url=False)
    problems = "; ".join(_problem(error) for error in errors)
    message = gettext("The request was not understood: %(problems)s.", problems=problems)
    fields = sorted({".".join(str(p) for p in e["loc"]) for e in errors if e["loc"]})
    return message, fields
