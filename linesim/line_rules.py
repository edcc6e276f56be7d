"""LINE's documented message rules that messaging-api.yml does not encode.

The spec leaves out length limits, the https-only rule for media and the Flex size limits;
LINE rejects such messages, so linesim must too (what passes here must pass at LINE).
"""

import json
from urllib.parse import urlsplit

from linesim.spec import property_path

MAX_TEXT = 5000
MAX_ALT_TEXT = 1500
MAX_BUBBLE_BYTES = 30 * 1024
MAX_CAROUSEL_BUBBLES = 12
MAX_URL = 2000
MAX_QUICK_REPLY_LABEL = 20
MAX_MESSAGE_ACTION_TEXT = 300
# Keys whose value is a picture/video/audio LINE's servers or the app must fetch.
MEDIA_URL_KEYS = frozenset(
    {"originalContentUrl", "previewImageUrl", "thumbnailImageUrl", "baseUrl", "imageUrl"}
)
FLEX_MEDIA_TYPES = frozenset({"image", "video"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def message_errors(messages, allow_http_loopback, prefix="messages"):
    """Details (LINE error shape) for every rule broken by a list of message objects."""
    errors = []
    for index, message in enumerate(messages):
        _walk(message, [prefix, index], errors, allow_http_loopback)
        _check_message(message, [prefix, index], errors)
    return errors


def _add(errors, parts, message):
    errors.append({"message": message, "property": property_path(parts)})


def _check_message(message, parts, errors):
    kind = message.get("type")
    if kind == "text" and len(message.get("text", "")) > MAX_TEXT:
        _add(errors, parts + ["text"], f"Length must be between 1 and {MAX_TEXT}")
    if kind == "text" and message.get("text") == "":
        _add(errors, parts + ["text"], "May not be empty")
    if kind in ("flex", "template", "imagemap"):
        alt = message.get("altText", "")
        if not 1 <= len(alt) <= MAX_ALT_TEXT:
            _add(errors, parts + ["altText"], f"Length must be between 1 and {MAX_ALT_TEXT}")
    if kind == "flex":
        _check_flex_container(message.get("contents", {}), parts + ["contents"], errors)
    for item_index, item in enumerate(message.get("quickReply", {}).get("items", [])):
        label = item.get("action", {}).get("label", "")
        if len(label) > MAX_QUICK_REPLY_LABEL:
            where = parts + ["quickReply", "items", item_index, "action", "label"]
            _add(errors, where, f"Length must be between 0 and {MAX_QUICK_REPLY_LABEL}")


def _check_flex_container(container, parts, errors):
    if container.get("type") == "carousel":
        bubbles = container.get("contents", [])
        if not 1 <= len(bubbles) <= MAX_CAROUSEL_BUBBLES:
            _add(errors, parts + ["contents"], f"Size must be between 1 and {MAX_CAROUSEL_BUBBLES}")
        for index, bubble in enumerate(bubbles):
            _check_bubble_size(bubble, parts + ["contents", index], errors)
    elif container.get("type") == "bubble":
        _check_bubble_size(container, parts, errors)


def _check_bubble_size(bubble, parts, errors):
    encoded = json.dumps(bubble, ensure_ascii=False, separators=(",", ":")).encode()
    if len(encoded) > MAX_BUBBLE_BYTES:
        _add(errors, parts, f"The size of a bubble must be {MAX_BUBBLE_BYTES} bytes or less")


def _walk(node, parts, errors, allow_http_loopback):
    """Check every media URL and action in a message tree, wherever it is nested."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            _walk(item, parts + [index], errors, allow_http_loopback)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if _is_media_url(node, key) and isinstance(value, str):
            problem = media_url_problem(value, allow_http_loopback)
            if problem:
                _add(errors, parts + [key], problem)
        elif key == "action" and isinstance(value, dict):
            _check_action(value, parts + [key], errors)
        _walk(value, parts + [key], errors, allow_http_loopback)


def _is_media_url(node, key):
    if key in MEDIA_URL_KEYS:
        return True
    return key == "url" and node.get("type") in FLEX_MEDIA_TYPES


def _check_action(action, parts, errors):
    if action.get("type") == "message" and len(action.get("text", "")) > MAX_MESSAGE_ACTION_TEXT:
        _add(errors, parts + ["text"], f"Length must be between 1 and {MAX_MESSAGE_ACTION_TEXT}")
    if action.get("type") == "message" and not action.get("text"):
        _add(errors, parts + ["text"], "must be specified")
    if action.get("type") == "postback" and "data" not in action:
        _add(errors, parts + ["data"], "must be specified")
    if action.get("type") == "uri" and not action.get("uri"):
        _add(errors, parts + ["uri"], "must be specified")


def media_url_problem(url, allow_http_loopback):
    """Why LINE would refuse this media URL, or None. http is allowed only to loopback."""
    if len(url) > MAX_URL:
        return f"Length must be between 1 and {MAX_URL}"
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and allow_http_loopback and parts.hostname in LOOPBACK_HOSTS:
        return None
    return "must be a valid HTTPS URL"
