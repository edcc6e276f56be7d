"""Ranks follow the rolling 12-month spend of completed purchases."""

from datetime import timedelta

from sqlalchemy import select

from core.clock import utcnow
from core.events import DomainEvent
from members.models import LoyaltySettings, Rank
from members.ranks import rank_for
from purchases import ranks
from purchases.models import Channel, Purchase, PurchaseStatus


def _purchase(session, store, member, total, *, days_ago=0, status=PurchaseStatus.COMPLETED):
    session.add(Purchase(channel=Channel.STORE, store_id=store.id, member_id=member.id,
                         receipt_number=f"R{total}-{days_ago}-{status}", total=total,
                         purchased_at=utcnow() - timedelta(days=days_ago), status=status))
    session.commit()


def test_thresholds_decide_the_rank():
    rules = LoyaltySettings(silver_threshold=30_000, gold_threshold=100_000)
    assert rank_for(spend=29_999, settings=rules) == Rank.REGULAR
    assert rank_for(spend=30_000, settings=rules) == Rank.SILVER
    assert rank_for(spend=100_000, settings=rules) == Rank.GOLD


def test_only_completed_purchases_of_the_last_twelve_months_count(session, make):
    store, member = make.store(), make.member()
    _purchase(session, store, member, 20_000)
    _purchase(session, store, member, 50_000, days_ago=400)
    _purchase(session, store, member, 50_000, status=PurchaseStatus.RETURNED)
    assert ranks.rolling_spend(member_id=member.id) == 20_000
    assert ranks.recompute_rank(member=member) == Rank.REGULAR


def test_a_rise_is_recorded_once_and_a_fall_records_nothing(session, make):
    store, member = make.store(), make.member()
    _purchase(session, store, member, 40_000)
    ranks.recompute_rank(member=member)
    ranks.recompute_rank(member=member)
    session.commit()
    [up] = session.scalars(select(DomainEvent).where(DomainEvent.kind == "rank.up"))
    assert (up.member_id, up.payload) == (member.id, {"from": "regular", "to": "silver"})
    session.scalar(select(Purchase)).status = PurchaseStatus.RETURNED
    session.flush()
    assert ranks.recompute_rank(member=member) == Rank.REGULAR
    session.commit()
    assert session.query(DomainEvent).count() == 1


def test_marketers_change_the_thresholds_in_the_console(client, login, session):
    from tests.factories import csrf_token_from

    login(role="marketer")
    token = csrf_token_from(client.get("/admin/loyaltysettings/new/").get_data(as_text=True))
    answer = client.post("/admin/loyaltysettings/new/", data={
        "csrf_token": token, "yen_per_point": "200", "silver_threshold": "10000",
        "gold_threshold": "50000", "regular_multiplier_pct": "100",
        "silver_multiplier_pct": "120", "gold_multiplier_pct": "150"})
    assert answer.status_code == 302
    assert session.scalar(select(LoyaltySettings)).silver_threshold == 10_000
