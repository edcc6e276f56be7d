"""When each flow is planned: on domain events (a purchase, a rank-up, a restock) and in the
daily sweeps (warranty, win-back, upgrade prompts, birthday coupons), declared in schedule.py.

Planning only writes ledger rows under unique keys, so running any of this twice is harmless.
"""

from datetime import datetime, timedelta

from sqlalchemy import String, case, cast, extract, func, literal, literal_column, select
from sqlalchemy.orm import aliased

from campaigns import content, delivery, flows, survey_flow
from campaigns.flows import Flow, register
from catalog.models import RestockRequest, Store
from core import events, jobs
from core.clock import to_business_time, utcnow
from core.extensions import db
from coupons import service as coupons
from line import sending
from line.models import Delivery
from members.models import FollowStatus, Member, Membership
from purchases.models import Purchase, PurchaseLine, PurchaseStatus
from purchases.rank_progress import progress_to_next_rank

# A purchase follow-up that should have gone out longer ago than this has missed its moment
# (an order recorded or imported late): it is not sent at all.
MISSED_AFTER = timedelta(hours=12)
AFTER_THE_RECEIPT = timedelta(minutes=1)

# The card answers the friend-add itself: when its reply falls back to a push, it goes at once.
register(Flow("welcome", "友だち追加（ウェルカム）", promotional=False, quiet_hours=False))
register(Flow("receipt", "お買い上げ・ポイント通知", False, {}, content.receipt,
              quiet_hours=False))
register(Flow("after_purchase", "店舗購入後のおすすめ", True,
              {"delay_minutes": 60, "products": 5}, content.after_purchase))
register(Flow("f2", "2回目購入クーポン", True, {"delay_days": 3}, content.second_purchase))
register(Flow("restock", "再入荷のお知らせ", False, {}, content.restock))
register(Flow("warranty", "保証期限のお知らせ", False, {"days_before": 30}, content.warranty))
register(Flow("rank_nudge", "ランクアップまであと少し", True, {"within_yen": 5000},
              content.rank_nudge))
register(Flow("rank_up", "ランクアップのお祝い", False, {}, content.rank_up))
register(Flow("winback", "休眠復帰（30/90/180日）", True,
              {"stages": [30, 90, 180], "with_coupon": True}, content.winback))
register(Flow("upgrade_prompt", "本会員登録のおすすめ", True,
              {"after_purchases": 2, "after_days": 14}, content.upgrade_prompt))
register(Flow("birthday", "お誕生日月クーポン", True, {}, content.birthday))
register(Flow("survey", "購入後アンケート", False,
              {"delay_minutes": 120, "stores": [], "ask_nps": False},
              survey_flow.survey_message, enabled_by_default=False))


def on_purchase_completed(event) -> None:
    member = db.session.get(Member, event.member_id) if event.member_id else None
    if member is None or event.payload.get("notify") is False:  # imported history: silent
        return
    bought_at = _bought_at(event)
    _plan_in_time(flow="receipt", member_id=member.id, occurrence=f"purchase:{event.subject_id}",
                  context={"purchase_id": event.subject_id}, since=bought_at)
    if event.payload.get("channel") == "store":
        delay = timedelta(minutes=flows.params_for("after_purchase")["delay_minutes"])
        _plan_in_time(flow="after_purchase", member_id=member.id,
                      occurrence=f"purchase:{event.subject_id}",
                      context={"purchase_id": event.subject_id}, delay=delay,
                      since=bought_at)
        _plan_survey(event, member, bought_at)
    if _is_first_purchase(event.subject_id):
        _plan_in_time(flow="f2", member_id=member.id, occurrence="first-purchase",
                      context={"purchase_id": event.subject_id},
                      delay=timedelta(days=flows.params_for("f2")["delay_days"]),
                      since=bought_at)
    _nudge_if_close_to_next_rank(member)


def _plan_survey(event, member: Member, bought_at: datetime) -> None:
    """The feedback survey (off by default), for a purchase at a chosen store (none chosen:
    every store)."""
    if not flows.is_enabled("survey"):
        return
    params = flows.params_for("survey")
    purchase = db.session.get(Purchase, event.subject_id)
    if purchase is None or (params["stores"] and purchase.store_id not in params["stores"]):
        return
    _plan_in_time(flow="survey", member_id=member.id, occurrence=f"purchase:{purchase.id}",
                  context={"purchase_id": purchase.id}, since=bought_at,
                  delay=timedelta(minutes=params["delay_minutes"]))


