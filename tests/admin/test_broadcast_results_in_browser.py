"""The results page in a real browser: the vendored Chart.js loads under the console's content
security policy and draws the chart of the seeded A/B test."""

import pytest

from tests.campaigns.attribution_seed import Seed, seed_ab_test
from tests.factories import PASSWORD
from tests.support.browser import sign_in

pytestmark = pytest.mark.browser

PAINTED = """canvas => {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
    return painted;
}"""


def test_results_page_draws_its_chart_without_policy_violations(browser, live_server, session,
                                                                make, clock):
    broadcast = seed_ab_test(Seed(session, make), session)
    marketer = make.console_user(role="marketer")
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    problems = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "favicon" not in message.location.get("url", "")
            else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    sign_in(page, live_server.url, marketer.email, PASSWORD, lands_on="/admin/")
    page.goto(f"{live_server.url}/admin/broadcasts/{broadcast.id}/results")
    page.wait_for_function("window.consoleCharts && window.consoleCharts.length === 1")

    chart = page.evaluate("""() => {
        const chart = Chart.getChart(document.getElementById('results-chart'));
        return {labels: chart.data.labels, yen: chart.data.datasets[0].data,
                rate: chart.data.datasets[1].data, bars: chart.getDatasetMeta(0).data.length};
    }""")
    assert chart == {"labels": ["パターンA", "パターンB", "比較グループ（配信なし）"],
                     "yen": [2000, 3000, 1000], "rate": [60, 50, 50], "bars": 3}
    assert page.locator("#results-chart").evaluate(PAINTED) > 1000
    assert page.locator("#group-A [data-field=revenue-all]").inner_text() == "¥10,000"
    assert problems == []  # no script error, nothing blocked by the policy
    page.close()


def test_the_progress_bar_shows_what_the_json_says(browser, live_server, session, make, clock):
    broadcast = seed_ab_test(Seed(session, make), session)
    broadcast.status, broadcast.recipients_total = "sending", 11
    session.commit()
    marketer = make.console_user(role="marketer")
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")

    sign_in(page, live_server.url, marketer.email, PASSWORD, lands_on="/admin/")
    page.goto(f"{live_server.url}/admin/broadcasts/{broadcast.id}")
    summary = page.locator("#progress [data-field=summary]")
    summary.filter(has_text="送信済み 4").wait_for()

    assert summary.inner_text() == "配信中：送信済み 4 ・ スキップ 2 ・ 失敗 1 ／ 全 11 人"
    widths = page.evaluate("""() => ['sent', 'skipped', 'failed'].map(part =>
        document.querySelector(`#progress [data-part="${part}"]`).style.width)""")
    assert widths == ["36.4%", "18.2%", "9.1%"]
    page.close()
