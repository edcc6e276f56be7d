"""Segments: each condition picks exactly the members it should from a small seeded shop, groups
combine with AND / OR, reachability narrows the matching members, bad definitions are refused
in Japanese and change nothing. "Now" is the pinned clock: 2026-11-24 11:00 in Tokyo."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from campaigns import segments
from campaigns.models import Broadcast, BroadcastRecipient, DeliveryClick, Segment
from coupons.models import CouponDefinition, DiscountType, IssuedCoupon
from line.models import Delivery, MulticastBatch
from members.models import Consent, FollowStatus, Member, Membership, Rank
from purchases.models import Channel, Purchase, PurchaseLine, PurchaseStatus


class Shop:
    """The seeded rows, by name, for building conditions."""


@pytest.fixture
def shop(make, session, clock):
    now = clock.now
    s = Shop()
    s.shibuya, s.shinjuku = make.store(name="渋谷店"), make.store(name="新宿店")
    s.online = make.store(name="オンラインストア", kind="online")
    s.tee = make.product(sku="TEE", category="tops", price=3000)
    s.cap = make.product(sku="CAP", category="tops", price=10000)
    s.earbuds = make.product(sku="EARBUDS", category="audio", price=12000)
    s.chino = make.product(sku="CHINO", category="bottoms", price=5000)
    old = datetime(2025, 1, 1, tzinfo=UTC)
    s.light_new = make.member(display_name="light_new", points_balance=100, joined_at=datetime(
        2026, 11, 19, 15, 30, tzinfo=UTC), birthday=date(1990, 3, 3))  # 11/20 00:30 in Tokyo
    s.full_yes = make.member(display_name="full_yes", membership=Membership.FULL, rank=Rank.GOLD,
                             points_balance=5000, joined_at=old, birthday=date(2000, 11, 5))
    s.full_no = make.member(display_name="full_no", membership=Membership.FULL, rank=Rank.SILVER,
                            joined_at=old)
    s.blocked = make.member(display_name="blocked", follow_status=FollowStatus.BLOCKED,
                            points_balance=300, joined_at=old)
    s.withdrawn = make.member(display_name="withdrawn", line_user_id=None, joined_at=old,
                              follow_status=FollowStatus.WITHDRAWN, withdrawn_at=old)
    _consent(session, s.full_yes, True, now - timedelta(days=300))
    _consent(session, s.full_no, True, now - timedelta(days=300))
    _consent(session, s.full_no, False, now - timedelta(days=10))  # changed their mind
    days = lambda n: now - timedelta(days=n)  # noqa: E731
    _purchase(session, s.full_yes, s.shibuya, days(5), [s.tee])
    _purchase(session, s.full_yes, s.online, days(40), [s.chino], channel=Channel.ONLINE)
    _purchase(session, s.full_no, s.shinjuku, days(40), [s.earbuds])
    _purchase(session, s.full_no, s.shibuya, days(2), [s.tee], status=PurchaseStatus.RETURNED)
    _purchase(session, s.blocked, s.shibuya, days(10), [s.cap])
    _purchase(session, s.blocked, s.shibuya, days(10), [s.cap])
    session.commit()
    return s


def _consent(session, member, granted, at):
    session.add(Consent(member_id=member.id, kind="marketing", text_version="2026-11",
                        granted=granted, recorded_at=at))


def _purchase(session, member, store, at, products, channel=Channel.STORE,
              status=PurchaseStatus.COMPLETED):
    total = sum(p.price for p in products)
    purchase = Purchase(channel=channel, store_id=store.id, receipt_number=uuid.uuid4().hex,
                        member_id=member.id, purchased_at=at, total=total, status=status)
    purchase.lines = [PurchaseLine(product_id=p.id, quantity=1, unit_price=p.price,
                                   line_total=p.price, member_id=member.id, purchased_at=at,
                                   completed=status == PurchaseStatus.COMPLETED)
                      for p in products]
    session.add(purchase)
    return purchase


def who(session, *conditions, match="all"):
    definition = {"match": "all", "groups": [{"match": match, "conditions": [
        {"field": field, "op": op, "value": value} for field, op, value in conditions]}]}
    ids = session.scalars(segments.matching(definition)).all()
    return {session.get(Member, member_id).display_name for member_id in ids}


ALL = {"light_new", "full_yes", "full_no", "blocked", "withdrawn"}


@pytest.mark.parametrize(("condition", "expected"), [
    (("membership", "is", "light"), {"light_new", "blocked", "withdrawn"}),
    (("membership", "is", "full"), {"full_yes", "full_no"}),
    (("rank", "is", "gold"), {"full_yes"}),
    (("rank", "is_not", "regular"), {"full_yes", "full_no"}),
    (("follow_status", "is", "blocked"), {"blocked"}),
    (("follow_status", "is_not", "followed"), {"blocked", "withdrawn"}),
    (("joined", "after", "2026-11-20"), {"light_new"}),
    (("joined", "after", "2026-11-21"), set()),
    (("joined", "before", "2026-11-20"), ALL - {"light_new"}),
    (("joined", "within_days", 4), {"light_new"}),  # joined on the 20th: 4 days ago
    (("joined", "within_days", 3), set()),
    (("points_balance", "gte", 300), {"full_yes", "blocked"}),
    (("points_balance", "lte", 100), {"light_new", "full_no", "withdrawn"}),
    (("marketing_consent", "is", "yes"), {"full_yes"}),
    (("marketing_consent", "is", "no"), ALL - {"full_yes"}),
    (("purchase_history", "is", "never"), {"light_new", "withdrawn"}),
    (("purchase_history", "is", "ever"), {"full_yes", "full_no", "blocked"}),
    (("days_since_last_purchase", "gte", 7), {"blocked", "full_no"}),
    (("days_since_last_purchase", "gte", 5), {"full_yes", "blocked", "full_no"}),
    (("days_since_last_purchase", "lte", 5), {"full_yes"}),
    (("days_since_last_purchase", "lte", 4), set()),
    (("first_purchase", "within_days", 30), {"blocked"}),
    (("first_purchase", "before", "2026-11-01"), {"full_yes", "full_no"}),
    (("first_purchase", "after", "2026-11-01"), {"blocked"}),
    (("purchase_count", "gte", {"days": 30, "count": 2}), {"blocked"}),
    (("purchase_count", "lte", {"days": 30, "count": 0}), {"light_new", "withdrawn", "full_no"}),
    (("spend", "gte", {"days": 365, "amount": 12000}), {"full_no", "blocked"}),
    (("spend", "lte", {"days": 30, "amount": 3000}), {"light_new", "withdrawn", "full_yes",
                                                      "full_no"}),
    (("birthday_month", "is", 11), {"full_yes"}),
    (("rfm_r", "is", 3), {"full_yes"}),  # 3 buyers in the year: quintiles 1..3
    (("rfm_r", "lte", 1), {"full_no"}),
    (("rfm_m", "gte", 2), {"full_no", "blocked"}),
    (("rfm_f", "is", 1), {"full_no"}),
])
def test_each_condition_matches_exactly_its_members(session, shop, condition, expected):
    assert who(session, condition) == expected


def test_store_product_category_and_channel_conditions(session, shop):
    s = shop
    assert who(session, ("last_purchase_store", "is", s.shibuya.id)) == {"full_yes", "blocked"}
    assert who(session, ("last_purchase_store", "is_not", s.shibuya.id)) == {"full_no"}
    # The returned purchase at Shibuya two days ago does not count as buying there.
    assert who(session, ("bought_at_store", "within_days",
                         {"store": s.shibuya.id, "days": 7})) == {"full_yes"}
    assert who(session, ("bought_at_store", "within_days",
                         {"store": s.shibuya.id, "days": 30})) == {"full_yes", "blocked"}
    assert who(session, ("bought_product", "within_days",
                         {"product": s.earbuds.id, "days": 60})) == {"full_no"}
    assert who(session, ("bought_product", "within_days",
                         {"product": s.earbuds.id, "days": 30})) == set()
    assert who(session, ("bought_category", "within_days",
                         {"category": "tops", "days": 30})) == {"full_yes", "blocked"}
    assert who(session, ("bought_channel", "within_days",
                         {"channel": "online", "days": 60})) == {"full_yes"}
    assert who(session, ("bought_channel", "within_days",
                         {"channel": "online", "days": 30})) == set()


def test_unused_coupon_is_neither_redeemed_nor_expired(session, shop, clock):
    s, now = shop, clock.now
    wanted, other = (CouponDefinition(code=code, name=code, discount_type=DiscountType.AMOUNT,
                                      discount_value=500) for code in ("F2", "WELCOME"))
    session.add_all([wanted, other])
    session.flush()
    for member, definition, redeemed, expires in [
            (s.full_yes, wanted, None, now + timedelta(days=3)),
            (s.full_no, wanted, now - timedelta(days=1), now + timedelta(days=3)),
            (s.blocked, wanted, None, now - timedelta(minutes=1)),
            (s.light_new, other, None, now + timedelta(days=3))]:
        session.add(IssuedCoupon(definition_id=definition.id, member_id=member.id,
                                 code=uuid.uuid4().hex[:12], issue_key=uuid.uuid4().hex,
                                 expires_at=expires, redeemed_at=redeemed))
    session.commit()
    assert who(session, ("unused_coupon", "has", wanted.id)) == {"full_yes"}
    assert who(session, ("unused_coupon", "has_not", wanted.id)) == ALL - {"full_yes"}


def test_received_and_clicked_a_broadcast_or_a_follow_up(session, shop, clock):
    s, now = shop, clock.now
    broadcast = Broadcast(name="冬のセール")
    sent, failed = (MulticastBatch(source="broadcast:1", retry_key=str(uuid.uuid4()), to=[],
                                   messages=[], status=status) for status in ("sent", "failed"))
    session.add_all([broadcast, sent, failed])
    session.flush()
    session.add_all([
        BroadcastRecipient(broadcast_id=broadcast.id, member_id=s.full_yes.id, status="batched",
                           batch_id=sent.id, clicked_at=now),
        BroadcastRecipient(broadcast_id=broadcast.id, member_id=s.blocked.id, status="batched",
                           batch_id=failed.id),
        BroadcastRecipient(broadcast_id=broadcast.id, member_id=s.light_new.id, status="skipped",
                           skip_reason="blocked")])
    welcome = Delivery(delivery_key="welcome:1", member_id=s.light_new.id, flow="welcome",
                       retry_key=str(uuid.uuid4()), status="sent", sent_at=now - timedelta(days=3))
    session.add_all([welcome, Delivery(delivery_key="f2:1", member_id=s.full_no.id, flow="f2",
                                       retry_key=str(uuid.uuid4()), status="failed")])
    session.flush()
    session.add(DeliveryClick(delivery_id=welcome.id, clicked_at=now - timedelta(days=2)))
    session.commit()
    assert who(session, ("broadcast", "received", broadcast.id)) == {"full_yes"}
    assert who(session, ("broadcast", "not_received", broadcast.id)) == ALL - {"full_yes"}
    assert who(session, ("broadcast", "clicked", broadcast.id)) == {"full_yes"}
    assert who(session, ("follow_up", "received", {"flow": "welcome", "days": 7})) == {
        "light_new"}
    assert who(session, ("follow_up", "received", {"flow": "f2", "days": 7})) == set()
    assert who(session, ("follow_up", "clicked", {"flow": "welcome", "days": 2})) == {
        "light_new"}
    assert who(session, ("follow_up", "clicked", {"flow": "welcome", "days": 1})) == set()


def test_and_or_within_a_group_and_across_groups(session, shop):
    light, gold = ("membership", "is", "light"), ("rank", "is", "gold")
    blocked = ("follow_status", "is", "blocked")
    assert who(session, light, blocked) == {"blocked"}
    assert who(session, light, gold, match="any") == {"light_new", "blocked", "withdrawn",
                                                      "full_yes"}
    group = lambda match, *conds: {"match": match, "conditions": [  # noqa: E731
        {"field": f, "op": o, "value": v} for f, o, v in conds]}
    either = {"match": "any", "groups": [group("all", light, blocked), group("all", gold)]}
    both = {"match": "all", "groups": [group("any", light, gold), group("all", blocked)]}
    names = lambda d: {session.get(Member, i).display_name  # noqa: E731
                       for i in session.scalars(segments.matching(d))}
    assert names(either) == {"blocked", "full_yes"}
    assert names(both) == {"blocked"}


def _definition(*conditions):
    return {"match": "all", "groups": [{"match": "all", "conditions": [
        {"field": f, "op": o, "value": v} for f, o, v in conditions]}]}


def test_reachable_members_are_friends_and_for_promotions_full_members_who_said_yes(
        session, shop):
    light = _definition(("membership", "is", "light"))
    full = _definition(("membership", "is", "full"))
    assert segments.counts(light) == {"matching": 3, "reachable": 1}
    assert segments.counts(full) == {"matching": 2, "reachable": 1}
    assert segments.counts(full, promotional=False) == {"matching": 2, "reachable": 2}
    reached = set(session.scalars(segments.audience(full, promotional=True)))
    assert reached == {shop.full_yes.id}
    assert [m.display_name for m in segments.sample(light, limit=2)] == ["withdrawn", "blocked"]


def test_a_window_moves_with_the_clock(session, shop, clock):
    recent = _definition(("bought_at_store", "within_days", {"store": shop.shibuya.id, "days": 7}))
    assert segments.counts(recent)["matching"] == 1
    clock.advance(days=3)  # full_yes bought eight business days ago now
    assert segments.counts(recent)["matching"] == 0
    clock.set_tokyo(2026, 11, 26, 23, 59)  # still the 26th in Tokyo (14:59 UTC)
    assert segments.counts(recent)["matching"] == 1


@pytest.mark.parametrize(("definition", "where", "words"), [
    ({"match": "all", "groups": []}, "groups", "条件を1つ以上"),
    ({"match": "most", "groups": [{"conditions": [
        {"field": "membership", "op": "is", "value": "light"}]}]}, "match", "すべて"),
    (_definition(("shoe_size", "is", 27)), "groups.0.conditions.0", "不明な項目"),
    (_definition(("membership", "like", "light")), "groups.0.conditions.0", "比べ方"),
    (_definition(("membership", "is", "vip")), "groups.0.conditions.0", "会員種別を一覧から"),
    (_definition(("points_balance", "gte", "十")), "groups.0.conditions.0", "整数"),
    (_definition(("birthday_month", "is", 13)), "groups.0.conditions.0", "12以下"),
    (_definition(("joined", "before", "2026-13-01")), "groups.0.conditions.0", "日付"),
    (_definition(("bought_at_store", "within_days", {"store": 999999, "days": 7})),
     "groups.0.conditions.0", "店舗を一覧から"),
    (_definition(("bought_category", "within_days", {"category": "shoes", "days": 7})),
     "groups.0.conditions.0", "カテゴリを一覧から"),
    (_definition(("purchase_count", "gte", {"days": 0, "count": 1})), "groups.0.conditions.0",
     "日数には1以上"),
])
def test_bad_definitions_are_refused_in_japanese(session, shop, definition, where, words):
    with pytest.raises(segments.InvalidSegment) as refused:
        segments.check_definition(definition)
    assert words in refused.value.errors[where]


def test_values_are_normalised(session, shop):
    checked = segments.check_definition(_definition(("points_balance", "gte", " 300 ")))
    assert checked["groups"][0]["conditions"][0]["value"] == 300


def test_saving_checks_everything_and_an_error_writes_nothing(session, shop):
    good = _definition(("membership", "is", "light"))
    segments.save(name="ライト会員", definition=good)
    session.commit()
    with pytest.raises(segments.InvalidSegment) as refused:
        segments.save(name="ライト会員", definition=_definition(("rank", "is", "platinum")))
    assert "同じ名前" in refused.value.errors["name"]
    assert "ランク" in refused.value.errors["groups.0.conditions.0"]
    session.rollback()
    saved = session.query(Segment).one()
    assert saved.name == "ライト会員" and saved.definition == good
