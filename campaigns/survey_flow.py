"""The post-purchase feedback survey as a follow-up flow (off until switched on in the
console): a set time after a store purchase, at the chosen stores, the shopper is asked for a
rating with quick-reply buttons; the chat (bot.survey_chat) takes the answers."""

from datetime import timedelta

from campaigns import delivery, flows
from campaigns.flows import Flow, register
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


register(Flow("survey", "購入後アンケート", promotional=False,
              defaults={"delay_minutes": 120, "stores": [], "ask_nps": False},
              build=survey_message, enabled_by_default=False))


def plan_survey(event) -> None:
    """A store purchase at a chosen store (none chosen: every store) gets one survey."""
    if (event.payload.get("channel") != "store" or event.payload.get("notify") is False
            or not event.member_id or not flows.is_enabled("survey")):
        return
    purchase = db.session.get(Purchase, event.subject_id)
    params = flows.params_for("survey")
    if purchase is None or (params["stores"] and purchase.store_id not in params["stores"]):
        return
    delivery.plan(flow="survey", member_id=event.member_id,
                  occurrence=f"purchase:{purchase.id}", context={"purchase_id": purchase.id},
                  since=min(purchase.purchased_at, event.occurred_at),
                  delay=timedelta(minutes=params["delay_minutes"]))
