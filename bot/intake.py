"""What a signed webhook body holds: the events LINE could have sent, and those it never would.

The signature proves the body came with the channel secret, not that every event is usable. An
event LINE would never send (wrong types, missing keys, NUL bytes, lone surrogates, values the
columns cannot hold) is recorded as rejected with the reason, and the other events of the same
request are processed as usual. Only a body that is not a webhook at all is refused whole.
"""

import hashlib
import json
import re
from dataclasses import dataclass

from linebot.v3.webhooks.models import Event
from pydantic.v1 import ValidationError

USER_ID = re.compile(r"U[0-9a-f]{32}")
EVENT_ID = re.compile(r"[0-9A-Za-z_-]{1,32}")
MAX_TIMESTAMP_MS = 253402300799000  # 9999-12-31: any later is not a time LINE sends
MAX_TYPE_LENGTH = 32
ACTED_ON = ("follow", "unfollow", "message", "postback")  # bot.handlers and the block


class NotAWebhook(ValueError):
    """The body is not LINE's webhook shape at all (not JSON, or no list of events)."""


@dataclass(frozen=True)
class Rejected:
    raw: object
    reason: str

    @property
    def event_id(self) -> str:
        """A stable id for the ledger, so a redelivered copy is recorded once."""
        digest = hashlib.sha256(self.safe_text.encode()).hexdigest()
        return "x" + digest[:31]

    @property
    def safe_text(self) -> str:
        """The event as text any database column holds (NULs and surrogates escaped)."""
        return json.dumps(self.raw, ensure_ascii=True, sort_keys=True, default=str)


def read_events(body: str) -> list:
    """The `events` list of a verified body; NotAWebhook when there is none."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise NotAWebhook("the body is not JSON") from exc
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise NotAWebhook("the body has no list of events")
    return document["events"]


def split_events(raw_events: list) -> tuple[list[dict], list[Rejected]]:
    """(events to record and process, events LINE would never send with the reason)."""
    usable, rejected = [], []
    for raw in raw_events:
        reason = why_unusable(raw)
        if reason is None:
            usable.append(raw)
        else:
            rejected.append(Rejected(raw, reason))
    return usable, rejected


def why_unusable(raw) -> str | None:
    """Why this event cannot be LINE's, or None when it is usable."""
    if not isinstance(raw, dict):
        return "the event is not an object"
    try:
        if not _storable(raw):
            return "the event holds a NUL byte or a lone surrogate"
        return _field_problem(raw) or _shape_problem(raw)
    except RecursionError:
        return "the event is nested too deeply"


def _field_problem(raw: dict) -> str | None:
    """The fields the ledger stores in columns must fit them."""
    if not isinstance(raw.get("webhookEventId"), str) or \
            not EVENT_ID.fullmatch(raw["webhookEventId"]):
        return "webhookEventId is missing or malformed"
    if not isinstance(raw.get("type"), str) or not 0 < len(raw["type"]) <= MAX_TYPE_LENGTH:
        return "type is missing or malformed"
    timestamp = raw.get("timestamp")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or \
            not 0 < timestamp <= MAX_TIMESTAMP_MS:
        return "timestamp is missing or out of range"
    for key in ("source", "deliveryContext"):
        if raw.get(key) is not None and not isinstance(raw[key], dict):
            return f"{key} is not an object"
    source = raw.get("source")
    user_id = (source or {}).get("userId")
    if user_id is not None and (not isinstance(user_id, str) or not USER_ID.fullmatch(user_id)):
        return "source.userId is not a LINE user id"
    return None


def _shape_problem(raw: dict) -> str | None:
    """The SDK's own models check the rest of the shapes of the events the bot acts on; other
    types are recorded and ignored whatever they hold (LINE adds types and fields)."""
    if raw["type"] not in ACTED_ON:
        return None
    try:
        Event.from_dict(raw)
    except ValidationError as exc:
        return f"the event does not match LINE's {raw['type']} event: {exc}"[:500]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return f"the event does not match LINE's event shapes: {exc!r}"[:500]
    return None


def _storable(value) -> bool:
    """No NUL bytes (PostgreSQL text refuses them) and no lone surrogates (not UTF-8)."""
    if isinstance(value, str):
        return "\x00" not in value and _encodes(value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    return True


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
