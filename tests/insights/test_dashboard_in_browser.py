"""The dashboard in a real browser: a marketer signs in, the console's home shows the seeded
shop's figures (worked out by hand in tests/insights/seed.py), and every chart drew."""

import pytest

from insights import service
from tests.factories import PASSWORD
from tests.insights.seed import seed_shop
from tests.support.browser import sign_in

pytestmark = pytest.mark.browser

SECTIONS = ("structure", "ranks", "rfm", "funnel", "f2", "repeat", "ltv", "messages")
PAINTED = """canvas => {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
    return painted;
}"""


def _cell(page, section, row_label, field):
    row = page.locator(f"#table-{section} tbody tr", has=page.locator(
        "td:first-child", has_text=row_label)).first
    return row.locator(f"[data-field={field}]").inner_text().replace("＋対象", "").strip()


def test_a_marketer_sees_the_figures_and_every_chart_drew(browser, live_server, session, make,
                                                          clock):
    seed_shop(session, make)
    run = service.request_run(trigger="cli")
    session.commit()
    service.compute_run(run.id)
    session.commit()
    marketer = make.console_user(role="marketer")
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    problems = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "favicon" not in message.location.get("url", "")
            else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    sign_in(page, live_server.url, marketer.email, PASSWORD, lands_on="/admin/")
    page.wait_for_function(f"window.dashboardCharts && window.dashboardCharts.length === "
                           f"{len(SECTIONS)}")

    assert page.locator("h2").first.inner_text() == "ダッシュボード"
    assert _cell(page, "structure", "2026年11月", "structure-full") == "3"
    assert _cell(page, "structure", "2026年11月", "structure-blocked") == "1"
    assert _cell(page, "ranks", "2026年11月", "rank-silver") == "2"
    assert _cell(page, "rfm", "2026年10月", "rfm-new") == "2"
    assert _cell(page, "funnel", "2026年9月", "funnel-median-days") == "15日"
    assert _cell(page, "f2", "2026年9月", "f2-rate-30") == "100.0%"
    assert _cell(page, "repeat", "2026年11月", "repeat-rate") == "100.0%"
    assert _cell(page, "repeat", "2026年11月", "revenue") == "¥24,000"
    assert _cell(page, "ltv", "2026年9月", "ltv-1") == "¥9,000"
    assert _cell(page, "messages", "フォローアップ", "messages-clicked") == "1"

    charts = page.evaluate("""() => window.dashboardCharts.map(chart => ({
        id: chart.canvas.id, datasets: chart.data.datasets.length,
        points: chart.data.datasets.reduce((n, set) => n + set.data.length, 0),
        drawn: chart.getDatasetMeta(0).data.length}))""")
    assert [c["id"] for c in charts] == [f"chart-{key}" for key in SECTIONS]
    assert all(c["datasets"] and c["points"] and c["drawn"] for c in charts), charts
    structure = page.evaluate("""() => Chart.getChart('chart-structure').data.datasets
        .map(set => [set.label, set.data[set.data.length - 1]])""")
    assert structure == [["ライト会員", 1], ["本会員", 3], ["ブロック中", 1]]
    for key in SECTIONS:
        assert page.locator(f"#chart-{key}").evaluate(PAINTED) > 500, key
    assert problems == []

    page.select_option("#channel", "online")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**channel=online**")
    page.wait_for_function("window.dashboardCharts && window.dashboardCharts.length === 8")
    assert _cell(page, "ltv", "2026年9月", "ltv-2") == "¥11,500"
    page.close()
