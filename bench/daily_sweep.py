"""The daily sweep (warranty, win-back, upgrade prompts): the earlier Python loop and the
set-based sweep side by side, in one process, on the same data.

Seeds N purchase lines with a 12-month warranty (default 20,000) spread over the last 400 days,
for N/20 members (one in five a light member). The day's first run (the set-based sweep) plans
what is due; then the second run of the same day, where everything due is already planned, is
timed for both, on the same state (the loop's writes are rolled back, and both must plan the
same). Times are the planning itself (queries, inserts, savepoints), not the commit.
Run: .venv/bin/python -m bench.daily_sweep [warranty_lines]   (DATABASE_URL optional)
"""

import json
import os
import random
import sys
import tempfile
import time
from datetime import timedelta

from bench.serve import _redis, _reset_database

# --- the earlier sweep, kept as the reference (also for tests/campaigns/test_daily_sweep.py):
# every warranty line and every member's last purchase loaded into Python, and an insert tried
# (and rolled back to its savepoint) for every row already planned, every day.


def legacy_sweep() -> dict:
    return {"warranty": legacy_warranty_notices(), "winback": legacy_winbacks(),
            "upgrade_prompt": legacy_upgrade_prompts()}


def legacy_warranty_notices() -> int:
    from sqlalchemy import select

    from campaigns import delivery, flows
    from catalog.models import Product
    from core.clock import to_business_time, utcnow
    from core.extensions import db
    from purchases.models import Purchase, PurchaseLine, PurchaseStatus
    from purchases.warranty import warranty_end

    days_before = flows.params_for("warranty")["days_before"]
    rows = db.session.execute(
        select(PurchaseLine.id, Purchase.member_id, Purchase.purchased_at,
               Product.warranty_months)
        .join(Purchase, Purchase.id == PurchaseLine.purchase_id)
        .join(Product, Product.id == PurchaseLine.product_id)
        .where(Product.warranty_months > 0, Purchase.status == PurchaseStatus.COMPLETED,
               Purchase.member_id.in_(_legacy_active_members()))).all()
    today = to_business_time(utcnow()).date()
    planned = 0
    for line_id, member_id, purchased_at, months in rows:
        ends = warranty_end(purchased_at, months)
        if today <= ends <= today + timedelta(days=days_before):
            planned += bool(delivery.plan(flow="warranty", member_id=member_id,
                                          occurrence=f"line:{line_id}",
                                          context={"line_id": line_id}))
    return planned


def legacy_winbacks() -> int:
    from sqlalchemy import func, select

    from campaigns import content, delivery, flows
    from core.clock import utcnow
    from core.extensions import db
    from purchases.models import Purchase, PurchaseStatus

    stages = sorted(flows.params_for("winback")["stages"], reverse=True)
    last = (select(Purchase.member_id, func.max(Purchase.purchased_at).label("last_at"))
            .where(Purchase.status == PurchaseStatus.COMPLETED,
                   Purchase.member_id.in_(_legacy_active_members()))
            .group_by(Purchase.member_id)).subquery()
    planned = 0
    for member_id, last_at in db.session.execute(select(last.c.member_id, last.c.last_at)):
        idle_days = (utcnow() - last_at).days
        stage = next((s for s in stages if idle_days >= s), None)
        if stage is None:
            continue
        last_id = content.last_purchase_id(member_id)
        planned += bool(delivery.plan(flow="winback", member_id=member_id,
                                      occurrence=f"{stage}:after:{last_id}",
                                      context={"stage": stage, "last_purchase_id": last_id}))
    return planned


def legacy_upgrade_prompts() -> int:
    from sqlalchemy import func, select

    from campaigns import delivery, flows
    from core.clock import utcnow
    from core.extensions import db
    from members.models import FollowStatus, Member, Membership
    from purchases.models import Purchase, PurchaseStatus

    params = flows.params_for("upgrade_prompt")
    purchases = (select(func.count(Purchase.id)).where(
        Purchase.member_id == Member.id, Purchase.status == PurchaseStatus.COMPLETED)
        .scalar_subquery())
    candidates = db.session.scalars(select(Member.id).where(
        Member.membership == Membership.LIGHT, Member.follow_status == FollowStatus.FOLLOWED,
        (purchases >= params["after_purchases"])
        | (Member.joined_at <= utcnow() - timedelta(days=params["after_days"]))))
    return sum(bool(delivery.plan(flow="upgrade_prompt", member_id=member_id,
                                  occurrence="once")) for member_id in candidates)


