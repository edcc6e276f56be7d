"""Planning a follow-up flow's message: one row in the delivery ledger (line.ledger) per
(flow, member, occurrence), due a delay after the fact that triggered it. The message itself
is written when it is sent (line.sending asks the flow's builder)."""

from datetime import datetime, timedelta

from flask import current_app

from campaigns import flows
from core.clock import utcnow
from line import ledger
from line.models import Delivery


def plan(*, flow: str, member_id: int, occurrence: str, context: dict | None = None,
         delay: timedelta = timedelta(0), since: datetime | None = None) -> Delivery | None:
    """Plan a flow's message for a member, once per occurrence, `delay` after `since` (the
    moment of the triggering fact, so a slow queue does not shift it). The text is written at
    send time, reflecting stock, coupons and purchases then. Caller commits."""
    if not flows.is_enabled(flow):
        return None
    send_after = (since or utcnow()) + scaled(delay)
    delivery = ledger.record_once(member_id=member_id, flow=flow,
                                  key=f"{flow}:member:{member_id}:{occurrence}", context=context,
                                  promotional=flows.FLOWS[flow].promotional, send_after=send_after)
    if delivery is not None and send_after <= utcnow():
        ledger.send_after_commit(delivery)
    return delivery


def scaled(delay: timedelta) -> timedelta:
    """Demo setting DEMO_TIME_SCALE compresses flow delays (60 = an hour becomes a minute)."""
    return delay / current_app.config["SETTINGS"].demo_time_scale
