"""What a broadcast or a follow-up flow brought in: the completed purchases of the members it
was meant for, within its attribution window, compared with a holdout group not sent it.

A window opens when the member's message went out (the multicast batch's sent_at, a flow
delivery's sent_at) and lasts the broadcast's attribution_days. Holdout members, and variant
members whose message never went out (skipped, failed), are measured from the broadcast's
start: rates are per member drawn into a group ("intention to treat"), so a variant and the
randomly drawn holdout compare fairly even when some of the variant could not be reached.

Every figure comes from a few set-based queries over the windows ("exposures": one row per
member and group, with when its window opens and how many days it lasts); none loops over
members in Python.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Integer, and_, case, distinct, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from campaigns.flows import FLOWS
from campaigns.models import Broadcast, BroadcastRecipient, BroadcastVariant, recipient_outcome
from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime
from coupons.models import IssuedCoupon
from line.models import Delivery, MulticastBatch
from purchases.models import Channel, Purchase, PurchaseStatus

HOLDOUT = "holdout"
HOLDOUT_LABEL = "比較グループ（配信なし）"
SENT = "sent"  # every variant of a broadcast together (comparison page)
CHANNELS = ("store", "online")
FLOW_ATTRIBUTION_DAYS = 7  # as the follow-up counters (campaigns.stats)


@dataclass(frozen=True)
class Sales:
    purchasers: int = 0
    purchases: int = 0
    revenue: int = 0  # yen, purchase totals


@dataclass
class GroupResult:
    """One group's figures: a variant (A/B/C), the holdout, a flow, a whole broadcast."""

    key: str
    label: str
    recipients: int = 0  # members drawn for the group: the rates' denominator
    delivered: int = 0  # messages that went out (batch or delivery sent)
    skipped: dict[str, int] = field(default_factory=dict)  # by reason
    failed: int = 0
    pending: int = 0
    coupons_issued: int = 0
    coupons_redeemed: int = 0
    clicks: int | None = None  # taps on a variant's product links (counted per variant)
    sales: dict[str, Sales] = field(default_factory=dict)  # "store", "online", "all"

    def sales_in(self, channel: str) -> Sales:
        return self.sales.get(channel, Sales())

    @property
    def conversion_rate(self) -> float | None:
        return _ratio(self.sales_in("all").purchasers, self.recipients)

    @property
    def revenue_per_member(self) -> float | None:
        return _ratio(self.sales_in("all").revenue, self.recipients)


@dataclass(frozen=True)
class Lift:
    """A group against the holdout: difference (group - holdout) and ratio (group / holdout)."""

    group_size: int
    holdout_size: int
    conversion_difference: float | None
    conversion_ratio: float | None
    revenue_per_member_difference: float | None
    revenue_per_member_ratio: float | None


@dataclass
class BroadcastResults:
    broadcast: Broadcast
    days: int
    opens: datetime | None  # the broadcast's start: the holdout's window opens then
    closes: datetime | None  # the last window to close (last batch sent + days)
    groups: list[GroupResult]  # variants in label order, then the holdout if any
    lifts: dict[str, Lift]  # by variant label (empty without a holdout)

    @property
    def complete(self) -> bool:
        """Every window has closed: the figures will not change any more."""
        return self.closes is not None and utcnow() >= self.closes

    @property
    def holdout(self) -> GroupResult | None:
        return next((g for g in self.groups if g.key == HOLDOUT), None)


def lift(group: GroupResult, holdout: GroupResult | None) -> Lift | None:
    if holdout is None or holdout.recipients == 0 or group.recipients == 0:
        return None
    return Lift(group.recipients, holdout.recipients,
                *_compare(group.conversion_rate, holdout.conversion_rate),
                *_compare(group.revenue_per_member, holdout.revenue_per_member))


def broadcast_results(broadcast_id: int) -> BroadcastResults | None:
    """A broadcast's results per variant and for the holdout, over its attribution window."""
    broadcast = db.session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return None
    where = BroadcastRecipient.broadcast_id == broadcast_id
    groups = {v.label: _new_group(v.label) for v in broadcast.variants}
    for variant in broadcast.variants:
        groups[variant.label].clicks = variant.clicks
    _fill_counts(groups, where, _variant_group())
    _fill_sales(groups, _broadcast_exposures(where, _variant_group()), ("group",))
    if HOLDOUT in groups:  # last, whatever its label sorts as
        groups[HOLDOUT] = groups.pop(HOLDOUT)
    ordered = [g for g in groups.values() if g.key != HOLDOUT or g.recipients]
    holdout = groups.get(HOLDOUT)
    lifts = {g.key: lift(g, holdout) for g in ordered if g.key != HOLDOUT}
    return BroadcastResults(broadcast, broadcast.attribution_days, _opens(broadcast),
                            _closes(broadcast), ordered, {k: v for k, v in lifts.items() if v})


