"""Control API for the platform itself: config, logs, counters, faults, webhooks, clock."""

import json

from flask import Blueprint, Response, request

from linesim.api.common import current_sim
from linesim.errors import LineError

blueprint = Blueprint("control_admin", __name__, url_prefix="/_sim")
MAX_DUPLICATE_COPIES = 100


def _json():
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@blueprint.post("/reset")
def reset():
    current_sim().reset()
    return {"ok": True}


@blueprint.get("/config")
def get_config():
    return current_sim().config.to_json()


@blueprint.post("/config")
def update_config():
    config = current_sim().config
    try:
        config.update(_json())
    except ValueError as unknown:
        raise LineError(400, str(unknown)) from None
    return config.to_json()


@blueprint.get("/calls")
def calls():
    prefix = request.args.get("path_prefix", "")
    limit = request.args.get("limit", 1000, type=int)
    state = current_sim().state
    with state.lock:
        matching = [call for call in state.calls if call[2].startswith(prefix)]
    return {"calls": [_call_json(call) for call in matching[-limit:]]}


def _call_json(call):
    at, method, path, status, retry_key, request_id, accepted_id, body = call
    entry = {"at": at, "method": method, "path": path, "status": status,
             "retryKey": retry_key, "requestId": request_id, "body": _decoded(body)}
    if accepted_id:
        entry["acceptedRequestId"] = accepted_id
    return entry


def _decoded(body):
    if not isinstance(body, bytes):
        return body
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body.decode("utf-8", "replace")


@blueprint.get("/counters")
def counters():
    return current_sim().state.counters()


@blueprint.post("/faults")
def set_faults():
    try:
        return current_sim().faults.set(_json())
    except ValueError as unknown:
        raise LineError(400, str(unknown)) from None


@blueprint.delete("/faults")
def clear_faults():
    faults = current_sim().faults
    faults.clear()
    return faults.to_json()


@blueprint.get("/webhooks")
def webhooks():
    return {"deliveries": current_sim().webhooks.log()}


@blueprint.post("/webhooks/<event_id>/redeliver")
def redeliver(event_id):
    try:
        return current_sim().webhooks.redeliver(event_id)
    except KeyError:
        raise LineError(404, f"no webhook event {event_id}") from None


@blueprint.post("/webhooks/<event_id>/duplicate")
def duplicate(event_id):
    copies = _json().get("copies", 2)
    if not isinstance(copies, int) or not 1 <= copies <= MAX_DUPLICATE_COPIES:
        raise LineError(400, f"copies must be 1..{MAX_DUPLICATE_COPIES}")
    try:
        return {"statuses": current_sim().webhooks.duplicate(event_id, copies)}
    except KeyError:
        raise LineError(404, f"no webhook event {event_id}") from None


@blueprint.post("/clock")
def move_clock():
    """Advance the clock by `advance_seconds`, or set it to `at` (epoch seconds) from where it
    runs on: tests keep the platform's time in step with the product's."""
    body = _json()
    clock = current_sim().clock
    if "at" in body:
        at = body["at"]
        if not isinstance(at, (int, float)) or isinstance(at, bool):
            raise LineError(400, "at must be epoch seconds")
        clock.offset += at - clock.now()
    else:
        seconds = body.get("advance_seconds", 0)
        if not isinstance(seconds, (int, float)):
            raise LineError(400, "advance_seconds must be a number")
        clock.offset += seconds
    return {"offset_seconds": clock.offset, "now": clock.now()}


@blueprint.get("/richmenu-images/<menu_id>")
def rich_menu_image(menu_id):
    content_type, data = current_sim().rich_menus.image(menu_id)
    return Response(data, 200, mimetype=content_type)
