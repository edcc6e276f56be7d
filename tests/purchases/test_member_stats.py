"""The per-member purchase summary (purchases.stats) against the purchases themselves: each sale,
return and void rewrites the member's row; the daily refresh recomputes every row and ranks R, F,
M; and between refreshes the segments that read it stay exact, across midnight too."""

import uuid
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from campaigns import segments
from purchases import stats
from purchases.models import MemberStats, Purchase, PurchaseStatus
from purchases.receipts import LineInput, Receipt
from purchases.returns import reverse_purchase
from purchases.service import record_purchase

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(*fields):
    return datetime(*fields, tzinfo=TOKYO).astimezone(UTC)


@pytest.fixture
def shop(make):
    store = make.store()
    product = make.product(sku="GIFT", price=1000)
    return store, product


def buy(session, shop, member, total, at) -> str:
    store, product = shop
    number = uuid.uuid4().hex[:12]
    receipt = Receipt(receipt_number=number, purchased_at=at, total=total,
                      lines=[LineInput(code=product.sku, quantity=1, unit_price=total)],
                      fingerprint=number)
    record_purchase(store=store, receipt=receipt, member=member, notify=False)
    session.commit()
    return number


def reverse(session, shop, number, status):
    reverse_purchase(store=shop[0], receipt_number=number, status=status)
    session.commit()


# --- the truth, from the purchases, in Python --------------------------------------------------

def window_start(now):
    today = now.astimezone(TOKYO).date()
    return datetime.combine(today - timedelta(days=365), time(0), tzinfo=TOKYO).astimezone(UTC)


def truth(session, now) -> dict[int, dict]:
    since = window_start(now)
    bought = defaultdict(list)
    for p in session.scalars(select(Purchase).where(Purchase.member_id.is_not(None))):
        bought[p.member_id].append(p)
    figures = {}
    for member_id, purchases in bought.items():
        done = [p for p in purchases if p.status == PurchaseStatus.COMPLETED]
        recent = [p for p in done if p.purchased_at >= since]
        figures[member_id] = {
            "first_purchase_at": min((p.purchased_at for p in done), default=None),
            "last_purchase_at": max((p.purchased_at for p in done), default=None),
            "purchases_365": len(recent), "spend_365": sum(p.total for p in recent),
            "purchases_total": len(done), "spend_total": sum(p.total for p in done),
            "r": None, "f": None, "m": None}
    ranked = [m for m, f in figures.items() if f["purchases_365"]]
    for letter, key in (("r", "last_purchase_at"), ("f", "purchases_365"), ("m", "spend_365")):
        order = sorted(ranked, key=lambda m: (figures[m][key], m))  # noqa: B023
        for member_id, score in zip(order, ntile5(len(order)), strict=True):
            figures[member_id][letter] = score
    return figures


def ntile5(n):
    size, extra = divmod(n, 5)
    return [bucket + 1 for bucket in range(5) for _ in range(size + (bucket < extra))]


def rows(session, with_scores=False):
    session.expire_all()
    names = [*stats.FIGURES, *(("r", "f", "m") if with_scores else ())]
    return {row.member_id: {name: getattr(row, name) for name in names}
            for row in session.scalars(select(MemberStats))}


def only_figures(expected):
    return {m: {k: v for k, v in f.items() if k in stats.FIGURES} for m, f in expected.items()}


def who(session, field, op, value):
    definition = {"match": "all", "groups": [{"match": "all", "conditions": [
        {"field": field, "op": op, "value": value}]}]}
    return set(session.scalars(segments.matching(definition)))


def segment_truth(session, now, field, op, value):
    """What a condition should pick, from the Python truth."""
    figures = truth(session, now)
    members = set(session.scalars(select(Purchase.member_id).distinct())) - {None}
    pick = {
        "spend": lambda f: f["spend_365"],
        "purchase_count": lambda f: f["purchases_365"],
        "rfm_r": lambda f: f["r"], "rfm_m": lambda f: f["m"], "rfm_f": lambda f: f["f"],
    }[field]
    threshold = value["amount" if field == "spend" else "count"] if isinstance(value, dict) \
        else value
    chosen = set()
    for member_id in members:
        figure = pick(figures[member_id])
        if figure is not None and (figure >= threshold if op == "gte" else figure <= threshold):
            chosen.add(member_id)
    return chosen


def ranked_today(clock):
    return stats.windows_current(stats.window_start(clock.now)) and stats.ranking_current()


def assert_every_rfm_test_exact(session, clock):
    figures = truth(session, clock.now)
    for letter in "rfm":
        for score in range(1, 6):
            for op, test in (("is", score.__eq__), ("gte", score.__le__),
                             ("lte", score.__ge__)):
                expected = {m for m, f in figures.items()
                            if f[letter] is not None and test(f[letter])}
                assert who(session, f"rfm_{letter}", op, score) == expected, (letter, op, score)


