"""Results of a broadcast and of follow-up flows, checked figure by figure on a seeded data set
whose answers are worked out by hand (tests/campaigns/attribution_seed.py)."""

from datetime import timedelta

import pytest

from campaigns import attribution
from purchases.models import Channel
from tests.campaigns.attribution_seed import A_SENT, B_SENT, DAY, T0, Seed, seed_ab_test


@pytest.fixture
def seed(session, make):
    return Seed(session, make)


@pytest.fixture
def ab_test(seed, session):
    return seed_ab_test(seed, session)


def _groups(results):
    return {group.key: group for group in results.groups}


def test_variant_a_counts_its_recipients_deliveries_skips_and_coupons(ab_test, clock):
    a = _groups(attribution.broadcast_results(ab_test.id))["A"]

    assert (a.label, a.recipients, a.delivered, a.failed, a.pending) == ("パターンA", 5, 3, 0, 0)
    assert a.skipped == {"blocked": 1, "cap": 1}
    assert (a.coupons_issued, a.coupons_redeemed, a.clicks) == (2, 1, 3)


def test_variant_a_sales_count_only_completed_purchases_inside_each_window(ab_test, clock):
    a = _groups(attribution.broadcast_results(ab_test.id))["A"]

    assert a.sales["store"] == attribution.Sales(purchasers=2, purchases=2, revenue=4000)
    assert a.sales["online"] == attribution.Sales(purchasers=2, purchases=2, revenue=6000)
    assert a.sales["all"] == attribution.Sales(purchasers=3, purchases=4, revenue=10000)
    assert a.conversion_rate == pytest.approx(3 / 5)
    assert a.revenue_per_member == pytest.approx(2000)


def test_variant_b_window_is_half_open_and_a_failed_batch_is_not_delivered(ab_test, clock):
    b = _groups(attribution.broadcast_results(ab_test.id))["B"]

    assert (b.recipients, b.delivered, b.failed, b.skipped) == (2, 1, 1, {})
    assert b.sales_in("store") == attribution.Sales(1, 1, 6000)
    assert b.sales_in("online") == attribution.Sales(0, 0, 0)
    assert b.sales_in("all") == attribution.Sales(1, 1, 6000)
    assert (b.conversion_rate, b.revenue_per_member) == (0.5, 3000)


def test_holdout_is_measured_from_the_broadcast_start(ab_test, clock):
    results = attribution.broadcast_results(ab_test.id)
    holdout = results.holdout

    assert [g.key for g in results.groups] == ["A", "B", "holdout"]
    assert holdout.label == "比較グループ（配信なし）"
    assert (holdout.recipients, holdout.delivered) == (4, 0)
    assert holdout.sales == {"store": attribution.Sales(1, 1, 2500),
                             "online": attribution.Sales(1, 1, 1500),
                             "all": attribution.Sales(2, 2, 4000)}
    assert (holdout.conversion_rate, holdout.revenue_per_member) == (0.5, 1000)


def test_lift_against_the_holdout_gives_difference_ratio_and_group_sizes(ab_test, clock):
    lifts = attribution.broadcast_results(ab_test.id).lifts

    a, b = lifts["A"], lifts["B"]
    assert (a.group_size, a.holdout_size) == (5, 4)
    assert a.conversion_difference == pytest.approx(0.1)
    assert a.conversion_ratio == pytest.approx(1.2)
    assert (a.revenue_per_member_difference, a.revenue_per_member_ratio) == (1000, 2.0)
    assert (b.group_size, b.conversion_difference, b.conversion_ratio) == (2, 0, 1.0)
    assert (b.revenue_per_member_difference, b.revenue_per_member_ratio) == (2000, 3.0)


def test_window_closes_days_after_the_last_batch_went_out(ab_test, clock):
    clock.now = B_SENT + 7 * DAY - timedelta(seconds=1)
    results = attribution.broadcast_results(ab_test.id)

    assert (results.opens, results.closes, results.days) == (T0, B_SENT + 7 * DAY, 7)
    assert not results.complete
    clock.now = B_SENT + 7 * DAY
    assert results.complete