def _legacy_active_members():
    from sqlalchemy import select

    from members.models import FollowStatus, Member

    return select(Member.id).where(Member.follow_status == FollowStatus.FOLLOWED)


# --- the benchmark


def seed(lines: int) -> None:
    """`lines` purchases of one warranty product by lines/20 members, over the last 400 days."""
    from sqlalchemy import insert, select, text

    from catalog.models import Product, Store
    from core.clock import utcnow
    from core.extensions import db
    from members.models import Member, Membership
    from purchases.models import Channel, Purchase, PurchaseLine
    from purchases.warranty import warranty_end

    rng, now = random.Random(7), utcnow()
    store = Store(code="B01", name="ベンチ店")
    product = Product(sku="BENCH-W", name="保証つき商品", category="audio", price=12000,
                      warranty_months=12)
    db.session.add_all([store, product])
    db.session.flush()
    members = max(lines // 20, 1)
    db.session.execute(insert(Member), [
        {"line_user_id": f"U{n:032x}", "member_number": f"29{n:011d}", "card_secret": "B" * 32,
         "display_name": f"会員{n}", "joined_at": now - timedelta(days=500),
         "membership": Membership.LIGHT if n % 5 == 0 else Membership.FULL}
        for n in range(members)])
    member_ids = db.session.scalars(select(Member.id).order_by(Member.id)).all()
    times = [now - timedelta(minutes=rng.randrange(400 * 24 * 60)) for _ in range(lines)]
    db.session.execute(insert(Purchase), [
        {"channel": Channel.STORE, "store_id": store.id, "receipt_number": f"B-{n}",
         "member_id": member_ids[n % members], "purchased_at": at, "total": 12000}
        for n, at in enumerate(times)])
    purchases = db.session.execute(
        select(Purchase.id, Purchase.purchased_at, Purchase.member_id).order_by(Purchase.id)).all()
    db.session.execute(insert(PurchaseLine), [
        {"purchase_id": purchase_id, "product_id": product.id, "quantity": 1,
         "unit_price": 12000, "line_total": 12000,
         "warranty_ends_on": warranty_end(at, product.warranty_months),
         "member_id": member_id, "purchased_at": at, "completed": True}
        for purchase_id, at, member_id in purchases])
    db.session.commit()
    db.session.execute(text("ANALYZE"))  # planner statistics, as autovacuum would gather them
    db.session.commit()


def timed(sweep) -> tuple[float, dict]:
    from core.extensions import db

    started = time.perf_counter()
    planned = sweep()
    db.session.flush()
    return time.perf_counter() - started, planned


def compare(legacy, set_based) -> dict:
    """Both on the same state: the loop's writes are rolled back, the sweep's committed."""
    from core.extensions import db

    legacy_s, legacy_planned = timed(legacy)
    db.session.rollback()
    sweep_s, sweep_planned = timed(set_based)
    db.session.commit()
    assert legacy_planned == sweep_planned, (legacy_planned, sweep_planned)
    return {"planned": sweep_planned, "loop_seconds": round(legacy_s, 3),
            "set_based_seconds": round(sweep_s, 3),
            "loop_over_set_based": round(legacy_s / max(sweep_s, 1e-9), 1)}


def first_run(set_based) -> dict:
    from core.extensions import db

    seconds, planned = timed(set_based)
    db.session.commit()
    return {"planned": planned, "set_based_seconds": round(seconds, 3)}


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        redis_url, embedded = _redis(tmp)
        os.environ.update({
            "REDIS_URL": redis_url, "SECRET_KEY": "bench-" + "k" * 40,
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"})
        try:
            _reset_database({**os.environ, "FLASK_APP": "app.py"})
            run(lines)
        finally:
            if embedded is not None:
                embedded.shutdown()


def run(lines: int) -> None:
    from app import create_app
    from campaigns import triggers

    def set_based():
        return {"warranty": triggers.plan_warranty_notices(), "winback": triggers.plan_winbacks(),
                "upgrade_prompt": triggers.plan_upgrade_prompts()}

    app = create_app()
    with app.app_context():
        seed(lines)
        first = first_run(set_based)
        second = compare(legacy_sweep, set_based)
    print(json.dumps({"database": os.environ["DATABASE_URL"].split("://")[0],
                      "warranty_lines": lines, "members": max(lines // 20, 1),
                      "first_run": first, "second_run": second}, ensure_ascii=False))


if __name__ == "__main__":
    main()
