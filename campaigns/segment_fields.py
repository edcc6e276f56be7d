"""The catalogue of segment conditions (配信対象の条件): what a marketer can pick, the values each
takes, and the SQL each compiles to over `Member`. Every condition is a column test, a correlated
EXISTS or a scalar subquery, so a whole segment is one WHERE clause the database answers in one
query, never a loop over members. Conditions on a member's purchases as a whole (first and last
purchase, 365-day count and spend, R, F, M) read the per-member summary purchases.stats keeps
instead of aggregating every member's purchases in each count.

A condition is {"field", "op", "value"}; an operator taking one parameter has a scalar value, one
taking several (a store AND a number of days) a dict keyed by parameter name."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import (
    Select,
    and_,
    extract,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    tuple_,
    union_all,
)

from campaigns.models import BroadcastRecipient, DeliveryClick
from catalog.models import Product
from conversations.models import SurveyAnswer
from coupons.models import IssuedCoupon
from line.messages import MEMBERSHIP_LABELS, RANK_LABELS
from line.models import Delivery, MulticastBatch
from members.models import Consent, FollowStatus, Member, Membership, Rank
from purchases import stats
from purchases.models import Channel, MemberStats, Purchase, PurchaseLine, PurchaseStatus

RFM_DAYS = stats.WINDOW_DAYS  # also the window of the summary's rolling figures
MAX_DAYS = 3650


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # choice | int | date | store | product | category | coupon | broadcast | flow
    label: str
    choices: tuple = ()  # ((stored value, Japanese label), ...) for kind "choice"
    minimum: int = 0
    maximum: int | None = None


@dataclass(frozen=True)
class Op:
    key: str
    label: str
    params: tuple[Param, ...]


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    ops: tuple[Op, ...]
    # (op key, checked value, Window) -> SQL boolean over Member
    compile: Callable

    def op(self, key: str) -> Op | None:
        return next((op for op in self.ops if op.key == key), None)


class Window:
    """'Now' for one query: utcnow() and the business (Asia/Tokyo) calendar around it. A window
    of N days starts at 00:00 business time N days before today."""

    def __init__(self, now: datetime):
        self.now = now
        self.tz = current_app.config["SETTINGS"].tz
        self.today = now.astimezone(self.tz).date()
        self.rfm = None  # the scores, built once per query however many R/F/M tests use them
        self.summary = None  # what the purchase summary holds, looked at once per query
        self.rolling = None  # its rows with today's 365-day figures, once per query
        self.ranks = {}  # ranked_count and ranked_at answers, once per query

    def day_start(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.tz).astimezone(UTC)

    def days_ago(self, days: int) -> datetime:
        return self.day_start(self.today - timedelta(days=days))


# --- parameters and operators ------------------------------------------------------------------

DAYS = Param("days", "int", "日数", minimum=1, maximum=MAX_DAYS)
DATE = Param("value", "date", "日付")
WITHIN_DAYS = Param("value", "int", "日数", minimum=1, maximum=MAX_DAYS)
YES_NO = (("yes", "はい"), ("no", "いいえ"))


def _choice(label, choices):
    return Param("value", "choice", label, tuple(choices))


def _number(label, **bounds):
    return Param("value", "int", label, **bounds)


def _is(param):
    return (Op("is", "が", (param,)),)


def _is_or_not(param):
    return (Op("is", "が", (param,)), Op("is_not", "が次以外", (param,)))


def _at_least_at_most(param):
    return (Op("gte", "以上", (param,)), Op("lte", "以下", (param,)))


DATE_OPS = (Op("before", "が指定日より前", (DATE,)), Op("after", "が指定日以降", (DATE,)),
            Op("within_days", "が過去N日以内", (WITHIN_DAYS,)))


def _compare(column, op, value):
    return {"is": column == value, "is_not": column != value, "gte": column >= value,
            "lte": column <= value}[op]


def _date_test(column, op, value, window):
    if op == "before":
        return column < window.day_start(date.fromisoformat(value))
    if op == "after":
        return column >= window.day_start(date.fromisoformat(value))
    return column >= window.days_ago(value)


# --- SQL building blocks -----------------------------------------------------------------------

def _completed_purchases(*criteria):
    """The member's completed purchases (returned and voided ones are not purchases any more)."""
    return select(Purchase.id).where(Purchase.member_id == Member.id,
                                     Purchase.status == PurchaseStatus.COMPLETED, *criteria)


