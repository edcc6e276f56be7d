"""POST /callback: verify the signature on the raw body, save the events, answer at once."""

from flask import Blueprint, abort, current_app, request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError

from bot import events

bp = Blueprint("bot", __name__)


@bp.post("/callback")
def callback():
    body = request.get_data(as_text=True)
    signature = request.headers.get("X-Line-Signature", "")
    parser = WebhookParser(current_app.config["SETTINGS"].line_channel_secret)
    try:
        parser.parse(body, signature)  # verifies the signature and LINE's event shapes
        raw_events = events.payload_events(body)
    except InvalidSignatureError:
        abort(400, description="invalid signature")
    except ValueError:
        abort(400, description="malformed webhook body")
    events.record_new_events(raw_events)
    return "OK"