def test_a_broadcast_without_holdout_has_no_lift(seed, session, clock):
    broadcast, v = seed.broadcast(labels=("A",), holdout_percent=0)
    member = seed.recipient(broadcast, v["A"], seed.batch(broadcast, sent_at=A_SENT))
    seed.purchase(member, A_SENT + DAY, 1200)
    session.commit()

    results = attribution.broadcast_results(broadcast.id)

    assert [g.key for g in results.groups] == ["A"]
    assert results.holdout is None and results.lifts == {}
    assert results.groups[0].sales_in("all") == attribution.Sales(1, 1, 1200)


def test_a_draft_has_variants_with_nothing_yet(seed, session, clock):
    broadcast, _ = seed.broadcast(status="draft", started_at=None, frozen_at=None)
    session.commit()

    results = attribution.broadcast_results(broadcast.id)

    assert [(g.key, g.recipients, g.sales_in("all")) for g in results.groups] == [
        ("A", 0, attribution.Sales()), ("B", 0, attribution.Sales())]
    assert (results.opens, results.closes, results.complete) == (None, None, False)
    assert attribution.broadcast_results(broadcast.id + 1000) is None


def test_broadcast_totals_put_every_variant_together_against_the_holdout(ab_test, clock):
    totals = attribution.broadcast_totals([ab_test.id])[ab_test.id]

    sent, holdout = totals["sent"], totals["holdout"]
    assert (sent.recipients, sent.delivered, sent.failed) == (7, 4, 1)
    assert sent.skipped == {"blocked": 1, "cap": 1}
    assert sent.sales_in("all") == attribution.Sales(4, 5, 16000)
    assert (holdout.recipients, holdout.sales_in("all")) == (4, attribution.Sales(2, 2, 4000))
    lift = attribution.lift(sent, holdout)
    assert lift.revenue_per_member_difference == pytest.approx(16000 / 7 - 1000)


def test_broadcasts_started_in_a_period(ab_test, seed, session, clock):
    later, _ = seed.broadcast(name="年末", started_at=T0 + 40 * DAY)
    session.commit()

    assert [b.id for b in attribution.broadcasts_started(T0, T0 + DAY)] == [ab_test.id]
    assert [b.id for b in attribution.broadcasts_started(T0 + DAY, T0 + 50 * DAY)] == [later.id]


def test_flows_count_each_purchase_once_within_seven_days_of_a_delivery(seed, session, clock):
    m1, m2, m3 = seed.make.member(), seed.make.member(), seed.make.member()
    seed.delivery(m1, "f2", T0)
    seed.delivery(m1, "f2", T0 + 2 * DAY)  # overlapping windows
    seed.purchase(m1, T0 + 3 * DAY, 3000)  # in both windows: counted once
    seed.purchase(m1, T0 + 8 * DAY, 2000, Channel.ONLINE)  # in the second window only
    seed.delivery(m2, "winback", T0)
    seed.purchase(m2, T0 + 8 * DAY, 9000)  # after its window
    seed.delivery(m3, "winback", T0, status="failed")
    seed.purchase(m3, T0 + DAY, 9000)  # never sent
    seed.delivery(m3, "f2", T0 - 5 * DAY)  # sent before the period
    session.commit()

    results = {g.key: g for g in attribution.flow_results(T0, T0 + 7 * DAY)}

    assert list(results) == ["f2", "winback"]  # in the order flows are declared
    f2, winback = results["f2"], results["winback"]
    assert (f2.label, f2.recipients, f2.delivered) == ("2回目購入クーポン", 1, 2)
    assert f2.sales == {"store": attribution.Sales(1, 1, 3000),
                        "online": attribution.Sales(1, 1, 2000),
                        "all": attribution.Sales(1, 2, 5000)}
    assert (f2.conversion_rate, f2.revenue_per_member) == (1.0, 5000)
    assert (winback.recipients, winback.delivered, winback.sales_in("all")) == (
        1, 1, attribution.Sales())
    assert winback.conversion_rate == 0