def _bought(*criteria):
    return _completed_purchases(*criteria).exists()


def _bought_lines(window, days, *criteria):
    # The buyers as one set (hashed once inside an OR, a semi-join otherwise), not a probe of
    # each member's purchases and lines: other conditions may leave most members to probe.
    # The lines carry their purchase's member, time and status (PurchaseLine.completed), so the
    # set is a range of ix_purchase_lines_bought per product, never a visit to each purchase.
    return MemberSet(select(PurchaseLine.member_id).where(
        PurchaseLine.completed, PurchaseLine.member_id.is_not(None),
        PurchaseLine.purchased_at >= window.days_ago(days), *criteria))


@dataclass(frozen=True)
class MemberSet:
    """A condition as the SELECT of the ids it picks: sets ORed in one group become one
    UNION ALL (a semi-join from a few thousand ids) instead of every member tested against
    each set in turn."""

    ids: Select


def combine(match: str, parts: list):
    """The conditions (SQL booleans or MemberSets) of a group, ANDed ("all") or ORed ("any")."""
    sets = [part.ids for part in parts if isinstance(part, MemberSet)]
    tests = [part for part in parts if not isinstance(part, MemberSet)]
    if match == "any" and len(sets) > 1:
        sets = [union_all(*sets)]
    tests += [Member.id.in_(ids) for ids in sets]
    return (and_ if match == "all" else or_)(*tests)


def _purchase_aggregate(aggregate, *criteria):
    return (select(aggregate).where(Purchase.member_id == Member.id,
                                    Purchase.status == PurchaseStatus.COMPLETED, *criteria)
            .scalar_subquery())


def _stats_exist(window, *criteria):
    """The member's purchase summary (purchases.stats) meets the criteria; no row: no purchase."""
    _summary(window)
    return select(MemberStats.member_id).where(MemberStats.member_id == Member.id,
                                               *criteria).exists()


def _rolling_compare(window, name, op, threshold):
    """A 365-day figure of the summary against a threshold (>= 0); no row: zero."""
    rows = _rolling(window)
    figure = rows.c[name]

    def exist(criterion):
        return select(rows.c.member_id).where(rows.c.member_id == Member.id, criterion).exists()
    if op == "gte":
        return exist(figure >= threshold) if threshold > 0 else true()
    return not_(exist(figure > threshold))


def marketing_consent_granted():
    """The member's latest 'marketing' consent decision is a yes."""
    latest = (select(Consent.granted)
              .where(Consent.member_id == Member.id, Consent.kind == "marketing")
              .order_by(Consent.recorded_at.desc(), Consent.id.desc()).limit(1)
              .scalar_subquery())
    return latest.is_(True)


def _summary(window) -> dict:
    """What the per-member purchase summary (purchases.stats) holds now, looked at once per
    query (built on its first use): `current`, every row is over today's 365-day window (true
    from the daily refresh until midnight); `ranked`, nothing changed since R, F, M were ranked."""
    if window.summary is None:
        stats.ensure_built()
        since = window.days_ago(RFM_DAYS)
        current = stats.windows_current(since)
        window.summary = {"current": current, "ranked": current and stats.ranking_current()}
    return window.summary


def _rolling(window):
    """The summary's rows with purchases and spend over the last 365 days (purchases.stats),
    built once per query."""
    if window.rolling is None:
        window.rolling = stats.rolling(window.days_ago(RFM_DAYS),
                                       current=_summary(window)["current"])
    return window.rolling


def rfm_scores(window):
    """R, F and M as 1-5 quintiles (5 best) over the members with a completed purchase in the
    last 365 days: recency of the last purchase, number of purchases, yen spent; ranked from
    the summary's rows. One CTE per query (PostgreSQL computes it once for all the R, F and M
    tests of a segment)."""
    if window.rfm is None:
        window.rfm = _rfm_scores(window)
    return window.rfm


