"""The pipeline every Messaging API request goes through, in LINE's order.

faults -> bearer token -> rate limit -> retry-key format -> JSON body vs spec and LINE's
rules -> retry-key claim -> handler. Every answer carries a fresh `x-line-request-id`
and is written to the call log.
"""

import json
import re
import uuid
from dataclasses import dataclass, field
from functools import lru_cache, wraps

from flask import Response, current_app, request

from linesim import line_rules
from linesim.errors import AUTH_FAILED, LineError, invalid_body
from linesim.spec import messaging_schemas

JSON = "application/json"
_PATH_PARAM = re.compile(r"\{(\w+)\}")


@dataclass
class Call:
    """What a handler needs to know about the request it serves."""

    sim: object
    request_id: str
    body: object = None
    retry_key: str | None = None
    params: dict = field(default_factory=dict)


def json_response(status, body, headers=None):
    text = "{}" if body is None else json.dumps(body, ensure_ascii=False)
    return Response(text, status, headers=headers, mimetype=JSON)


def current_sim():
    return current_app.extensions["linesim"]


def line_api(blueprint, spec_path, method, limit="general", retry_key=False, body=True):
    """Register a Messaging API view; `spec_path` is the path as written in messaging-api.yml."""
    schemas = messaging_schemas()
    schema_name = schemas.operation_body_schema(spec_path, method.lower()) if body else None
    flask_path = _PATH_PARAM.sub(r"<\1>", spec_path)

    def register(handler):
        endpoint = f"{method.lower()}_{handler.__name__}"

        @wraps(handler)
        def view(**params):
            return _serve(handler, endpoint, limit, retry_key, schema_name, params)

        blueprint.add_url_rule(flask_path, endpoint, view, methods=[method])
        return handler

    return register


def _serve(handler, endpoint, limit, allows_retry_key, schema_name, params):
    sim = current_sim()
    with sim.state.serving():  # counted while in progress: tests wait for sends in flight
        return _serve_counted(sim, handler, endpoint, limit, allows_retry_key, schema_name,
                              params)


def _serve_counted(sim, handler, endpoint, limit, allows_retry_key, schema_name, params):
    call = Call(sim=sim, request_id=str(uuid.uuid4()), params=params)
    claimed = False
    try:
        sim.faults.apply(request.path)
        _authenticate(sim)
        sim.rate_limiter.hit(limit, endpoint)
        call.retry_key = _retry_key(sim, allows_retry_key)
        if schema_name:
            call.body = _parsed_body(sim, schema_name)
        if call.retry_key:
            sim.retry_keys.claim(call.retry_key, call.request_id)
            claimed = True
        answer = handler(call)
        if claimed:
            sim.retry_keys.accept(call.retry_key, _sent_messages(answer))
    except LineError as error:
        if claimed:
            sim.retry_keys.release(call.retry_key)
        answer = json_response(error.status, error.body(), error.headers)
    if not isinstance(answer, Response):
        answer = json_response(*answer)
    answer.headers["x-line-request-id"] = call.request_id
    _log(sim, answer, call)
    return answer


def _authenticate(sim):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer" or token not in sim.config.channel_tokens:
        raise LineError(401, AUTH_FAILED)


def _retry_key(sim, allowed):
    key = request.headers.get("X-Line-Retry-Key")
    if key is None or not allowed:
        return None
    sim.retry_keys.check_format(key)
    return key


def _parsed_body(sim, schema_name):
    try:
        body = json.loads(request.get_data())
    except ValueError:
        raise LineError(400, "The request body has 1 error(s)",
                        [{"message": "Invalid JSON", "property": ""}]) from None
    details = validate_body(sim, schema_name, body)
    if details:
        raise invalid_body(details)
    return body


FAST_ID_LISTS = {"MulticastRequest": ("to", 500)}
USER_ID = re.compile(r"U[0-9a-f]{32}")
USER_ID_LINES = re.compile(r"(?:U[0-9a-f]{32}\n)*")
VALIDATION_CACHE_SIZE = 256


def validate_body(sim, schema_name, body):
    """Spec violations plus LINE's own rules, as LINE-shaped details."""
    fast = FAST_ID_LISTS.get(schema_name)
    if fast and isinstance(body, dict) and _is_string_list(body.get(fast[0])):
        name, maximum = fast
        rest = {**body, name: body[name][:1]}
        return _id_list_errors(body[name], name, maximum) + _cached_errors(
            schema_name, json.dumps(rest, sort_keys=True), sim.config.allow_http_loopback)
    return _errors(schema_name, body, sim.config.allow_http_loopback)


def _errors(schema_name, body, allow_http_loopback):
    details = messaging_schemas().errors(schema_name, body)
    if not details and isinstance(body, dict) and "messages" in body:
        details = line_rules.message_errors(body["messages"], allow_http_loopback)
    return details


@lru_cache(maxsize=VALIDATION_CACHE_SIZE)
def _cached_errors(schema_name, canonical_body, allow_http_loopback):
    """Campaigns multicast one message to many 500-id chunks: validate it once."""
    return _errors(schema_name, json.loads(canonical_body), allow_http_loopback)


def _is_string_list(value):
    return isinstance(value, list) and all(type(item) is str for item in value)


def _id_list_errors(ids, name, maximum):
    """Size and user-ID format of a long id list, without walking it through jsonschema."""
    if not 1 <= len(ids) <= maximum:
        return [{"message": f"Size must be between 1 and {maximum}", "property": name}]
    if USER_ID_LINES.fullmatch("\n".join(ids) + "\n"):
        return []
    return [{"message": "invalid user ID", "property": f"{name}[{index}]"}
            for index, user_id in enumerate(ids) if not USER_ID.fullmatch(user_id)]


def _sent_messages(answer):
    body = answer[1] if isinstance(answer, tuple) else None
    if isinstance(body, dict) and "sentMessages" in body:
        return {"sentMessages": body["sentMessages"]}
    return {}


def _log(sim, answer, call):
    is_json = (request.mimetype or "") == JSON
    body = request.get_data() if is_json else f"<{request.content_length or 0} bytes>"
    accepted = answer.headers.get("x-line-accepted-request-id")
    sim.state.log_call(request.method, request.path, answer.status_code, call.request_id,
                       request.headers.get("X-Line-Retry-Key"), accepted, body)
