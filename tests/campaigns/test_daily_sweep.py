"""The daily sweep is set-based and incremental: SQL finds only what is due and not yet in the
ledger, so it plans what the earlier loop planned, and a second run the same day writes nothing."""

import json
import random
from datetime import timedelta

import pytest
from sqlalchemy import event

from bench.daily_sweep import legacy_sweep
from campaigns.triggers import daily_sweep
from core.extensions import db
from line.models import Delivery
from members.models import FollowStatus, Membership
from purchases.models import Channel, Purchase, PurchaseLine, PurchaseStatus
from purchases.warranty import warranty_end

NOTHING = {"warranty": 0, "winback": 0, "upgrade_prompt": 0, "birthday": 0}
# The loop had no birthday coupons, and no coupon is defined here (see test_birthday.py).
LOOPED = ("warranty", "winback", "upgrade_prompt")


@pytest.fixture
def shoppers(make, clock, session):
    """Followed, blocked and withdrawn; light and full; purchases (some returned) of products
    with no, 1, 12 and 24-month warranties over the last 800 days."""
    rng, store = random.Random(20261124), make.store()
    products = [make.product(warranty_months=months) for months in (0, 1, 12, 24)]
    due = make.member()  # followed, with a warranty ending within 30 days of today
    _buy(session, store, due, products[2], clock.now - timedelta(days=350), "due")
    for n in range(60):
        member = make.member(
            follow_status=rng.choice([FollowStatus.FOLLOWED] * 5
                                     + [FollowStatus.BLOCKED, FollowStatus.WITHDRAWN]),
            membership=rng.choice([Membership.LIGHT, Membership.LIGHT, Membership.FULL]),
            joined_at=clock.now - timedelta(days=rng.randrange(800)))
        for k in range(rng.randrange(5)):
            _buy(session, store, member, rng.choice(products),
                 clock.now - timedelta(minutes=rng.randrange(800 * 24 * 60)), f"{n}-{k}",
                 rng.choice([PurchaseStatus.COMPLETED] * 4 + [PurchaseStatus.RETURNED]))
    session.commit()


def _buy(session, store, member, product, at, receipt, status=PurchaseStatus.COMPLETED):
    purchase = Purchase(channel=Channel.STORE, store_id=store.id, member_id=member.id,
                        receipt_number=f"S-{receipt}", purchased_at=at, total=1000, status=status)
    session.add(purchase)
    session.flush()
    session.add(PurchaseLine(purchase_id=purchase.id, product_id=product.id, quantity=1,
                             unit_price=1000, line_total=1000,
                             warranty_ends_on=warranty_end(at, product.warranty_months),
                             member_id=member.id, purchased_at=at,
                             completed=status == PurchaseStatus.COMPLETED))


def _ledger(session) -> set:
    session.expire_all()
    return {(d.delivery_key, d.flow, d.member_id, json.dumps(d.context, sort_keys=True),
             d.send_after) for d in session.query(Delivery)}


def test_the_sweep_plans_what_the_earlier_loop_planned_day_after_day(
        shoppers, clock, worker, session):
    planned = dict(NOTHING)
    for days in (0, 1, 17, 30, 45, 61, 90):
        clock.advance(days=days)
        by_loop = legacy_sweep()  # the reference, on the same state, then undone
        loop_ledger = _ledger(session)
        session.rollback()

        by_sweep = worker.call(daily_sweep)
        assert by_sweep == {**NOTHING, **by_loop}, f"day +{days}"
        assert _ledger(session) == loop_ledger, f"day +{days}"
        planned = {flow: planned[flow] + count for flow, count in by_sweep.items()}
    assert all(planned[flow] for flow in LOOPED), planned  # the data exercised every flow


def test_a_second_run_the_same_day_plans_nothing_and_writes_nothing(
        shoppers, clock, worker, session):
    first = worker.call(daily_sweep)
    assert all(first[flow] for flow in LOOPED), first

    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement.lstrip().split(None, 1)[0].upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        second = worker.call(daily_sweep)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert second == NOTHING
    assert {"INSERT", "UPDATE", "DELETE", "SAVEPOINT"} & set(statements) == set()
    # A few queries in all (settings and one per flow), however many rows are already planned.
    assert len(statements) <= 12, statements
