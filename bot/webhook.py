"""POST /callback: verify the signature on the raw body, save the events, answer at once."""

import logging

from flask import Blueprint, abort, current_app, request
from linebot.v3.webhook import SignatureValidator

from bot import events, intake

bp = Blueprint("bot", __name__)
log = logging.getLogger(__name__)


@bp.post("/callback")
def callback():
    body = request.get_data(as_text=True)
    signature = request.headers.get("X-Line-Signature", "")
    validator = SignatureValidator(current_app.config["SETTINGS"].line_channel_secret)
    if not validator.validate(body, signature):  # the SDK's check, on the raw body
        abort(400, description="invalid signature")
    try:
        usable, rejected = intake.split_events(intake.read_events(body))
    except intake.NotAWebhook as exc:
        abort(400, description=str(exc))
    for event in rejected:
        log.warning("webhook event rejected: %s", event.reason)
    events.record_new_events(usable, rejected)
    return "OK"
