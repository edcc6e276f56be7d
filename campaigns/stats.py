"""Per-flow counters for the console: sent, clicked, and converted (a completed purchase within
7 days after the message), over the last 90 days."""

from bisect import bisect_right
from collections import Counter, defaultdict
from datetime import timedelta

from sqlalchemy import func, select

from core.clock import utcnow
from core.extensions import db
from line.models import Delivery
from purchases.models import Purchase, PurchaseStatus

CONVERSION_WINDOW = timedelta(days=7)
PERIOD = timedelta(days=90)


def flow_counters() -> dict[str, dict]:
    since = utcnow() - PERIOD
    sent = db.session.execute(
        select(Delivery.flow, Delivery.member_id, Delivery.sent_at, Delivery.clicked_at)
        .where(Delivery.status == "sent", Delivery.sent_at >= since)).all()
    purchase_times = _purchase_times(since)
    counters = defaultdict(Counter)
    for flow, member_id, sent_at, clicked_at in sent:
        counters[flow]["sent"] += 1
        counters[flow]["clicked"] += clicked_at is not None
        counters[flow]["converted"] += _bought_within(purchase_times.get(member_id, []),
                                                      sent_at)
    return {flow: {key: c[key] for key in ("sent", "clicked", "converted")}
            for flow, c in counters.items()}


def _purchase_times(since) -> dict[int, list]:
    times = defaultdict(list)
    for member_id, at in db.session.execute(
            select(Purchase.member_id, Purchase.purchased_at)
            .where(Purchase.status == PurchaseStatus.COMPLETED, Purchase.purchased_at >= since,
                   Purchase.member_id.is_not(None)).order_by(Purchase.purchased_at)):
        times[member_id].append(at)
    return times


def _bought_within(times: list, sent_at) -> bool:
    after = bisect_right(times, sent_at)
    return after < len(times) and times[after] <= sent_at + CONVERSION_WINDOW


def flow_clicks(since, until) -> dict[str, int]:
    """Per flow, the messages sent in [since, until) that were tapped (as `flow_counters`
    counts them), in one query."""
    return dict(db.session.execute(
        select(Delivery.flow, func.count(Delivery.clicked_at))
        .where(Delivery.status == "sent", Delivery.sent_at >= since, Delivery.sent_at < until)
        .group_by(Delivery.flow)).all())
