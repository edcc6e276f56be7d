"""Figures from the purchases, by store, by channel and all together: first purchases of each
join month, F2 (a second purchase within 30 / 90 days of the first) by first-purchase month,
repeat purchasers per month, and the LTV cohort triangle. Completed purchases only (returned
and voided ones do not count), as everywhere in the product."""

from collections import Counter

from sqlalchemy import and_, func, literal, select

from campaigns.attribution import days_after
from core.extensions import db
from insights.calendar import Months
from members.models import Member
from purchases.models import Purchase, PurchaseStatus

ALL = "all"
# A dimension is read from a column of the purchase, or is everything together.
DIMENSIONS = {ALL: None, "channel": Purchase.channel, "store": Purchase.store_id}


def dimension_name(kind: str, value) -> str:
    return ALL if kind == ALL else f"{kind}:{getattr(value, 'value', value)}"


def _completed(months: Months):
    return and_(Purchase.status == PurchaseStatus.COMPLETED, Purchase.member_id.is_not(None),
                Purchase.purchased_at < months.as_of)


def _dimension_column(kind: str):
    column = DIMENSIONS[kind]
    return (literal(ALL) if column is None else column).label("dim")


def first_purchases(months: Months):
    """funnel.purchased by join month: members of that month who have bought since."""
    joined_k = months.bucket(Member.joined_at)
    buyers = select(Purchase.member_id).where(_completed(months)).distinct().subquery()
    rows = db.session.execute(
        select(joined_k, func.count()).join(buyers, buyers.c.member_id == Member.id)
        .where(Member.joined_at >= months.start(months.shown[0])).group_by(joined_k)).all()
    counts = dict(rows)
    for k in months.shown:
        yield "funnel.purchased", months.label(k), counts.get(k, 0)


def second_purchases(months: Months, kind: str):
    """f2.first_buyers / f2.within_30 / f2.within_90 by first-purchase month, a member's
    first and second purchase counted within the dimension (e.g. at one store)."""
    dim = _dimension_column(kind)
    since = months.start(months.shown[0])
    firsts = (select(dim, Purchase.member_id, func.min(Purchase.purchased_at).label("first_at"))
              .where(_completed(months)).group_by(dim, Purchase.member_id)
              .having(func.min(Purchase.purchased_at) >= since).subquery())
    f = firsts.c
    later = [Purchase.member_id == f.member_id, Purchase.purchased_at > f.first_at,
             Purchase.purchased_at < months.as_of, Purchase.status == PurchaseStatus.COMPLETED]
    if DIMENSIONS[kind] is not None:
        later.append(DIMENSIONS[kind] == f.dim)
    pairs = (select(f.dim, f.member_id, f.first_at,
                    func.min(Purchase.purchased_at).label("second_at"))
             .select_from(firsts).outerjoin(Purchase, and_(*later))
             .group_by(f.dim, f.member_id, f.first_at).subquery())
    p = pairs.c
    first_k = months.bucket(p.first_at)
    rows = db.session.execute(
        select(p.dim, first_k, func.count(),
               func.count(p.second_at).filter(p.second_at < days_after(p.first_at, 30)),
               func.count(p.second_at).filter(p.second_at < days_after(p.first_at, 90)))
        .group_by(p.dim, first_k)).all()
    for value, k, buyers, within_30, within_90 in rows:
        if k not in months.shown:
            continue
        dimension, period = dimension_name(kind, value), months.label(k)
        yield "f2.first_buyers", period, dimension, buyers
        yield "f2.within_30", period, dimension, within_30
        yield "f2.within_90", period, dimension, within_90


def repeat_purchasers(months: Months, kind: str):
    """repeat.purchasers / repeat.repeaters / revenue per month: members who bought in the
    month, and those of them who had bought before it (within the dimension)."""
    dim = _dimension_column(kind)
    k = months.bucket(Purchase.purchased_at)
    per_month = (select(dim, Purchase.member_id, k.label("k"), func.sum(Purchase.total)
                        .label("yen"))
                 .where(_completed(months)).group_by(dim, Purchase.member_id, k).subquery())
    pm = per_month.c
    first = (select(pm.dim, pm.member_id, func.min(pm.k).label("first_k"))
             .group_by(pm.dim, pm.member_id).subquery())
    rows = db.session.execute(
        select(pm.dim, pm.k, func.count(), func.count().filter(first.c.first_k < pm.k),
               func.sum(pm.yen))
        .join(first, and_(first.c.dim == pm.dim, first.c.member_id == pm.member_id))
        .where(pm.k >= months.shown[0]).group_by(pm.dim, pm.k)).all()
    for value, month_k, purchasers, repeaters, yen in rows:
        dimension, period = dimension_name(kind, value), months.label(month_k)
        yield "repeat.purchasers", period, dimension, purchasers
        yield "repeat.repeaters", period, dimension, repeaters
        yield "revenue", period, dimension, int(yen or 0)


def lifetime_value(months: Months):
    """ltv.members (cohort size, by join month) and ltv.revenue: the cohort's cumulative
    revenue up to `offset` months after its join month, by store, channel and together."""
    joined_k = months.bucket(Member.joined_at).label("joined_k")
    since = months.start(months.shown[0])
    sizes = dict(db.session.execute(
        select(joined_k, func.count()).where(Member.joined_at >= since)
        .group_by(joined_k)).all())
    bought_k = months.bucket(Purchase.purchased_at)
    rows = db.session.execute(
        select(joined_k, bought_k, Purchase.store_id, Purchase.channel, func.sum(Purchase.total))
        .join(Member, Member.id == Purchase.member_id)
        .where(_completed(months), Member.joined_at >= since)
        .group_by(joined_k, bought_k, Purchase.store_id, Purchase.channel)).all()
    revenue = Counter()
    for join_k, buy_k, store_id, channel, yen in rows:
        for dimension in (ALL, dimension_name("channel", channel),
                          dimension_name("store", store_id)):
            revenue[join_k, max(buy_k - join_k, 0), dimension] += int(yen or 0)
    dimensions = {d for (_, _, d) in revenue} | {ALL}
    for join_k in months.shown:
        period = months.label(join_k)
        yield "ltv.members", period, 0, ALL, sizes.get(join_k, 0)
        for dimension in dimensions:
            total = 0
            for offset in range(months.shown[-1] - join_k + 1):
                total += revenue[join_k, offset, dimension]
                yield "ltv.revenue", period, offset, dimension, total
