"""The post-purchase feedback survey's message (the `survey` flow, declared and planned in
campaigns.triggers, off until switched on in the console): a rating with quick-reply buttons;
the chat (bot.survey_chat) takes the answers."""

from conversations import surveys
from core.extensions import db
from line.texts import render
from purchases.models import Purchase

RATING_LABELS = {5: "5 とても満足", 4: "4 満足", 3: "3 ふつう", 2: "2 不満", 1: "1 とても不満"}


def survey_message(delivery_row, member, params) -> list[dict] | None:
    """Written at send time: nothing once the purchase was returned, voided or rated."""
    purchase_id = (delivery_row.context or {}).get("purchase_id")
    if not purchase_id or not surveys.is_surveyable(purchase_id):
        return None
    purchase = db.session.get(Purchase, purchase_id)
    text = render("survey_question", display_name=member.display_name or "",
                  store=purchase.store.name)
    items = [{"type": "action", "action": {
        "type": "postback", "label": label, "displayText": label,
        "data": f"action=survey_rating&purchase={purchase_id}&rating={rating}"}}
        for rating, label in RATING_LABELS.items()]
    return [{"type": "text", "text": text, "quickReply": {"items": items}}]