def _rfm_scores(window):
    since = window.days_ago(RFM_DAYS)
    rows = _rolling(window).c
    per_member = (select(rows.member_id.label("member_id"), rows.last_purchase_at.label("last"),
                         rows.purchases_365.label("frequency"),
                         rows.spend_365.label("monetary"))
                  .where(rows.last_purchase_at >= since).subquery("rfm_base"))
    c = per_member.c
    return select(c.member_id,
                  func.ntile(5).over(order_by=(c.last, c.member_id)).label("r"),
                  func.ntile(5).over(order_by=(c.frequency, c.member_id)).label("f"),
                  func.ntile(5).over(order_by=(c.monetary, c.member_id)).label("m"),
                  ).cte("rfm")


# --- the conditions ----------------------------------------------------------------------------

def _membership(op, value, window):
    return _compare(Member.membership, op, Membership(value))


def _rank(op, value, window):
    return _compare(Member.rank, op, Rank(value))


def _follow_status(op, value, window):
    return _compare(Member.follow_status, op, FollowStatus(value))


def _joined(op, value, window):
    return _date_test(Member.joined_at, op, value, window)


def _points(op, value, window):
    # The balance column is the ledger's sum, kept with every entry (members.points), and indexed.
    return _compare(Member.points_balance, op, value)


def _consent(op, value, window):
    granted = marketing_consent_granted()
    return granted if value == "yes" else not_(granted)


def _last_purchase_store(op, value, window):
    last_store = (_completed_purchases().with_only_columns(Purchase.store_id)
                  .order_by(Purchase.purchased_at.desc(), Purchase.id.desc()).limit(1)
                  .scalar_subquery())
    return _compare(last_store, op, value)


def _bought_at_store(op, value, window):
    return _bought(Purchase.store_id == value["store"],
                   Purchase.purchased_at >= window.days_ago(value["days"]))


def _bought_product(op, value, window):
    return _bought_lines(window, value["days"], PurchaseLine.product_id == value["product"])


def _bought_category(op, value, window):
    return _bought_lines(window, value["days"], PurchaseLine.product_id.in_(
        select(Product.id).where(Product.category == value["category"])))


def _bought_channel(op, value, window):
    return _bought(Purchase.channel == Channel(value["channel"]),
                   Purchase.purchased_at >= window.days_ago(value["days"]))


def _purchase_history(op, value, window):
    ever = _bought()
    return ever if value == "ever" else not_(ever)


def _first_purchase(op, value, window):
    # First and last purchase never roll: the summary has them exact (purchases.stats).
    return _stats_exist(window, _date_test(MemberStats.first_purchase_at, op, value, window))


def _days_since_last_purchase(op, value, window):
    # N days since the last purchase: bought on the business date N days ago or earlier.
    if op == "gte":
        return _stats_exist(window, MemberStats.last_purchase_at < window.days_ago(value - 1))
    return _stats_exist(window, MemberStats.last_purchase_at >= window.days_ago(value))


def _purchase_count(op, value, window):
    if value["days"] == RFM_DAYS:
        return _rolling_compare(window, "purchases_365", op, value["count"])
    return _aggregate_test(func.count(Purchase.id), op, value["count"], window, value["days"])


def _spend(op, value, window):
    if value["days"] == RFM_DAYS:
        return _rolling_compare(window, "spend_365", op, value["amount"])
    return _aggregate_test(func.coalesce(func.sum(Purchase.total), 0), op, value["amount"],
                           window, value["days"])


def _aggregate_test(aggregate, op, threshold, window, days):
    """Other windows than the summary's: a scalar subquery per member."""
    since = Purchase.purchased_at >= window.days_ago(days)
    return _compare(_purchase_aggregate(aggregate, since), op, threshold)


def _rfm(letter):
    """Three ways to the same quintiles: the scores stored at the daily ranking while nothing
    has changed; after a change, the quintile's first and last member in the summary's ranking
    (ntile cuts the ranking at positions that only depend on how many are ranked: two index
    lookups); before the daily refresh has moved the windows on, ntile in the query."""
    def compile_score(op, value, window):
        summary = _summary(window)
        if summary["ranked"]:
            return _stats_exist(window, _compare(getattr(MemberStats, letter), op, value))
        if summary["current"]:
            return _quintile_range(window, letter, op, value)
        scores = rfm_scores(window)
        return Member.id.in_(select(scores.c.member_id)
                             .where(_compare(scores.c[letter], op, value)))
    return compile_score


