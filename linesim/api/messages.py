"""Sending messages: reply, push, multicast, narrowcast, broadcast and their validators."""

import datetime
import re
import secrets

from flask import Blueprint, request

from linesim.api.common import line_api
from linesim.errors import LineError

blueprint = Blueprint("messages", __name__)
QUOTABLE_TYPES = frozenset({"text", "textV2", "sticker", "image", "video", "location"})
CHAT_ID = re.compile(r"[UCR][0-9a-f]{32}")


def _sent_messages(messages):
    sent = []
    for message in messages:
        entry = {"id": str(secrets.randbelow(9 * 10**17) + 10**17)}
        if message.get("type") in QUOTABLE_TYPES:
            entry["quoteToken"] = secrets.token_urlsafe(32)
        sent.append(entry)
    return {"sentMessages": sent}


@line_api(blueprint, "/v2/bot/message/reply", "POST")
def reply(call):
    user_id = call.sim.reply_tokens.redeem(call.body["replyToken"])
    call.sim.state.deliver("reply", [user_id], call.body["messages"], call.request_id)
    return 200, _sent_messages(call.body["messages"])


@line_api(blueprint, "/v2/bot/message/push", "POST", retry_key=True)
def push(call):
    to = call.body["to"]
    if not CHAT_ID.fullmatch(to):
        raise LineError(400, "The request body has 1 error(s)",
                        [{"message": "invalid chat ID", "property": "to"}])
    _deliver(call, "push", [to])
    return 200, _sent_messages(call.body["messages"])


@line_api(blueprint, "/v2/bot/message/multicast", "POST", limit="multicast", retry_key=True)
def multicast(call):
    _deliver(call, "multicast", list(dict.fromkeys(call.body["to"])))
    return 200, {}


@line_api(blueprint, "/v2/bot/message/narrowcast", "POST", limit="narrowcast", retry_key=True)
def narrowcast(call):
    """Audiences and demographics are not simulated: every friend matches, up to `limit.max`."""
    friends = [user.user_id for user in call.sim.state.friends()]
    maximum = call.body.get("limit", {}).get("max")
    recipients = friends[:maximum] if maximum else friends
    _deliver(call, "narrowcast", recipients)
    with call.sim.state.lock:
        call.sim.state.narrowcasts[call.request_id] = (call.sim.clock.now(), len(recipients))
    return 202, {}


@line_api(blueprint, "/v2/bot/message/progress/narrowcast", "GET", body=False)
def narrowcast_progress(call):
    with call.sim.state.lock:
        found = call.sim.state.narrowcasts.get(request.args.get("requestId", ""))
    if found is None:
        raise LineError(404, "Not found")
    at, count = found
    stamp = _iso(at)
    return 200, {"phase": "succeeded", "successCount": count, "failureCount": 0,
                 "targetCount": count, "acceptedTime": stamp, "completedTime": stamp}


@line_api(blueprint, "/v2/bot/message/broadcast", "POST", limit="broadcast", retry_key=True)
def broadcast(call):
    _deliver(call, "broadcast", [user.user_id for user in call.sim.state.friends()])
    return 200, {}


def _deliver(call, endpoint, recipients):
    sim = call.sim
    sim.state.deliver(endpoint, recipients, call.body["messages"], call.request_id,
                      retry_key=call.retry_key, quota=_quota(sim))


def _quota(sim):
    # Unlimited plans are modelled as an infinite quota, still counted.
    limit = sim.config.monthly_quota
    return float("inf") if limit is None else limit


def _iso(seconds):
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _validator(kind):
    def validate(call):
        return 200, {}

    validate.__name__ = f"validate_{kind}"
    return validate


for _kind in ("reply", "push", "multicast", "narrowcast", "broadcast"):
    line_api(blueprint, f"/v2/bot/message/validate/{_kind}", "POST")(_validator(_kind))
