"""The issue's acceptance scenario in one real browser, against the local LINE platform and the
worker: a marketer builds the segment "light members who bought in 渋谷店 in the last 30 days
and have not come back", sees its live count, saves it, makes a broadcast with a text and a
coupon, test-sends it, reads the cost, schedules it a little ahead, and watches it go out; every
matching shopper gets it once and nobody else; one of them redeems the coupon at the register
and the results page shows that redemption and its revenue."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.broadcast_sending import release_due_broadcasts
from campaigns.models import Broadcast, Segment
from core.clock import utcnow
from coupons.models import CouponDefinition, DiscountType
from members.models import Member, Membership
from purchases.models import Channel, Purchase, PurchaseStatus
from tests.factories import PASSWORD
from tests.pos.helpers import Api, keyed_register, receipt, recently
from tests.support.browser import sign_in
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser

MESSAGE = "渋谷店からのお知らせ：今週末はセールです。またのご来店をお待ちしています。"
SEND_AT = "2026-11-24T11:30"  # 30 minutes after the pinned clock (Tuesday 11:00 in Tokyo)


class Town:
    """Stores, a product, a coupon and LINE friends with purchase histories."""

    def __init__(self, session, make, shopper):
        self.session, self.make, self.shopper = session, make, shopper
        self.shibuya = make.store(code="SHIBUYA", name="渋谷店")
        self.shinjuku = make.store(code="SHINJUKU", name="新宿店")
        self.tee = make.product(sku="SKU-TEE", jan="4901234567894", name="Tシャツ", price=3000)
        self.coupon = CouponDefinition(code="COMEBACK", name="また来てね500円引き",
                                       discount_type=DiscountType.AMOUNT, discount_value=500)
        session.add(self.coupon)
        session.commit()
        self.receipts = 0

    def friend(self, name, *visits, membership=Membership.LIGHT):
        """A shopper who adds the bot in LINE (a light member) and made these store visits:
        (store, days ago)."""
        shopper = self.shopper(name)
        shopper.adds_friend()
        member = self.session.scalar(select(Member).where(Member.line_user_id == shopper.user_id))
        member.membership = membership
        for store, days_ago in visits:
            self.receipts += 1
            self.session.add(Purchase(
                channel=Channel.STORE, store_id=store.id, receipt_number=f"OLD-{self.receipts}",
                member_id=member.id, purchased_at=utcnow() - timedelta(days=days_ago),
                total=3000, status=PurchaseStatus.COMPLETED))
        self.session.commit()
        shopper.member = member
        return shopper


def _build_segment(page, base_url, town):
    """The builder starts at 'ライト会員'; add 渋谷店 in 30 days and at most 1 purchase in 30."""
    page.goto(f"{base_url}/admin/segments/new")
    condition = lambda n: page.locator("#groups .condition").nth(n)  # noqa: E731
    page.locator("#groups .add-condition").click()
    condition(1).locator("select[aria-label=項目]").select_option("bought_at_store")
    condition(1).locator("select[aria-label=店舗]").select_option(str(town.shibuya.id))
    condition(1).locator("input[aria-label=日数]").fill("30")
    page.locator("#groups .add-condition").click()
    condition(2).locator("select[aria-label=項目]").select_option("purchase_count")
    condition(2).locator("select[aria-label=比べ方]").select_option("lte")
    condition(2).locator("input[aria-label=日数]").fill("30")
    condition(2).locator("input[aria-label=回数]").fill("1")


def _new_broadcast(page, base_url, segment_name):
    page.goto(f"{base_url}/admin/broadcasts/new")
    page.fill("#name", "渋谷店 戻ってきてキャンペーン")
    page.locator("#segment_id").select_option(label=segment_name)
    page.locator("#coupon_definition_id").select_option(label="また来てね500円引き（COMEBACK）")
    page.fill("#holdout_percent", "0")
    page.fill("#A1_value", MESSAGE)
    page.click("#broadcast-form button[type=submit]")
    page.locator("#forecast").wait_for()


def _multicast_texts(linesim, shopper) -> list[str]:
    return [item["message"].get("text") for item in linesim.inbox(shopper.user_id)
            if item["endpoint"] == "multicast"]


def _broadcast_received(linesim, shopper) -> int:
    return _multicast_texts(linesim, shopper).count(MESSAGE)


def test_a_marketer_sends_a_segment_a_coupon_and_sees_it_redeemed(
        browser, live_server, linesim, shopper, worker, make, session, clock, client):
    from playwright.sync_api import expect

    town = Town(session, make, shopper)
    targets = [town.friend("渋谷一回", (town.shibuya, 5)),
               town.friend("渋谷二週間前", (town.shibuya, 12)),
               town.friend("渋谷先月", (town.shinjuku, 90), (town.shibuya, 25))]
    others = [town.friend("また来た", (town.shibuya, 20), (town.shinjuku, 3)),
              town.friend("渋谷再訪", (town.shibuya, 20), (town.shibuya, 2)),
              town.friend("新宿だけ", (town.shinjuku, 10)),
              town.friend("昔の渋谷", (town.shibuya, 60)),
              town.friend("本会員", (town.shibuya, 8), membership=Membership.FULL),
              town.friend("未購入")]
    marketer = make.console_user(role="marketer")
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page.on("dialog", lambda dialog: dialog.accept())  # 確定 asks "よろしいですか？"

    # The segment, built and counted live in the builder.
    sign_in(page, live_server.url, marketer.email, PASSWORD, lands_on="/admin/")
    _build_segment(page, live_server.url, town)
    expect(page.locator("#count-matching")).to_have_text("3")
    expect(page.locator("#count-reachable")).to_have_text("3")
    expect(page.locator("#sample tbody tr")).to_have_count(3)
    shown = page.locator("#sample tbody tr td:first-child").all_inner_texts()
    assert sorted(shown) == sorted(s.user["displayName"] for s in targets)
    page.fill("#name", "渋谷店で買って戻っていないライト会員")
    page.click("#segment-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/segments/")
    assert session.scalar(select(Segment.name)) == "渋谷店で買って戻っていないライト会員"

    # The broadcast: a draft with its cost, a test send to one member.
    _new_broadcast(page, live_server.url, "渋谷店で買って戻っていないライト会員")
    expect(page.locator("#forecast [data-field=recipients]")).to_have_text("3人")
    expect(page.locator("#forecast [data-field=total-messages]")).to_have_text("3通")
    expect(page.locator("#previews [data-bubble=coupon]")).to_have_count(1)
    tester = targets[0]
    page.fill("#test-send input[name=member]", tester.member.member_number)
    page.click("#test-send button[type=submit]")
    expect(page.get_by_text("渋谷一回 さんにテスト送信しました。")).to_be_visible()
    worker.drain()
    wait_until(lambda: any(item["message"].get("text") == MESSAGE and item["endpoint"] == "push"
                           for item in linesim.inbox(tester.user_id)),
               what="the test send in the tester's LINE")

    # Scheduled a little ahead (the draft edited in place), then confirmed.
    page.click("#actions [data-action=edit]")
    page.check("#timing-1")
    page.fill("#send_at", SEND_AT)
    page.click("#broadcast-form button[type=submit]")
    expect(page.locator("#settings [data-field=send-at]")).to_have_text("2026-11-24 11:30")
    page.click("#actions [data-action=confirm]")
    expect(page.locator("#settings [data-field=status]")).to_have_text("予約済み")
    broadcast = session.scalar(select(Broadcast))
    assert session.scalar(select(Broadcast.id).where(Broadcast.id != broadcast.id)) is None

    # Not yet due: nothing goes out. Past 11:30 the worker sends it; the page follows.
    worker.call(release_due_broadcasts)
    worker.drain()
    assert [_broadcast_received(linesim, s) for s in targets] == [0, 0, 0]
    clock.advance(minutes=31)
    worker.call(release_due_broadcasts)
    worker.drain()
    sent_bar = page.locator("#progress [data-part=sent]")
    expect(sent_bar).to_have_attribute("style", "width: 100%;", timeout=20_000)
    expect(page.locator("#progress [data-field=summary]")).to_have_text(
        "配信完了：送信済み 3 ・ スキップ 0 ・ 失敗 0 ／ 全 3 人")

    assert [_broadcast_received(linesim, s) for s in targets] == [1, 1, 1]
    assert [_multicast_texts(linesim, s) for s in others] == [[]] * len(others)

    # One of them comes to 渋谷店 an hour later and uses the coupon at the register.
    clock.advance(hours=1)
    redeemer = targets[1]
    register_api = Api(client, keyed_register(make, session, store=town.shibuya)[1])
    scanned = register_api.scan(redeemer.member.member_number).get_json()
    [code] = [c["code"] for c in scanned["coupons"] if c["name"] == "また来てね500円引き"]
    sale = register_api.purchase(receipt(
        number="R-COMEBACK", lines=[{"sku": "SKU-TEE", "quantity": 2, "unit_price": 3000}],
        total=5500, member_token=scanned["member_token"], coupon_codes=[code],
        purchased_at=recently(minutes=5)))
    assert sale.status_code == 200, sale.get_json()
    assert sale.get_json()["redeemed_coupons"] == [code]

    # The results page: 3 coupons issued, 1 used, and that sale's ¥5,500.
    page.goto(f"{live_server.url}/admin/broadcasts/{broadcast.id}/results")
    row = page.locator("#group-A")
    expect(row.locator("[data-field=delivered]")).to_have_text("3")
    expect(row.locator("[data-field=coupons]")).to_have_text("3 / 1")
    expect(row.locator("[data-field=purchases-all]")).to_have_text("1")
    expect(row.locator("[data-field=revenue-all]")).to_have_text("¥5,500")
    page.close()