def _quintile_range(window, letter, op, value):
    if "count" not in window.ranks:
        window.ranks["count"] = stats.ranked_count()
    starts = stats.bucket_starts(window.ranks["count"])
    lowest = value if op in ("is", "gte") else 1
    highest = value if op in ("is", "lte") else 5
    return _stats_exist(window, stats.RANKED,
                        _from_position(window, letter, starts[lowest - 1]),
                        not_(_from_position(window, letter, starts[highest])))


def _from_position(window, letter, position):
    """SQL: the member is at `position` or later in the letter's ranking."""
    if (letter, position) not in window.ranks:
        window.ranks[letter, position] = stats.ranked_at(letter, position,
                                                         window.ranks["count"])
    found = window.ranks[letter, position]
    if found is None:  # past the end: nobody
        return false()
    key = stats.RANKED_BY[letter]
    return tuple_(key, MemberStats.member_id) >= tuple_(literal(found[0], key.type),
                                                         literal(found[1]))


def _birthday_month(op, value, window):
    return extract("month", Member.birthday) == value


def _unused_coupon(op, value, window):
    unused = select(IssuedCoupon.id).where(
        IssuedCoupon.member_id == Member.id, IssuedCoupon.definition_id == value,
        IssuedCoupon.redeemed_at.is_(None), IssuedCoupon.expires_at > window.now).exists()
    return unused if op == "has" else not_(unused)


def _broadcast(op, value, window):
    mine = and_(BroadcastRecipient.member_id == Member.id, BroadcastRecipient.broadcast_id == value)
    if op == "clicked":
        return select(BroadcastRecipient.id).where(
            mine, BroadcastRecipient.clicked_at.is_not(None)).exists()
    received = (select(BroadcastRecipient.id)
                .join(MulticastBatch, MulticastBatch.id == BroadcastRecipient.batch_id)
                .where(mine, BroadcastRecipient.status == "batched",
                       MulticastBatch.status == "sent").exists())
    return received if op == "received" else not_(received)


def _follow_up(op, value, window):
    since = window.days_ago(value["days"])
    mine = and_(Delivery.member_id == Member.id, Delivery.flow == value["flow"])
    if op == "clicked":
        return (select(DeliveryClick.id).join(Delivery, Delivery.id == DeliveryClick.delivery_id)
                .where(mine, DeliveryClick.clicked_at >= since).exists())
    return select(Delivery.id).where(mine, Delivery.status == "sent",
                                     Delivery.sent_at >= since).exists()


def _survey_rating(op, value, window):
    return select(SurveyAnswer.id).where(
        SurveyAnswer.member_id == Member.id, SurveyAnswer.rating <= value["rating"],
        SurveyAnswer.answered_at >= window.days_ago(value["days"])).exists()


STORE = Param("store", "store", "店舗")
CHANNELS = (("store", "店舗"), ("online", "オンライン"))
SCORE = _number("スコア", minimum=1, maximum=5)
RFM_OPS = (Op("is", "が", (SCORE,)), Op("gte", "以上", (SCORE,)), Op("lte", "以下", (SCORE,)))