def flow_results(since: datetime, until: datetime,
                 days: int = FLOW_ATTRIBUTION_DAYS) -> list[GroupResult]:
    """Each follow-up flow's deliveries sent in [since, until) and what they brought in."""
    sent = and_(Delivery.status == "sent", Delivery.sent_at >= since, Delivery.sent_at < until,
                Delivery.member_id.is_not(None))
    counts = db.session.execute(
        select(Delivery.flow, func.count(), func.count(distinct(Delivery.member_id)))
        .where(sent).group_by(Delivery.flow)).all()
    groups = {flow: GroupResult(flow, _flow_name(flow), recipients=members, delivered=n)
              for flow, n, members in counts}
    exposures = (select(Delivery.flow.label("group"), Delivery.member_id,
                        Delivery.sent_at.label("starts"), literal(days, Integer).label("days"))
                 .where(sent).subquery())
    _fill_sales(groups, exposures, ("group",), overlapping=True)
    order = list(FLOWS)
    return sorted(groups.values(),
                  key=lambda g: (order.index(g.key) if g.key in order else len(order), g.key))


def broadcasts_started(since: datetime, until: datetime) -> list[Broadcast]:
    started = func.coalesce(Broadcast.started_at, Broadcast.frozen_at)
    return list(db.session.scalars(select(Broadcast).where(started >= since, started < until)
                                   .order_by(started, Broadcast.id)))


def broadcast_totals(broadcast_ids: list[int], *, sales: bool = True,
                     ) -> dict[int, dict[str, GroupResult]]:
    """For each broadcast, its variants together ("sent") and its holdout ("holdout"); only
    the delivery counts when not `sales` (the list of broadcasts)."""
    where = BroadcastRecipient.broadcast_id.in_(broadcast_ids)
    group = case((_is_holdout(), literal(HOLDOUT)), else_=literal(SENT))
    results = {broadcast_id: {SENT: GroupResult(SENT, "配信"),
                              HOLDOUT: GroupResult(HOLDOUT, HOLDOUT_LABEL)}
               for broadcast_id in broadcast_ids}
    if not results:
        return results
    flat = {(b, g): result for b, groups in results.items() for g, result in groups.items()}
    _fill_counts(flat, where, group, by_broadcast=True)
    if sales:
        _fill_sales(flat, _broadcast_exposures(where, group), ("broadcast_id", "group"))
    return results


# -- the queries ------------------------------------------------------------------------------

def _is_holdout():
    return or_(BroadcastRecipient.holdout.is_(True), BroadcastRecipient.variant_id.is_(None))


def _variant_group():
    return case((_is_holdout(), literal(HOLDOUT)), else_=BroadcastVariant.label)


def _broadcast_exposures(where, group):
    """One row per recipient: its group, member, and when its window opens (its batch's
    sent_at if its message went out, else the broadcast's start) and for how many days."""
    opens = func.coalesce(MulticastBatch.sent_at, Broadcast.started_at, Broadcast.frozen_at)
    return (select(BroadcastRecipient.broadcast_id, group.label("group"),
                   BroadcastRecipient.member_id, opens.label("starts"),
                   Broadcast.attribution_days.label("days"))
            .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
            .outerjoin(BroadcastVariant, BroadcastVariant.id == BroadcastRecipient.variant_id)
            .outerjoin(MulticastBatch, and_(MulticastBatch.id == BroadcastRecipient.batch_id,
                                            MulticastBatch.status == "sent"))
            .where(where, BroadcastRecipient.member_id.is_not(None))
            .subquery())


def _fill_counts(groups: dict, where, group, by_broadcast: bool = False) -> None:
    """Recipients, delivered, skipped by reason, failed, pending and coupons per group."""
    keys = [BroadcastRecipient.broadcast_id] if by_broadcast else []
    rows = db.session.execute(
        select(*keys, group, BroadcastRecipient.status, BroadcastRecipient.skip_reason,
               MulticastBatch.status, func.count(), func.count(IssuedCoupon.id),
               func.count(IssuedCoupon.redeemed_at))
        .outerjoin(BroadcastVariant, BroadcastVariant.id == BroadcastRecipient.variant_id)
        .outerjoin(MulticastBatch, MulticastBatch.id == BroadcastRecipient.batch_id)
        .outerjoin(IssuedCoupon, IssuedCoupon.id == BroadcastRecipient.issued_coupon_id)
        .where(where)
        .group_by(*keys, group, BroadcastRecipient.status, BroadcastRecipient.skip_reason,
                  MulticastBatch.status)).all()
    for row in rows:
        key = tuple(row[:2]) if by_broadcast else row[0]
        status, reason, batch_status, n, issued, redeemed = row[-6:]
        result = groups.setdefault(key, _new_group(row[len(keys)]))
        _count(result, status, reason, batch_status, n)
        result.coupons_issued += issued
        result.coupons_redeemed += redeemed


def _count(result: GroupResult, status, reason, batch_status, n: int) -> None:
    result.recipients += n
    outcome, reason = recipient_outcome(status, reason, batch_status)
    if outcome == "skipped":
        result.skipped[reason] = result.skipped.get(reason, 0) + n
    elif outcome == "sent":
        result.delivered += n
    elif outcome == "failed":
        result.failed += n
    elif outcome == "pending":
        result.pending += n


