"""The points ledger: each fact posts once, and the cached balance always equals the sum."""

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.clock import utcnow
from core.extensions import db
from members import points
from members.models import LoyaltySettings, Member, Rank
from members.numbers import new_member_number
from pos.errors import PosError
from pos.purchases import record_purchase
from pos.receipts import parse_receipt
from purchases.models import PurchaseStatus
from purchases.returns import reverse_purchase


def test_points_follow_the_rate_and_the_rank_multiplier():
    rules = LoyaltySettings(yen_per_point=100, regular_multiplier_pct=100,
                            silver_multiplier_pct=150, gold_multiplier_pct=200)
    assert points.points_for(paid=6099, rank=Rank.REGULAR, settings=rules) == 60
    assert points.points_for(paid=6099, rank=Rank.SILVER, settings=rules) == 90
    assert points.points_for(paid=6099, rank=Rank.GOLD, settings=rules) == 120
    assert points.points_for(paid=99, rank=Rank.GOLD, settings=rules) == 0


def test_defaults_apply_until_settings_are_saved(session):
    assert points.get_loyalty_settings().yen_per_point == 100
    session.add(LoyaltySettings(yen_per_point=200))
    session.commit()
    assert points.get_loyalty_settings().yen_per_point == 200


def test_an_entry_key_posts_once(session, make):
    member = make.member()
    for _ in range(3):
        points.post_entry(member_id=member.id, delta=10, reason="adjust", entry_key="adjust:1")
    session.commit()
    assert session.get(Member, member.id).points_balance == points.ledger_sum(
        member_id=member.id) == 10


ACTIONS = st.lists(st.one_of(
    st.tuples(st.just("buy"), st.integers(min_value=1, max_value=5),
              st.integers(min_value=0, max_value=60_000)),
    st.tuples(st.just("return"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("void"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("spend"), st.integers(min_value=1, max_value=500)),
), max_size=15)


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_balance_equals_the_ledger_after_any_purchases_returns_and_redemptions(
        session, make, actions):
    store, product = make.store(), make.product(price=100)
    member = make.member(member_number=new_member_number())
    for n, action in enumerate(actions):
        _apply(action, n, store, product, member)
        db.session.commit()
    member = session.get(Member, member.id)
    session.refresh(member)
    # (It may go below zero: a return claws back points the member already spent.)
    assert member.points_balance == points.ledger_sum(member_id=member.id)


def _apply(action, n, store, product, member):
    kind = action[0]
    if kind == "buy":
        _, quantity, price = action
        body = {"receipt_number": f"P{n}", "purchased_at": utcnow().isoformat(),
                "lines": [{"sku": product.sku, "quantity": quantity, "unit_price": price}],
                "total": quantity * price, "member_number": member.member_number}
        record_purchase(store=store, receipt=parse_receipt(body), till="test")
    elif kind in ("return", "void"):
        status = PurchaseStatus.RETURNED if kind == "return" else PurchaseStatus.VOIDED
        try:
            reverse_purchase(store=store, receipt_number=f"P{action[1]}", status=status)
        except PosError:  # unknown receipt, or already reversed the other way
            db.session.rollback()
    else:
        with contextlib.suppress(ValueError):  # not enough points: refused, nothing posted
            points.spend(member_id=member.id, points=action[1], entry_key=f"spend:{n}")