FIELDS: dict[str, Field] = {field.key: field for field in (
    Field("membership", "会員種別",
          _is(_choice("会員種別", [(m.value, label) for m, label in MEMBERSHIP_LABELS.items()])),
          _membership),
    Field("rank", "ランク", _is_or_not(_choice("ランク", RANK_LABELS.items())), _rank),
    Field("follow_status", "友だち状態", _is_or_not(_choice("友だち状態", (
        ("followed", "友だち"), ("blocked", "ブロック中"), ("withdrawn", "退会済み")))),
        _follow_status),
    Field("joined", "登録日", DATE_OPS, _joined),
    Field("points_balance", "ポイント残高", _at_least_at_most(_number("ポイント")), _points),
    Field("marketing_consent", "お知らせ配信の同意", _is(_choice("同意", YES_NO)), _consent),
    Field("last_purchase_store", "最終購入店舗", _is_or_not(Param("value", "store", "店舗")),
          _last_purchase_store),
    Field("bought_at_store", "店舗で購入", (Op("within_days", "で過去N日以内に購入",
                                               (STORE, DAYS)),), _bought_at_store),
    Field("bought_product", "商品を購入", (Op("within_days", "を過去N日以内に購入", (
        Param("product", "product", "商品"), DAYS)),), _bought_product),
    Field("bought_category", "カテゴリを購入", (Op("within_days", "を過去N日以内に購入", (
        Param("category", "category", "カテゴリ"), DAYS)),), _bought_category),
    Field("bought_channel", "購入チャネル", (Op("within_days", "で過去N日以内に購入", (
        Param("channel", "choice", "チャネル", CHANNELS), DAYS)),), _bought_channel),
    Field("purchase_history", "購入経験", _is(_choice("購入経験", (("ever", "あり"),
                                                                  ("never", "なし")))),
          _purchase_history),
    Field("first_purchase", "初回購入日", DATE_OPS, _first_purchase),
    Field("days_since_last_purchase", "最終購入からの日数",
          _at_least_at_most(_number("日数", minimum=0, maximum=MAX_DAYS)),
          _days_since_last_purchase),
    Field("purchase_count", "購入回数", (
        Op("gte", "が過去N日間で以上", (DAYS, Param("count", "int", "回数"))),
        Op("lte", "が過去N日間で以下", (DAYS, Param("count", "int", "回数")))), _purchase_count),
    Field("spend", "購入金額", (
        Op("gte", "が過去N日間で以上", (DAYS, Param("amount", "int", "金額（円）"))),
        Op("lte", "が過去N日間で以下", (DAYS, Param("amount", "int", "金額（円）")))), _spend),
    Field("rfm_r", "RFM：R（最近の購入）", RFM_OPS, _rfm("r")),
    Field("rfm_f", "RFM：F（購入回数）", RFM_OPS, _rfm("f")),
    Field("rfm_m", "RFM：M（購入金額）", RFM_OPS, _rfm("m")),
    Field("birthday_month", "誕生月", _is(_number("月", minimum=1, maximum=12)),
          _birthday_month),
    Field("unused_coupon", "未使用クーポン", (
        Op("has", "を持っている", (Param("value", "coupon", "クーポン"),)),
        Op("has_not", "を持っていない", (Param("value", "coupon", "クーポン"),))),
        _unused_coupon),
    Field("broadcast", "一斉配信", (
        Op("received", "を受け取った", (Param("value", "broadcast", "配信"),)),
        Op("not_received", "を受け取っていない", (Param("value", "broadcast", "配信"),)),
        Op("clicked", "でリンクをタップした", (Param("value", "broadcast", "配信"),))),
        _broadcast),
    Field("follow_up", "フォローアップ", (
        Op("received", "を過去N日以内に受け取った", (Param("flow", "flow", "フロー"), DAYS)),
        Op("clicked", "のリンクを過去N日以内にタップした",
           (Param("flow", "flow", "フロー"), DAYS))), _follow_up),
    Field("survey_rating", "アンケートの評価", (
        Op("lte", "が過去N日以内に以下", (DAYS, Param("rating", "int", "評価（1〜5）",
                                                        minimum=1, maximum=5))),),
        _survey_rating),
)}


def reachable(*, promotional: bool):
    """Who a message can reach (Member.can_be_messaged, plus a LINE user id). The product has no
    older rule tying promotions to consent (follow-ups only cap them per day), so: a full member
    said yes or no to marketing messages on the form, and a promotion goes only to a yes (the
    latest decision); a light member gave no form and agreed to hear from the shop by adding the
    friend, so is reachable."""
    can_message = and_(Member.follow_status == FollowStatus.FOLLOWED,
                       Member.line_user_id.is_not(None), Member.withdrawn_at.is_(None))
    if not promotional:
        return can_message
    return and_(can_message, or_(Member.membership == Membership.LIGHT,
                                 marketing_consent_granted()))
