"""The customer structure month by month, from the members table: light and full members,
blocked and withdrawn; joins, upgrades and blocks per month; members by rank and by RFM group.

The members table keeps when each member joined, upgraded and (if still so) blocked or
withdrew, so a month's state is read from those moments: a member who blocked and came back
counts as a friend throughout (the unblock clears the block's time)."""

from collections import Counter, defaultdict
from datetime import timedelta

from sqlalchemy import Integer, and_, case, func, literal, or_, select, union_all

from core.extensions import db
from core.types import UTCDateTime
from insights.calendar import Months
from insights.sqltime import whole_days_between
from members.models import FollowStatus, Member
from purchases.models import Purchase, PurchaseStatus

STRUCTURE = ("light", "full", "blocked", "withdrawn")
RFM_GROUPS = ("loyal", "stable", "new", "at_risk", "dormant", "lost")


def member_structure(months: Months):
    """structure.* (state at each month's end), funnel.joined / funnel.upgraded (by join
    month), blocks (members still blocked, by the month they blocked)."""
    exit_kind = case((Member.follow_status == FollowStatus.WITHDRAWN, "withdrawn"),
                     (Member.follow_status == FollowStatus.BLOCKED, "blocked"), else_=None)
    exit_at = case((Member.follow_status == FollowStatus.WITHDRAWN,
                    func.coalesce(Member.withdrawn_at, Member.joined_at)),
                   (Member.follow_status == FollowStatus.BLOCKED,
                    func.coalesce(Member.blocked_at, Member.joined_at)), else_=None)
    # The same expression objects in SELECT and GROUP BY: PostgreSQL sees one parameter each.
    keys = (months.bucket(Member.joined_at), months.bucket(Member.upgraded_at),
            months.bucket(exit_at), exit_kind)
    rows = db.session.execute(select(*keys, func.count()).group_by(*keys)).all()
    state, joined, upgraded, blocks = Counter(), Counter(), Counter(), Counter()
    for join_k, upgrade_k, exit_k, kind, n in rows:
        for k in months.shown:
            if join_k <= k:
                state[_state_at(k, upgrade_k, exit_k, kind), k] += n
        joined[join_k] += n
        if upgrade_k is not None:
            upgraded[join_k] += n
        if kind == "blocked":
            blocks[exit_k] += n
    for k in months.shown:
        period = months.label(k)
        yield from ((f"structure.{name}", period, state[name, k]) for name in STRUCTURE)
        yield "funnel.joined", period, joined[k]
        yield "funnel.upgraded", period, upgraded[k]
        yield "blocks", period, blocks[k]


def _state_at(k, upgrade_k, exit_k, kind) -> str:
    if kind is not None and exit_k <= k:
        return kind
    if upgrade_k is not None and upgrade_k <= k:
        return "full"
    return "light"


def upgrade_days(months: Months):
    """funnel.upgrade_median_days by join month: the median whole days from joining to
    becoming a full member, of the members of that month who did."""
    join_k = months.bucket(Member.joined_at)
    days = whole_days_between(Member.joined_at, Member.upgraded_at)
    rows = db.session.execute(
        select(join_k, days, func.count())
        .where(Member.upgraded_at.is_not(None), Member.joined_at >= months.start(months.shown[0]))
        .group_by(join_k, days)).all()
    histogram = defaultdict(list)
    for k, whole_days, n in rows:
        histogram[k].append((whole_days, n))
    for k in months.shown:
        if histogram[k]:
            yield "funnel.upgrade_median_days", months.label(k), _median(histogram[k])


def _median(counts: list[tuple[int, int]]) -> float:
    """The median of values given as (value, how many)."""
    ordered = sorted(counts)
    total = sum(n for _, n in ordered)
    middle = [(total - 1) // 2, total // 2]
    values, seen = [], 0
    for value, n in ordered:
        values += [value for position in middle if seen <= position < seen + n]
        seen += n
    return sum(values) / 2


def ranks_and_rfm(months: Months, *, silver: int, gold: int, settings):
    """rank.silver / rank.gold by 12-month spend at each month's end (today's thresholds), and
    rfm.* by days since the last purchase and purchases so far at each month's end, over the
    members not withdrawn by then."""
    per_member_month = _purchases_per_member_month(months)
    shown = _shown_months(months, settings)
    m, p = shown.c, per_member_month.c
    state = (select(m.k, p.member_id, func.sum(p.n).label("purchases"),
                    func.max(p.last_at).label("last_at"),
                    func.sum(case((p.k > m.k - 12, p.yen), else_=0)).label("spend_12m"),
                    m.active_from, m.at_risk_from, m.dormant_from)
             .select_from(per_member_month)
             .join(shown, p.k <= m.k)
             .join(Member, Member.id == p.member_id)
             .where(or_(Member.withdrawn_at.is_(None), Member.withdrawn_at >= m.ends))
             .group_by(m.k, p.member_id, m.active_from, m.at_risk_from, m.dormant_from)
             .subquery())
    s = state.c
    group = case(
        (and_(s.last_at >= s.active_from, s.purchases >= settings.loyal_purchases), "loyal"),
        (and_(s.last_at >= s.active_from, s.purchases >= settings.stable_purchases), "stable"),
        (s.last_at >= s.active_from, "new"),
        (s.last_at >= s.at_risk_from, "at_risk"),
        (s.last_at >= s.dormant_from, "dormant"), else_="lost")
    rows = db.session.execute(
        select(s.k, group, func.count(),
               func.sum(case((s.spend_12m >= gold, 1), else_=0)),
               func.sum(case((and_(s.spend_12m >= silver, s.spend_12m < gold), 1), else_=0)))
        .group_by(s.k, group)).all()
    rfm, ranked = Counter(), Counter()
    for k, name, n, gold_n, silver_n in rows:
        rfm[name, k] += n
        ranked["gold", k] += int(gold_n or 0)
        ranked["silver", k] += int(silver_n or 0)
    for k in months.shown:
        period = months.label(k)
        yield from ((f"rfm.{name}", period, rfm[name, k]) for name in RFM_GROUPS)
        yield from ((f"rank.{name}", period, ranked[name, k]) for name in ("silver", "gold"))


def _purchases_per_member_month(months: Months):
    """Each member's completed purchases per bucket: how many, yen, the last one's time."""
    k = months.bucket(Purchase.purchased_at)
    return (select(Purchase.member_id, k.label("k"), func.count().label("n"),
                   func.sum(Purchase.total).label("yen"),
                   func.max(Purchase.purchased_at).label("last_at"))
            .where(Purchase.status == PurchaseStatus.COMPLETED, Purchase.member_id.is_not(None),
                   Purchase.purchased_at < months.as_of)
            .group_by(Purchase.member_id, k).subquery())


def _shown_months(months: Months, settings):
    """The shown months as rows: bucket, end, and where each recency group starts."""
    def bound(moment, label):
        return literal(moment, UTCDateTime()).label(label)

    def row(k):
        end = months.end(k)
        return select(literal(k, Integer()).label("k"), bound(end, "ends"),
                      bound(end - _days(settings.active_days), "active_from"),
                      bound(end - _days(settings.at_risk_days), "at_risk_from"),
                      bound(end - _days(settings.dormant_days), "dormant_from"))
    return union_all(*(row(k) for k in months.shown)).subquery()


def _days(n: int) -> timedelta:
    return timedelta(days=n)