def _fill_sales(groups: dict, exposures, keys: tuple[str, ...], *,
                overlapping: bool = False) -> None:
    """Purchasers, purchases and revenue per group, by channel and all together, in one
    query: purchases per member first, then members per group (a member who bought in both
    channels is one purchaser of the group)."""
    bounds = _window_bounds(exposures)
    if bounds is None:
        return
    bought = _purchases_in_window(exposures, keys, bounds, overlapping)
    store = bought.c.channel == Channel.STORE
    per_member = (select(*[bought.c[k] for k in keys], bought.c.member_id,
                         func.sum(case((store, 1), else_=0)).label("store_n"),
                         func.sum(case((store, bought.c.total), else_=0)).label("store_yen"),
                         func.count().label("n"), func.sum(bought.c.total).label("yen"))
                  .group_by(*[bought.c[k] for k in keys], bought.c.member_id).subquery())
    m = per_member.c
    key_columns = [m[k] for k in keys]
    totals = select(
        *key_columns,
        func.sum(case((m.store_n > 0, 1), else_=0)), func.sum(m.store_n), func.sum(m.store_yen),
        func.sum(case((m.n > m.store_n, 1), else_=0)), func.sum(m.n - m.store_n),
        func.sum(m.yen - m.store_yen),
        func.count(), func.sum(m.n), func.sum(m.yen)).group_by(*key_columns)
    for row in db.session.execute(totals):
        key = tuple(row[:len(keys)]) if len(keys) > 1 else row[0]
        if key in groups:
            figures = [int(n or 0) for n in row[len(keys):]]
            groups[key].sales = {channel: Sales(*figures[i * 3:i * 3 + 3])
                                 for i, channel in enumerate((*CHANNELS, "all"))}


def _window_bounds(exposures) -> tuple[datetime, datetime] | None:
    """When the first window opens and the last one closes: a range the purchases are cut
    to before they are joined to the members (the windows are a thin slice of the history)."""
    opens, closes = db.session.execute(select(
        func.min(exposures.c.starts),
        func.max(days_after(exposures.c.starts, exposures.c.days)))).one()
    return None if opens is None else (opens, closes)


def _purchases_in_window(exposures, keys: tuple[str, ...], bounds, overlapping: bool):
    """Each group's completed purchases made inside one of its members' windows; with
    `overlapping` windows (a member sent a flow twice) a purchase counts once per group."""
    statement = (select(*[exposures.c[k] for k in keys], Purchase.id.label("purchase_id"),
                        Purchase.member_id, Purchase.channel, Purchase.total)
                 .join(Purchase, and_(
                     Purchase.member_id == exposures.c.member_id,
                     Purchase.status == PurchaseStatus.COMPLETED,
                     Purchase.purchased_at >= bounds[0], Purchase.purchased_at < bounds[1],
                     Purchase.purchased_at >= exposures.c.starts,
                     Purchase.purchased_at < days_after(exposures.c.starts, exposures.c.days))))
    return (statement.distinct() if overlapping else statement).subquery()


def _opens(broadcast: Broadcast) -> datetime | None:
    return broadcast.started_at or broadcast.frozen_at


def _closes(broadcast: Broadcast) -> datetime | None:
    last_sent = db.session.scalar(
        select(func.max(MulticastBatch.sent_at))
        .join(BroadcastRecipient, BroadcastRecipient.batch_id == MulticastBatch.id)
        .where(BroadcastRecipient.broadcast_id == broadcast.id))
    last = max(filter(None, (last_sent, _opens(broadcast))), default=None)
    return None if last is None else last + timedelta(days=broadcast.attribution_days)


def _new_group(key: str) -> GroupResult:
    if key == HOLDOUT:
        return GroupResult(HOLDOUT, HOLDOUT_LABEL)
    return GroupResult(key, f"パターン{key}")


def _flow_name(key: str) -> str:
    flow = FLOWS.get(key)
    return flow.name if flow else key


def _ratio(numerator, denominator) -> float | None:
    return None if not denominator else numerator / denominator


def _compare(value, holdout_value) -> tuple[float | None, float | None]:
    if value is None or holdout_value is None:
        return None, None
    return value - holdout_value, (value / holdout_value if holdout_value else None)


# -- a moment plus a number of days, in SQL on both backends ------------------------------------

class days_after(FunctionElement):  # noqa: N801 (reads as a SQL function)
    """`moment + days` for a stored UTC moment and an integer column or value."""

    type = UTCDateTime()
    inherit_cache = True
    name = "days_after"


@compiles(days_after, "postgresql")
def _days_after_postgresql(element, compiler, **kw):
    moment, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({moment} + CAST({days} AS INTEGER) * INTERVAL '1 day')"


@compiles(days_after, "sqlite")
def _days_after_sqlite(element, compiler, **kw):
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff': shift the seconds part, keep the microseconds,
    # so the result compares as text exactly like the stored values.
    moment, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return (f"(strftime('%Y-%m-%d %H:%M:%S', {moment}, '+' || {days} || ' days')"
            f" || substr({moment}, 20))")
