"""The one boundary to the LINE Messaging API: the official SDK, with retry keys and errors
mapped to what callers act on. Domain code never builds HTTP requests."""

import json
from dataclasses import dataclass

import urllib3
from flask import current_app
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuBulkLinkRequest,
    RichMenuRequest,
    ShowLoadingAnimationRequest,
)
from linebot.v3.messaging.exceptions import ApiException

QUOTA_MESSAGE = "You have reached your monthly limit."
INVALID_REPLY_TOKEN = "Invalid reply token"  # noqa: S105 - LINE's error message
# (connect, read) seconds: a LINE call that hangs must not hold a send job; it is retried.
TIMEOUT = (3.05, 10.0)


class LineApiError(Exception):
    """A call LINE refused or could not answer."""

    def __init__(self, status: int | None, message: str, accepted_request_id: str | None = None,
                 *, request_sent: bool = True):
        super().__init__(f"LINE API {status}: {message}")
        self.status = status
        self.message = message
        self.accepted_request_id = accepted_request_id
        self.request_sent = request_sent  # False: the connection never opened

    @property
    def maybe_accepted(self) -> bool:
        """Might LINE have taken the request? Yes after a 5xx, a timeout or a connection lost
        mid-flight (its answer is unknown); no after a 4xx answer (429 too) or no connection."""
        if self.status is None:
            return self.request_sent
        return self.status >= 500

    @property
    def retryable(self) -> bool:
        """5xx and network failures may succeed later (with the same retry key)."""
        return self.status is None or self.status >= 500

    @property
    def quota_exhausted(self) -> bool:
        return self.status == 429 and QUOTA_MESSAGE in self.message

    @property
    def rate_limited(self) -> bool:
        return self.status == 429 and not self.quota_exhausted

    @property
    def reply_token_invalid(self) -> bool:
        """LINE will not take this reply token: it was used, or it expired."""
        return self.status == 400 and self.message == INVALID_REPLY_TOKEN

    @property
    def already_accepted(self) -> bool:
        """409 for a retry key LINE already accepted: the earlier attempt went through."""
        return self.status == 409 and self.accepted_request_id is not None


@dataclass(frozen=True)
class Sent:
    request_id: str | None


_clients: dict[tuple[str, str], ApiClient] = {}


def _client() -> ApiClient:
    """One SDK client per process and channel: its connection pool keeps connections alive
    (a new client per call would open a new TCP/TLS connection for every message)."""
    settings = current_app.config["SETTINGS"]
    key = (settings.line_api_base_url, settings.line_channel_access_token)
    if key not in _clients:
        config = Configuration(host=key[0], access_token=key[1])
        config.retries = False  # retries belong to the job, which keeps the retry key
        _clients[key] = ApiClient(config)
    return _clients[key]


def _call(fn):
    try:
        return fn(_client())
    except ApiException as exc:
        raise _as_line_error(exc) from exc
    except urllib3.exceptions.ConnectTimeoutError as exc:  # refused, unreachable: never sent
        raise LineApiError(None, f"{type(exc).__name__}: {exc}", request_sent=False) from exc
    except (OSError, urllib3.exceptions.HTTPError) as exc:  # reset, timed out: maybe taken
        raise LineApiError(None, f"{type(exc).__name__}: {exc}") from exc


def _as_line_error(exc: ApiException) -> LineApiError:
    headers = {k.lower(): v for k, v in dict(exc.headers or {}).items()}
    try:
        message = json.loads(exc.body or b"{}").get("message", exc.reason or "")
    except (ValueError, AttributeError):
        message = str(exc.reason)
    return LineApiError(exc.status, message, headers.get("x-line-accepted-request-id"))


def _request_id(response) -> str | None:
    return {k.lower(): v for k, v in (response.headers or {}).items()}.get("x-line-request-id")


def reply(reply_token: str, messages: list[dict]) -> Sent:
    request = ReplyMessageRequest.from_dict({"replyToken": reply_token, "messages": messages})
    response = _call(lambda c: MessagingApi(c).reply_message_with_http_info(
        request, _request_timeout=TIMEOUT))
    return Sent(_request_id(response))


def push(to: str, messages: list[dict], *, retry_key: str) -> Sent:
    request = PushMessageRequest.from_dict({"to": to, "messages": messages})
    response = _call(lambda c: MessagingApi(c).push_message_with_http_info(
        request, x_line_retry_key=retry_key, _request_timeout=TIMEOUT))
    return Sent(_request_id(response))


def show_loading(user_id: str, seconds: int = 5) -> None:
    """LINE's loading animation in the user's chat while a slower answer is prepared (it
    ends when a message arrives, or after `seconds`: 5 to 60, a multiple of 5)."""
    request = ShowLoadingAnimationRequest(chat_id=user_id, loading_seconds=seconds)
    _call(lambda c: MessagingApi(c).show_loading_animation(request, _request_timeout=TIMEOUT))


def multicast(to: list[str], messages: list[dict], *, retry_key: str) -> Sent:
    """One message to up to 500 users (LINE drops those who are not friends)."""
    request = MulticastRequest.from_dict({"to": to, "messages": messages})
    response = _call(lambda c: MessagingApi(c).multicast_with_http_info(
        request, x_line_retry_key=retry_key, _request_timeout=TIMEOUT))
    return Sent(_request_id(response))


def quota() -> int | None:
    """The plan's monthly message limit (recipients of push and multicast); None: unlimited."""
    answer = _call(lambda c: MessagingApi(c).get_message_quota(_request_timeout=TIMEOUT))
    return answer.value if answer.type == "limited" else None


def quota_consumption() -> int:
    """Messages counted against the quota so far this month."""
    return _call(lambda c: MessagingApi(c).get_message_quota_consumption(
        _request_timeout=TIMEOUT)).total_usage


def get_display_name(user_id: str) -> str | None:
    """The user's LINE display name, or None if LINE will not say (e.g. not a friend)."""
    try:
        profile = _call(lambda c: MessagingApi(c).get_profile(user_id, _request_timeout=TIMEOUT))
        return profile.display_name
    except LineApiError as exc:
        if exc.status == 404:
            return None
        raise


def create_rich_menu(menu: dict, image_png: bytes) -> str:
    request = RichMenuRequest.from_dict(menu)
    rich_menu_id = _call(lambda c: MessagingApi(c).create_rich_menu(
        request, _request_timeout=TIMEOUT)).rich_menu_id
    _call(lambda c: MessagingApiBlob(c).set_rich_menu_image(
        rich_menu_id, body=bytearray(image_png), _headers={"Content-Type": "image/png"},
        _request_timeout=TIMEOUT))
    return rich_menu_id


def set_default_rich_menu(rich_menu_id: str) -> None:
    _call(lambda c: MessagingApi(c).set_default_rich_menu(
        rich_menu_id, _request_timeout=TIMEOUT))


def link_rich_menu(user_id: str, rich_menu_id: str) -> None:
    _call(lambda c: MessagingApi(c).link_rich_menu_id_to_user(
        user_id, rich_menu_id, _request_timeout=TIMEOUT))


def unlink_rich_menu(user_id: str) -> None:
    _call(lambda c: MessagingApi(c).unlink_rich_menu_id_from_user(
        user_id, _request_timeout=TIMEOUT))


def bulk_link_rich_menu(user_ids: list[str], rich_menu_id: str) -> None:
    request = RichMenuBulkLinkRequest(rich_menu_id=rich_menu_id, user_ids=user_ids)
    _call(lambda c: MessagingApi(c).link_rich_menu_id_to_users(
        request, _request_timeout=TIMEOUT))