# --- the tests ---------------------------------------------------------------------------------

def test_each_sale_return_and_void_rewrites_the_members_row(session, make, shop, clock):
    ann, ben = make.member(), make.member()
    first = buy(session, shop, ann, 3000, clock.now - timedelta(days=400))
    buy(session, shop, ann, 5000, clock.now - timedelta(days=30))
    returned = buy(session, shop, ann, 7000, clock.now - timedelta(days=1))
    assert rows(session) == only_figures(truth(session, clock.now))
    assert rows(session)[ann.id]["spend_365"] == 12000

    reverse(session, shop, returned, PurchaseStatus.RETURNED)
    reverse(session, shop, first, PurchaseStatus.VOIDED)
    voided = buy(session, shop, ben, 2000, clock.now)
    reverse(session, shop, voided, PurchaseStatus.VOIDED)
    assert rows(session) == only_figures(truth(session, clock.now))
    assert rows(session)[ann.id]["spend_total"] == 5000
    assert rows(session)[ben.id]["last_purchase_at"] is None


def test_the_daily_refresh_recomputes_every_row_and_ranks_everyone(session, make, shop, clock,
                                                                    worker):
    members = [make.member() for _ in range(12)]
    for n, member in enumerate(members):
        for k in range(n % 4):
            buy(session, shop, member, 1000 * (n + k + 1), clock.now - timedelta(days=90 * k + n))
    buy(session, shop, members[0], 999, clock.now - timedelta(days=500))  # outside the window
    session.query(MemberStats).delete()  # as if the rows had never been written
    session.commit()

    assert worker.call(stats.refresh_member_stats) == 10
    assert rows(session, with_scores=True) == truth(session, clock.now)
    assert ranked_today(clock)


def test_the_365_day_figures_stay_exact_across_midnight_before_the_refresh(
        session, make, shop, clock, worker):
    clock.set_tokyo(2026, 11, 24, 23, 50)
    leaving, staying, other = make.member(), make.member(), make.member()
    buy(session, shop, leaving, 20000, tokyo(2025, 11, 24, 10, 0))  # the window's first day
    buy(session, shop, leaving, 5000, tokyo(2026, 6, 1, 12, 0))
    buy(session, shop, staying, 20000, tokyo(2025, 11, 25, 10, 0))
    buy(session, shop, other, 1000, tokyo(2026, 11, 20, 12, 0))
    worker.call(stats.refresh_member_stats)
    big = {"days": 365, "amount": 20000}
    twice = {"days": 365, "count": 2}
    assert who(session, "spend", "gte", big) == {leaving.id, staying.id}
    assert who(session, "purchase_count", "gte", twice) == {leaving.id}

    clock.set_tokyo(2026, 11, 25, 0, 10)  # the 24th of last year has left the window
    assert not ranked_today(clock)
    assert who(session, "spend", "gte", big) == {staying.id}
    assert who(session, "purchase_count", "gte", twice) == set()
    assert who(session, "spend", "lte", {"days": 365, "amount": 5000}) == {leaving.id, other.id}
    for field, op, value in [("spend", "gte", big), ("purchase_count", "gte", twice)]:
        assert who(session, field, op, value) == segment_truth(session, clock.now, field, op,
                                                               value), field
    assert_every_rfm_test_exact(session, clock)  # ranked in the query

    clock.set_tokyo(2026, 11, 24, 23, 55)  # set back: the purchase is inside again
    assert who(session, "spend", "gte", big) == {leaving.id, staying.id}

    clock.set_tokyo(2026, 11, 25, 0, 10)
    worker.call(stats.refresh_member_stats)
    assert ranked_today(clock)
    assert who(session, "spend", "gte", big) == {staying.id}
    assert rows(session, with_scores=True) == truth(session, clock.now)


def test_rfm_between_refreshes_is_ranked_over_the_current_figures(session, make, shop, clock,
                                                                  worker):
    members = [make.member() for _ in range(13)]
    for n, member in enumerate(members[:6]):
        buy(session, shop, member, 1000 * (n + 1), clock.now - timedelta(days=10 + n))
    for n, member in enumerate(members[6:]):  # ties on count and spend: the id decides
        buy(session, shop, member, 3000, clock.now - timedelta(days=20))
        buy(session, shop, member, 1000 * (n % 2), clock.now - timedelta(days=100 + n))
    worker.call(stats.refresh_member_stats)
    assert_every_rfm_test_exact(session, clock)  # the stored scores

    buy(session, shop, members[0], 50000, clock.now)  # now the biggest spender, and the latest
    assert not ranked_today(clock)
    assert_every_rfm_test_exact(session, clock)  # from the quintiles' first members

    worker.call(stats.refresh_member_stats)
    assert ranked_today(clock)
    assert_every_rfm_test_exact(session, clock)  # the stored scores
