"""The dashboard's figures on the seeded shop (tests/insights/seed.py), against answers worked
out by hand, on whichever backend the suite runs."""

import pytest

from insights import service
from insights.models import DashboardRun
from tests.insights.seed import seed_shop

ALL = "all"


@pytest.fixture
def figures(session, make, clock):
    shop = seed_shop(session, make)
    run = service.request_run(trigger="cli")
    session.commit()
    service.compute_run(run.id)
    session.commit()
    stored = service.figures_of(run.id)

    def figure(name, period, dimension=ALL, offset=0):
        return stored.get((name, period, offset, dimension))

    figure.shop = shop
    figure.run = session.get(DashboardRun, run.id)
    return figure


def test_the_run_is_done_with_the_twelve_business_months(figures):
    assert figures.run.status == "done"
    assert figures.run.parameters["months"][0] == "2025-12"
    assert figures.run.parameters["months"][-1] == "2026-11"


def test_customer_structure_at_each_months_end(figures):
    def structure(period):
        return [figures(f"structure.{name}", period)
                for name in ("light", "full", "blocked", "withdrawn")]

    assert structure("2025-12") == [0, 1, 0, 0]  # E
    assert structure("2026-09") == [1, 2, 0, 0]  # B light (upgraded in October); A, E full
    assert structure("2026-10") == [2, 3, 0, 0]  # C, D light; A, B, E full
    assert structure("2026-11") == [1, 3, 1, 1]  # D; A, B, E; C blocked; F withdrawn


def test_joins_upgrades_blocks_and_first_purchases_by_join_month(figures):
    assert [figures(f"funnel.{name}", "2026-09") for name in ("joined", "purchased",
                                                            "upgraded")] == [2, 2, 2]
    assert [figures(f"funnel.{name}", "2026-10") for name in ("joined", "purchased",
                                                            "upgraded")] == [2, 1, 0]
    assert figures("funnel.upgrade_median_days", "2026-09") == 15  # 10 and 20 days
    assert figures("funnel.upgrade_median_days", "2026-10") is None  # nobody upgraded
    assert figures("blocks", "2026-11") == 1
    assert figures("blocks", "2026-10") == 0


def test_ranks_by_twelve_month_spend_at_each_months_end(figures):
    def ranks(period):
        return [figures(f"rank.{name}", period) for name in ("regular", "silver", "gold")]

    assert ranks("2026-01") == [0, 0, 1]  # E: ¥50,000 + ¥40,000 + ¥20,000
    assert ranks("2026-06") == [0, 1, 0]  # E: June 2025 has left the 12 months
    assert ranks("2026-10") == [4, 1, 0]  # E silver; A ¥15,000
    assert ranks("2026-11") == [3, 2, 0]  # A ¥35,000 and E ¥60,000 silver; F left out


def test_rfm_groups_by_recency_and_purchases_so_far(figures):
    def groups(period):
        return [figures(f"rfm.{name}", period)
                for name in ("loyal", "stable", "new", "at_risk", "dormant", "lost")]

    assert groups("2025-12") == [0, 1, 0, 0, 0, 0]  # E: 2 purchases, the last 21 days ago
    assert groups("2026-04") == [0, 0, 0, 1, 0, 0]  # E: 106 days since 2026-01-15
    assert groups("2026-10") == [0, 1, 2, 0, 1, 0]  # A stable; B, C new; E dormant
    assert groups("2026-11") == [0, 2, 1, 0, 1, 0]  # A, B stable; C new; E dormant


def test_thresholds_set_by_the_marketer_move_members_between_groups(figures, session):
    problems = service.update_settings(active_days=30, at_risk_days=60, dormant_days=120,
                                       loyal_purchases=3, stable_purchases=2)
    assert problems == {}
    run = service.request_run(trigger="cli")
    session.commit()
    service.compute_run(run.id)
    stored = service.figures_of(run.id)
    groups = [stored[(f"rfm.{name}", "2026-11", 0, ALL)]
              for name in ("loyal", "stable", "new", "at_risk", "dormant", "lost")]
    # A loyal (3 purchases, 23 days ago); B stable (4 days); C at risk (50 days); E lost.
    assert groups == [1, 1, 0, 1, 0, 1]


