"""The console's home is the dashboard: who may see it, its empty state, the figures of the
seeded shop with links to the members behind them, 今すぐ更新 and the RFM thresholds form."""

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from rq import Queue

from insights import jobs, service
from insights.models import DashboardRun, DashboardSettings
from line.models import CampaignAlert
from tests.factories import csrf_token_from
from tests.insights.seed import seed_shop


def _computed(session, make):
    shop = seed_shop(session, make)
    run = service.request_run(trigger="cli")
    session.commit()
    service.compute_run(run.id)
    session.commit()
    return shop


def _cell(html: str, table: str, row_label: str, field: str) -> str:
    body = html.split(f'id="table-{table}"', 1)[1].split("</table>", 1)[0]
    row = next(r for r in body.split("<tr>") if f"<td>{row_label}</td>" in r)
    match = re.search(rf'data-field="{field}">(.*?)</td>', row, re.S)
    return re.sub(r"<[^>]+>", "", unescape(match.group(1))).replace("＋対象", "").strip()


def test_cashiers_and_visitors_cannot_open_the_dashboard(client, login, session, make):
    assert client.get("/admin/").status_code == 302  # to sign-in
    login(role="cashier", store_id=make.store().id)
    assert client.get("/admin/").status_code == 403
    page = client.get("/pos/").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert client.post("/admin/dashboard/refresh", data={"csrf_token": token}).status_code == 403
    assert session.query(DashboardRun).count() == 0


def test_without_a_run_the_dashboard_says_what_to_do(client, login):
    login(role="marketer")
    html = client.get("/admin/").get_data(as_text=True)
    assert "まだ集計がありません" in html
    assert "今すぐ更新" in html and "flask insights refresh" in html
    assert "chart.umd.min.js" not in html


def test_marketers_see_the_figures_in_japanese_with_yen_and_links(client, login, session, make,
                                                                  clock):
    shop = _computed(session, make)
    login(role="marketer")
    html = client.get("/admin/").get_data(as_text=True)
    assert _cell(html, "structure", "2026年11月", "structure-light") == "1"
    assert _cell(html, "structure", "2026年11月", "structure-full") == "3"
    assert _cell(html, "rfm", "2026年11月", "rfm-stable") == "2"
    assert _cell(html, "funnel", "2026年9月", "funnel-upgrade-rate") == "100.0%"
    assert _cell(html, "funnel", "2026年9月", "funnel-median-days") == "15日"
    assert _cell(html, "f2", "2026年10月", "f2-rate-90") == "50.0%"
    assert _cell(html, "repeat", "2026年11月", "revenue") == "¥24,000"
    assert _cell(html, "ltv", "2026年9月", "ltv-2") == "¥21,000"  # ¥42,000 / 2 members
    assert _cell(html, "messages", "フォローアップ", "messages-revenue") == "¥20,000"
    assert "集計時点 2026-11-24 11:00（JST）" in html

    online = client.get("/admin/?channel=online").get_data(as_text=True)
    assert _cell(online, "ltv", "2026年9月", "ltv-2") == "¥11,500"  # ¥23,000 / 2
    at_shop = client.get(f"/admin/?store={shop.shop.id}").get_data(as_text=True)
    assert _cell(at_shop, "repeat", "2026年11月", "revenue") == "¥4,000"


def test_a_figure_leads_to_the_members_behind_it(client, login, session, make, clock):
    _computed(session, make)
    login(role="marketer")
    html = client.get("/admin/").get_data(as_text=True)
    body = html.split('id="table-structure"', 1)[1]
    row = next(r for r in body.split("<tr>") if "<td>2026年11月</td>" in r)
    members_url = unescape(re.search(r'data-field="structure-light"><a href="([^"]+)"',
                                     row).group(1))
    listed = client.get(members_url).get_data(as_text=True)
    assert "会員D" in listed and "会員A" not in listed and "会員C" not in listed

    segment_url = unescape(re.search(r'data-field="structure-light">.*?<a href="([^"]+)" '
                                     r'class="small text-muted segment-link"', row, re.S).group(1))
    definition = parse_qs(urlsplit(segment_url).query)["definition"][0]
    builder = client.get(segment_url).get_data(as_text=True)
    assert "follow_status" in unescape(builder) and '"light"' in unescape(builder)
    count = client.post("/admin/segments/count", json=__import__("json").loads(definition),
                        headers={"X-CSRFToken": csrf_token_from(builder)})
    assert count.get_json()["matching"] == 1  # D