def _bought_at(event) -> datetime:
    """Follow-ups count from the purchase's own time (never later than it was recorded): an
    order recorded or imported late does not shift them."""
    purchase = db.session.get(Purchase, event.subject_id)
    return min(purchase.purchased_at, event.occurred_at) if purchase else event.occurred_at


def _plan_in_time(*, since: datetime, delay: timedelta = timedelta(0), **planned):
    """Plan a purchase follow-up, unless its moment passed long ago (then it is not sent)."""
    if since + delivery.scaled(delay) < utcnow() - MISSED_AFTER:
        return None
    return delivery.plan(since=since, delay=delay, **planned)


def _is_first_purchase(purchase_id: int) -> bool:
    """Decided from the purchase itself: it stands and no completed purchase of the member
    came before it. (Counting purchases when the event is handled would miss a first
    purchase whenever a second one is recorded before the worker gets to the first.)"""
    purchase = db.session.get(Purchase, purchase_id)
    if purchase is None or purchase.status != PurchaseStatus.COMPLETED:
        return False
    earlier = select(Purchase.id).where(
        Purchase.member_id == purchase.member_id, Purchase.status == PurchaseStatus.COMPLETED,
        (Purchase.purchased_at < purchase.purchased_at)
        | ((Purchase.purchased_at == purchase.purchased_at) & (Purchase.id < purchase.id)))
    return not db.session.scalar(select(earlier.exists()))


def _nudge_if_close_to_next_rank(member: Member) -> None:
    progress = progress_to_next_rank(member)
    if progress and progress.spend_needed <= flows.params_for("rank_nudge")["within_yen"]:
        delivery.plan(flow="rank_nudge", member_id=member.id,
                      occurrence=f"to:{progress.next_rank.value}",
                      context={"next_rank": progress.next_rank.value})


def on_rank_up(event) -> None:
    if event.payload.get("notify") is False:  # reached through imported history: silent
        return
    # A minute after the rank changed: the receipt of the purchase that raised it goes first.
    delivery.plan(flow="rank_up", member_id=event.member_id, occurrence=f"to:{event.payload['to']}",
                  context={"to": event.payload["to"]}, since=event.occurred_at,
                  delay=AFTER_THE_RECEIPT)


def on_restocked(event) -> None:
    """Tell each shopper waiting for this product (here, or anywhere) once."""
    store_id = event.payload.get("store_id")
    store = db.session.get(Store, store_id) if store_id else None
    waiting = db.session.scalars(select(RestockRequest).where(
        RestockRequest.product_id == event.subject_id, RestockRequest.notified_at.is_(None),
        (RestockRequest.store_id == store_id) | RestockRequest.store_id.is_(None)))
    for request in waiting:
        delivery.plan(flow="restock", member_id=request.member_id,
                      occurrence=f"request:{request.id}",
                      context={"product_id": event.subject_id,
                               "store_name": store.name if store else None})
        request.notified_at = utcnow()


ON_EVENT = {
    "purchase.completed": on_purchase_completed,
    "rank.up": on_rank_up,
    "stock.restocked": on_restocked,
}


def wire_follow_ups() -> None:
    """Subscribe the flows to their events and have the sender ask each flow at send time
    (called once by the app factory; calling it again changes nothing)."""
    for kind, handler in ON_EVENT.items():
        events.subscribe(kind, handler)
    for key in flows.FLOWS:
        sending.check_at_send_time(key, flows.at_send_time)


@jobs.job("followups", timeout=1800)
def daily_sweep() -> dict:
    """The date-based flows, once a day in business time; each plans at most once per key.

    Set-based and incremental: one query per flow finds the members (or purchase lines) that
    are due and have no ledger row yet, so a second run the same day writes nothing."""
    return {"warranty": plan_warranty_notices(), "winback": plan_winbacks(),
            "upgrade_prompt": plan_upgrade_prompts(), "birthday": plan_birthday_coupons()}


def _active_members():
    return select(Member.id).where(Member.follow_status == FollowStatus.FOLLOWED)


def _not_yet_planned(flow: str, member_id, occurrence):
    """No ledger row under the key delivery.plan writes: "{flow}:member:{id}:{occurrence}".
    An equality on the unique delivery_key, so each candidate costs one index probe."""
    key = (literal(f"{flow}:member:", String) + cast(member_id, String) + literal(":", String)
           + occurrence)
    return ~select(Delivery.id).where(Delivery.delivery_key == key).exists()


def _as_text(value):
    return cast(value, String)


