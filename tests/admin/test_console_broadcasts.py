"""The console's broadcast list, results and 効果比較 pages: who may open them, and the figures
they show for the seeded A/B test (answers worked out in tests/campaigns/attribution_seed.py)."""

import json
import re

import pytest

from tests.campaigns.attribution_seed import DAY, T0, Seed, seed_ab_test

PAGES = ("/admin/broadcasts/", "/admin/broadcasts/{id}/results", "/admin/effects/")


@pytest.fixture
def ab_test(session, make):
    return seed_ab_test(Seed(session, make), session)


@pytest.fixture
def flow_deliveries(session, make):
    seed = Seed(session, make)
    member = make.member()
    seed.delivery(member, "f2", T0)
    seed.purchase(member, T0 + DAY, 3200)
    session.commit()
    return member


def _row(html: str, row_id: str) -> dict[str, str]:
    """The cells of one table row, by their data-field, as the page shows them."""
    match = re.search(rf'<tr id="{re.escape(row_id)}">(.*?)</tr>', html, re.S)
    assert match, f"no row {row_id}"
    return {field: re.sub(r"<[^>]+>", " ", value).split()[0] if value.strip() else ""
            for field, value in re.findall(r'data-field="([^"]+)">(.*?)</td>', match.group(1),
                                           re.S)}


def _page(client, url):
    answer = client.get(url)
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, ab_test, page):
    answer = client.get(page.format(id=ab_test.id))

    assert answer.status_code == 302 and answer.location.startswith("/login")


@pytest.mark.parametrize("page", PAGES)
def test_cashiers_may_not_open_the_results(client, login, ab_test, page):
    login(role="cashier")

    assert client.get(page.format(id=ab_test.id)).status_code == 403


@pytest.mark.parametrize("role", ["marketer", "admin"])
def test_marketers_and_admins_see_the_list_with_counts_in_japanese(client, login, ab_test,
                                                                   clock, role):
    login(role=role)
    html = _page(client, "/admin/broadcasts/")

    row = _row(html, f"broadcast-{ab_test.id}")
    assert "冬のセール" in html
    assert row == {"status": "配信完了", "recipients": "11", "delivered": "4", "skipped": "2",
                   "failed": "1", "holdout": "4"}
    assert "2026-11-02 10:00" in html  # started at 01:00 UTC, shown in JST


def test_results_page_shows_each_group_figure_by_figure(client, login, ab_test, clock):
    login(role="marketer")
    html = _page(client, f"/admin/broadcasts/{ab_test.id}/results")

    a, b, holdout = (_row(html, f"group-{key}") for key in ("A", "B", "holdout"))
    assert a == {
        "recipients": "5", "delivered": "3", "skipped": "2", "failed": "0", "pending": "0",
        "coupons": "2",  # 2 issued / 1 used
        "clicks": "3",
        "purchasers-store": "2", "purchases-store": "2", "revenue-store": "¥4,000",
        "purchasers-online": "2", "purchases-online": "2", "revenue-online": "¥6,000",
        "purchasers-all": "3", "purchases-all": "4", "revenue-all": "¥10,000",
        "conversion": "60.0%", "revenue-per-member": "¥2,000",
        "lift-conversion": "+10.0pt", "lift-revenue": "+¥1,000", "lift-sizes": "5人"}
    assert re.search(r"2\s*/\s*1", re.search(r'<tr id="group-A">.*?</tr>', html, re.S)[0])
    assert "1.20倍" in html and "2.00倍" in html and "3.00倍" in html
    assert "ブロック 1" in html and "1日の上限 1" in html
    assert (b["revenue-all"], b["failed"], b["conversion"], b["lift-revenue"]) == (
        "¥6,000", "1", "50.0%", "+¥2,000")
    assert (holdout["recipients"], holdout["revenue-store"], holdout["revenue-online"],
            holdout["revenue-per-member"], holdout["lift-conversion"], holdout["clicks"]) == (
        "4", "¥2,500", "¥1,500", "¥1,000", "—", "—")
    assert "確定" in html and "2026-11-09 12:00" in html  # B went out 12:00 JST, + 7 days


def test_results_page_carries_the_chart_and_its_data(client, login, ab_test, clock):
    login(role="marketer")
    html = _page(client, f"/admin/broadcasts/{ab_test.id}/results")

    data = json.loads(re.search(
        r'<script type="application/json" id="results-chart-data">(.*?)</script>', html, re.S)[1])
    assert data == {"labels": ["パターンA", "パターンB", "比較グループ（配信なし）"],
                    "revenue_per_member": [2000, 3000, 1000],
                    "conversion_percent": [60.0, 50.0, 50.0]}
    assert '/static/vendor/chartjs/chart.umd.min.js' in html
    assert client.get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200


def test_an_unknown_broadcast_is_not_found(client, login, clock):
    login(role="marketer")

    assert client.get("/admin/broadcasts/999/results").status_code == 404


def test_effects_page_compares_flows_and_broadcasts_of_the_period(client, login, ab_test,
                                                                  flow_deliveries, clock):
    login(role="marketer")
    html = _page(client, "/admin/effects/?since=2026-11-01&until=2026-11-02")

    flow = _row(html, "flow-f2")
    broadcast = _row(html, f"broadcast-{ab_test.id}")
    assert "2回目購入クーポン" in html and "冬のセール" in html
    assert (flow["recipients"], flow["delivered"], flow["revenue-store"], flow["conversion"],
            flow["lift-revenue"]) == ("1", "1", "¥3,200", "100.0%", "—")
    assert (broadcast["recipients"], broadcast["delivered"], broadcast["revenue-all"],
            broadcast["revenue-per-member"], broadcast["lift-sizes"]) == (
        "7", "4", "¥16,000", "¥2,286", "7人")
    assert broadcast["lift-revenue"] == "+¥1,286"  # 16,000 / 7 - 1,000


def test_effects_page_leaves_out_what_was_sent_outside_the_period(client, login, ab_test,
                                                                  flow_deliveries, clock):
    login(role="marketer")
    html = _page(client, "/admin/effects/?since=2026-11-03&until=2026-11-10")

    assert 'id="flow-f2"' not in html and f'id="broadcast-{ab_test.id}"' not in html
    assert "この期間に送ったフォローアップや一斉配信はありません。" in html


@pytest.mark.parametrize("since, until, message", [
    ("2026/11/01", "2026-11-02", "期間の日付は 2026-11-01 のように入力してください。"),
    ("2026-11-05", "2026-11-02", "開始日は終了日と同じか前の日にしてください。"),
    ("2024-01-01", "2026-11-02", "期間は1年以内にしてください。"),
    ("2026-11-01\x00", "2026-11-02", "期間の日付は 2026-11-01 のように入力してください。"),
])
def test_a_bad_period_says_so_in_japanese_and_shows_the_last_30_days(
        client, login, ab_test, clock, since, until, message):
    login(role="marketer")
    html = _page(client, f"/admin/effects/?since={since}&until={until}")

    assert message in html
    assert 'value="2026-10-26"' in html and 'value="2026-11-24"' in html  # the default
    assert f'id="broadcast-{ab_test.id}"' in html  # started 2026-11-02, inside it