def test_refresh_now_queues_a_run_for_the_worker(client, login, redis, session):
    login(role="marketer")
    page = client.get("/admin/").get_data(as_text=True)
    answer = client.post("/admin/dashboard/refresh", data={"csrf_token": csrf_token_from(page)})
    assert answer.status_code == 302
    run = session.query(DashboardRun).one()
    assert (run.status, run.trigger) == ("queued", "console")
    queued = Queue("maintenance", connection=redis).jobs
    assert [job.args for job in queued] == [(run.id,)]
    assert client.post("/admin/dashboard/refresh", data={}).status_code in (302, 400)
    assert session.query(DashboardRun).count() == 1  # no token, no run


def test_a_failing_refresh_raises_an_alert_for_marketers(session):
    failed = False
    try:
        jobs.refresh_dashboard(987654)  # no such run: the job fails for real
    except LookupError:
        failed = True
    assert failed
    alert = session.query(CampaignAlert).one()
    assert alert.kind == "dashboard_failed" and "refresh_dashboard" in alert.message


def test_a_failed_run_shows_on_the_dashboard_with_what_to_do(client, login, session):
    run_id = service.request_run(trigger="schedule").id
    service.mark_failed(run_id, "OperationalError: could not connect")
    session.commit()
    login(role="marketer")
    html = client.get("/admin/").get_data(as_text=True)
    assert 'id="run-failed"' in html and "could not connect" in html
    assert "「今すぐ更新」でやり直せます" in html


def test_thresholds_out_of_order_are_refused_in_japanese(client, login, session):
    login(role="marketer")
    page = client.get("/admin/").get_data(as_text=True)
    form = {"csrf_token": csrf_token_from(page), "active_days": "200", "at_risk_days": "100",
            "dormant_days": "365", "loyal_purchases": "5", "stable_purchases": "2"}
    answer = client.post("/admin/dashboard/thresholds", data=form)
    assert answer.status_code == 400
    assert "順に大きく" in answer.get_data(as_text=True)
    assert session.query(DashboardSettings).count() == 0

    answer = client.post("/admin/dashboard/thresholds", data={**form, "active_days": "60"})
    assert answer.status_code == 302
    assert session.query(DashboardSettings).one().active_days == 60


def test_every_save_as_segment_link_is_a_valid_segment(client, login, session, make, clock):
    from campaigns import segments

    _computed(session, make)
    login(role="marketer")
    html = client.get("/admin/?period=2026-10").get_data(as_text=True)
    links = {unescape(href) for href in re.findall(
        r'<a href="([^"]+)" class="small text-muted segment-link"', html)}
    definitions = [json.loads(parse_qs(urlsplit(link).query)["definition"][0]) for link in links]
    fields = {c["field"] for d in definitions for g in d["groups"] for c in g["conditions"]}
    assert {"membership", "rank", "days_since_last_purchase", "purchase_count", "joined",
            "first_purchase", "follow_up"} <= fields
    for definition in definitions:
        segments.check_definition(definition)  # raises InvalidSegment for a bad one

    # The RFM group's segment finds the members the figure counts: A and B are 安定 now.
    body = html.split('id="table-rfm"', 1)[1]
    row = next(r for r in body.split("<tr>") if "<td>2026年11月</td>" in r)
    stable = unescape(re.search(r'data-field="rfm-stable">.*?<a href="([^"]+)"', row,
                                re.S).group(1))
    definition = json.loads(parse_qs(urlsplit(stable).query)["definition"][0])
    assert segments.counts(definition)["matching"] == 2
