"""In Chromium: a marketer opens a member from the member list and finds every section on the
member page; an admin exports members as CSV from the console and reads the download back."""

import csv
import io
from pathlib import Path

import pytest

from members.models import Member
from tests.admin.karte_seed import seed_karte
from tests.factories import PASSWORD
from tests.support.browser import sign_in

pytestmark = pytest.mark.browser


def test_a_marketer_opens_a_member_and_finds_each_section(browser, live_server, session, make,
                                                          clock):
    karte = seed_karte(session, make, clock.now)
    marketer = make.console_user(role="marketer")
    page = browser.new_page()
    sign_in(page, live_server.url, marketer.email, PASSWORD, lands_on="/admin/")

    page.goto(f"{live_server.url}/admin/member/")
    page.locator(f'a[href*="details/?id={karte.member.id}"]').first.click()
    page.get_by_text("会員カルテ: 山田花子").wait_for()

    purchases = page.locator("#purchases")
    assert purchases.get_by_text("R-1001").count() == 1  # the store sale
    assert purchases.get_by_text("ORD-2002").count() == 1  # the online order
    assert purchases.get_by_text("電気ケトル（KETTLE-1）").is_visible()
    coupons = page.locator("#coupons [data-testid=coupon]")
    assert coupons.count() == 3
    for code, state in (("CP-USABLE", "利用可能"), ("CP-USED", "利用済み"),
                        ("CP-EXPIRED", "期限切れ")):
        assert state in page.locator("#coupons tr", has_text=code).inner_text()
    messages = page.locator("#messages")
    for name in ("店舗購入後のおすすめ", "チャットの返信", "冬のセールのお知らせ（A）"):
        assert messages.get_by_text(name).count() == 1
    assert page.locator("#points").get_by_text("+158 pt").is_visible()
    assert page.locator("#consents").get_by_text("会員規約").is_visible()
    assert page.locator("#restock").get_by_text("マグカップ（MUG-1）").is_visible()
    assert page.locator("#warranties").get_by_text("電気ケトル（KETTLE-1）").is_visible()

    page.get_by_text("購買の一覧でこの会員を絞り込む").click()
    page.wait_for_url("**/admin/purchase/**")
    assert page.get_by_role("link", name="山田花子").count() == 2
    page.close()


def test_an_admin_exports_members_as_csv_and_reads_the_download(browser, live_server, session,
                                                                make, clock):
    seed_karte(session, make, clock.now)
    admin = make.console_user(role="admin")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server.url, admin.email, PASSWORD, lands_on="/admin/")

    page.goto(f"{live_server.url}/admin/exports/")
    page.select_option("#dataset", "members")
    page.check("input[name=format][value=csv]")
    with page.expect_download() as download:
        page.get_by_role("button", name="ダウンロード").click()

    body = Path(download.value.path()).read_bytes()
    assert body.startswith("\ufeff".encode())
    assert download.value.suggested_filename.startswith("members-")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    members = session.query(Member).order_by(Member.id).all()
    assert [(r["会員番号"], r["表示名"], r["メール"]) for r in rows] == [
        (m.member_number, m.display_name, m.email or "") for m in members]
    context.close()