def plan_warranty_notices() -> int:
    """Purchase lines whose warranty ends within `days_before` days from today (business
    dates, stored on the line at the sale), not yet planned."""
    if not flows.is_enabled("warranty"):
        return 0
    today = to_business_time(utcnow()).date()
    last_day = today + timedelta(days=flows.params_for("warranty")["days_before"])
    due = db.session.execute(
        select(PurchaseLine.id, Purchase.member_id)
        .join(Purchase, Purchase.id == PurchaseLine.purchase_id)
        .where(PurchaseLine.warranty_ends_on.between(today, last_day),
               Purchase.status == PurchaseStatus.COMPLETED,
               Purchase.member_id.in_(_active_members()),
               _not_yet_planned("warranty", Purchase.member_id,
                                literal("line:", String) + _as_text(PurchaseLine.id)))
        .order_by(PurchaseLine.id)).all()
    return sum(bool(delivery.plan(flow="warranty", member_id=member_id,
                                  occurrence=f"line:{line_id}", context={"line_id": line_id}))
               for line_id, member_id in due)


def _last_purchases():
    """Each active member's latest completed purchase (the later id wins a tie in time)."""
    later = aliased(Purchase)
    return (select(Purchase.member_id, Purchase.id.label("purchase_id"), Purchase.purchased_at)
            .where(Purchase.status == PurchaseStatus.COMPLETED,
                   Purchase.member_id.in_(_active_members()),
                   ~select(later.id).where(
                       later.member_id == Purchase.member_id,
                       later.status == PurchaseStatus.COMPLETED,
                       (later.purchased_at > Purchase.purchased_at)
                       | ((later.purchased_at == Purchase.purchased_at)
                          & (later.id > Purchase.id))).exists())
            .subquery())


def plan_winbacks() -> int:
    """Members whose last purchase is 30/90/180+ days ago: the latest stage they reached."""
    if not flows.is_enabled("winback"):
        return 0
    stages = sorted((int(s) for s in flows.params_for("winback")["stages"]), reverse=True)
    now, last = utcnow(), _last_purchases()
    # The longest silence reached; stages are inlined so both databases type them as integers.
    stage = case(*[(last.c.purchased_at <= now - timedelta(days=s), literal_column(str(s)))
                   for s in stages])
    occurrence = _as_text(stage) + literal(":after:", String) + _as_text(last.c.purchase_id)
    due = db.session.execute(
        select(last.c.member_id, last.c.purchase_id, stage)
        .where(last.c.purchased_at <= now - timedelta(days=stages[-1]),
               _not_yet_planned("winback", last.c.member_id, occurrence))
        .order_by(last.c.member_id)).all()
    return sum(bool(delivery.plan(flow="winback", member_id=member_id,
                                  occurrence=f"{stage}:after:{last_id}",
                                  context={"stage": stage, "last_purchase_id": last_id}))
               for member_id, last_id, stage in due)


def plan_upgrade_prompts() -> int:
    """Light members with k purchases, or d days since joining: invite them once."""
    if not flows.is_enabled("upgrade_prompt"):
        return 0
    params = flows.params_for("upgrade_prompt")
    purchases = (select(func.count(Purchase.id)).where(
        Purchase.member_id == Member.id, Purchase.status == PurchaseStatus.COMPLETED)
        .scalar_subquery())
    due = db.session.scalars(select(Member.id).where(
        Member.membership == Membership.LIGHT, Member.follow_status == FollowStatus.FOLLOWED,
        (purchases >= params["after_purchases"])
        | (Member.joined_at <= utcnow() - timedelta(days=params["after_days"])),
        _not_yet_planned("upgrade_prompt", Member.id, literal("once", String)))
        .order_by(Member.id)).all()
    return sum(bool(delivery.plan(flow="upgrade_prompt", member_id=member_id,
                                  occurrence="once")) for member_id in due)


def plan_birthday_coupons() -> int:
    """Full members born in this month (business time): their birthday coupon, once a year,
    planned on the month's first sweep (or the first after they registered their birthday)."""
    if not flows.is_enabled("birthday") or not coupons.get_active_definition(purpose="birthday"):
        return 0  # planned only with a coupon to give: a row now would use up the year
    today = to_business_time(utcnow()).date()
    year = str(today.year)
    due = db.session.scalars(select(Member.id).where(
        Member.membership == Membership.FULL, Member.follow_status == FollowStatus.FOLLOWED,
        extract("month", Member.birthday) == today.month,
        _not_yet_planned("birthday", Member.id, literal(year, String)))
        .order_by(Member.id)).all()
    return sum(bool(delivery.plan(flow="birthday", member_id=member_id, occurrence=year,
                                  context={"year": today.year, "month": today.month}))
               for member_id in due)