def test_thresholds_out_of_order_are_refused_and_change_nothing(session):
    problems = service.update_settings(active_days=200, at_risk_days=100, dormant_days=365,
                                       loyal_purchases=2, stable_purchases=2)
    assert set(problems) == {"at_risk_days", "loyal_purchases"}
    assert "順に大きく" in problems["at_risk_days"]
    assert service.get_settings().active_days == 90
    assert service.get_settings().id is None  # nothing saved


def test_second_purchase_within_30_and_90_days_by_first_purchase_month(figures):
    def f2(period, dimension=ALL):
        return [figures(f"f2.{name}", period, dimension)
                for name in ("first_buyers", "within_30", "within_90")]

    assert f2("2026-09") == [1, 1, 1]  # A: 15 days
    assert f2("2026-10") == [2, 0, 1]  # B: 50 days; C: none (the returned one does not count)
    assert f2("2026-09", "channel:store") == [1, 1, 1]
    assert f2("2026-11", "channel:store") == [1, 0, 0]  # B's first store purchase
    assert f2("2026-10", "channel:online") == [1, 0, 0]  # B
    assert f2("2026-11", "channel:online") == [1, 0, 0]  # A
    assert f2("2026-10", f"store:{figures.shop.shop.id}") == [1, 0, 0]  # C
    assert figures("f2.first_buyers", "2025-12") is None  # E's first purchase is older


def test_repeat_purchasers_and_revenue_per_month(figures):
    def repeat(period, dimension=ALL):
        return [figures(f"repeat.{name}", period, dimension)
                for name in ("purchasers", "repeaters")] + [figures("revenue", period,
                                                                    dimension)]

    assert repeat("2025-12") == [1, 1, 40_000]  # E bought before
    assert repeat("2026-09") == [1, 0, 15_000]
    assert repeat("2026-10") == [2, 0, 5_000]
    assert repeat("2026-11") == [2, 2, 24_000]
    assert repeat("2026-11", "channel:online") == [1, 0, 20_000]  # A's first online purchase
    # B first bought at the shop in November (online before): new to the shop.
    assert repeat("2026-11", f"store:{figures.shop.shop.id}") == [1, 0, 4_000]


def test_ltv_cohort_triangle_store_online_and_together(figures):
    def cumulative(dimension):
        return [figures("ltv.revenue", "2026-09", dimension, offset) for offset in range(3)]

    assert figures("ltv.members", "2026-09") == 2
    assert cumulative(ALL) == [15_000, 18_000, 42_000]
    assert cumulative("channel:store") == [15_000, 15_000, 19_000]
    assert cumulative("channel:online") == [0, 3_000, 23_000]
    assert figures("ltv.revenue", "2026-09", ALL, 3) is None  # December has not come
    assert [figures("ltv.revenue", "2026-10", ALL, o) for o in range(2)] == [2_000, 2_000]
    assert figures("ltv.members", "2026-11") == 1


def test_what_the_follow_up_did(figures):
    def flow(period):
        return [figures(f"messages.{name}", period, "flow:after_purchase")
                for name in ("delivered", "clicked", "purchasers", "revenue")]

    assert flow("2026-10") == [1, 1, 1, 20_000]
    assert flow("last30") == [1, 1, 1, 20_000]
    assert flow("2026-11") == [None] * 4
    assert figures.run.parameters["labels"]["flow:after_purchase"]


def test_flask_insights_refresh_computes_a_run_in_the_calling_process(app, session, make,
                                                                      clock):
    seed_shop(session, make)
    result = app.test_cli_runner().invoke(args=["insights", "refresh"])
    assert result.exit_code == 0, result.output
    assert "ダッシュボードを更新しました" in result.output
    run = service.latest_run()
    assert (run.status, run.trigger) == ("done", "cli")
    assert service.figures_of(run.id)[("structure.full", "2026-11", 0, ALL)] == 3


def test_the_nightly_refresh_is_scheduled_at_half_past_midnight_business_time(app):
    from insights import jobs

    scheduled = {job.__name__: when for job, _, when in app.extensions["periodic_jobs"]}
    assert scheduled[jobs.refresh_dashboard_daily.__name__] == {"cron": "30 0 * * *"}


def test_the_nightly_job_records_its_run_and_computes_it(session, make, clock):
    from insights import jobs

    seed_shop(session, make)
    jobs.refresh_dashboard_daily()
    run = service.latest_run()
    assert (run.status, run.trigger) == ("done", "schedule")
    assert service.figures_of(run.id)[("funnel.joined", "2026-09", 0, ALL)] == 2

