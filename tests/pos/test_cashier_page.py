"""The cashier's register page: session sign-in, CSRF-protected JSON, and a real browser sale.

The browser is tests/support/browser.py's headless Chromium."""

from urllib.parse import quote

import pytest
from sqlalchemy import select

from coupons.models import IssuedCoupon
from purchases.models import Purchase
from tests.factories import PASSWORD, csrf_token_from
from tests.pos.helpers import count, coupon_for, fresh, recently
from tests.support.browser import sign_in


def test_cashier_endpoints_need_the_csrf_token(client, login, shop, member):
    login(role="cashier", store_id=shop.id)
    page = client.get("/pos/")
    assert page.status_code == 200 and "渋谷店" in page.get_data(as_text=True)
    refused = client.post("/pos/api/scan", json={"code": member.member_number})
    assert refused.status_code == 400
    token = csrf_token_from(page.get_data(as_text=True).replace('name="csrf-token" content',
                                                                'name="csrf_token" value'))
    answer = client.post("/pos/api/scan", json={"code": member.member_number},
                         headers={"X-CSRFToken": token})
    assert answer.get_json()["member"]["name"] == "やまだ"


@pytest.mark.parametrize("code", ["\x00", "TEE\x00", "\ud800", "x" * 10_000, "%00"])
def test_hostile_codes_typed_at_the_register_are_unknown_not_errors(client, login, shop, tee,
                                                                    code):
    login(role="cashier", store_id=shop.id)
    html = client.get("/pos/").get_data(as_text=True)
    headers = {"X-CSRFToken": html.split('name="csrf-token" content="')[1].split('"')[0]}
    assert client.post("/pos/api/scan", json={"code": code}, headers=headers).status_code == 404
    path = quote(code.encode("utf-8", "surrogatepass"))  # a lone surrogate as raw bytes
    assert client.get(f"/pos/api/products/{path}", headers=headers).status_code == 404


def test_marketers_and_strangers_cannot_open_the_register(client, login):
    assert client.get("/pos/").location.startswith("/login")
    login(role="marketer")
    assert client.get("/pos/").status_code == 403


def test_cashier_sale_with_the_same_services_as_the_api(client, login, session, shop, tee,
                                                       member):
    login(role="cashier", store_id=shop.id)
    html = client.get("/pos/").get_data(as_text=True)
    token = html.split('name="csrf-token" content="')[1].split('"')[0]
    headers = {"X-CSRFToken": token}
    scanned = client.post("/pos/api/scan", json={"code": member.member_number},
                          headers=headers).get_json()
    body = {"receipt_number": "W-1", "purchased_at": recently(),
            "lines": [{"sku": "SKU-TEE", "quantity": 1, "unit_price": 3000}], "total": 2999,
            "member_token": scanned["member_token"]}
    wrong = client.post("/pos/api/sales", json=body, headers=headers)
    assert wrong.get_json()["error"]["code"] == "total_mismatch"
    done = client.post("/pos/api/sales", json={**body, "total": 3000}, headers=headers)
    assert done.get_json()["points_earned"] == 30
    assert count(session, Purchase) == 1


@pytest.mark.browser
def test_cashier_scans_goods_and_a_card_picks_a_coupon_and_completes_the_sale(
        browser, live_server, make, session, shop, tee, member):
    from playwright.sync_api import expect

    coupon = coupon_for(session, member, value=500)
    cashier = make.console_user(role="cashier", store_id=shop.id)
    page = browser.new_page()
    sign_in(page, live_server.url, cashier.email, PASSWORD, lands_on="/pos/")

    scan = page.get_by_test_id("scan-input")
    scan.press_sequentially(tee.jan)  # a USB scanner types the digits, then Enter
    scan.press("Enter")
    page.get_by_test_id("lines").get_by_text("Tシャツ").wait_for()
    scan.fill("4901234567894")
    scan.press("Enter")
    page.get_by_test_id("lines").get_by_text("6,000円").wait_for()
    scan.fill(member.member_number)
    scan.press("Enter")
    expect(page.get_by_test_id("member-name")).to_have_text("やまだ")
    page.get_by_test_id(f"coupon-{coupon.code}").click()
    expect(page.get_by_test_id("total")).to_have_text("5,500")
    expect(scan).to_be_focused()  # the scanner's next code lands in the scan field
    page.get_by_test_id("complete-button").click()
    page.get_by_test_id("result").get_by_text("55pt 付与").wait_for()

    purchase = session.scalar(select(Purchase))
    assert (purchase.member_id, purchase.total, purchase.store_id) == (member.id, 5500, shop.id)
    assert fresh(session, IssuedCoupon, coupon.id).redeemed_purchase_id == purchase.id
    page.close()


@pytest.mark.browser
def test_a_refused_scan_is_shown_in_japanese(browser, live_server, make, shop):
    cashier = make.console_user(role="cashier", store_id=shop.id)
    page = browser.new_page()
    sign_in(page, live_server.url, cashier.email, PASSWORD, lands_on="/pos/")
    page.get_by_test_id("scan-input").fill("9999999999999")
    page.get_by_test_id("scan-input").press("Enter")
    page.get_by_test_id("message").get_by_text("登録されていません").wait_for()
    page.close()


# Counts the page's requests until their answers are read, so a test can wait for every answer
# (also a late second one) to have been shown before it looks at the page.
TRACK_REQUESTS = """
window.__requests = {started: 0, open: 0};
const originalFetch = window.fetch;
window.fetch = (...args) => {
  window.__requests.started += 1;
  window.__requests.open += 1;
  return originalFetch(...args).then((response) => {
    const read = response.json.bind(response);
    response.json = () => read().finally(() => { window.__requests.open -= 1; });
    return response;
  }, (error) => { window.__requests.open -= 1; throw error; });
};
"""


def _every_answer_shown(page) -> None:
    page.wait_for_function("() => window.__requests.started > 0 && window.__requests.open === 0")
    page.evaluate("() => new Promise((done) => setTimeout(done, 0))")  # their handlers ran


def _register_with_a_tee(browser, live_server, make, shop, tee):
    cashier = make.console_user(role="cashier", store_id=shop.id)
    page = browser.new_page()
    page.add_init_script(TRACK_REQUESTS)
    sign_in(page, live_server.url, cashier.email, PASSWORD, lands_on="/pos/")
    scan = page.get_by_test_id("scan-input")
    scan.fill(tee.jan)
    scan.press("Enter")
    page.get_by_test_id("lines").get_by_text("Tシャツ").wait_for()
    return page


@pytest.mark.browser
def test_a_double_click_on_complete_records_one_sale_and_shows_one_answer(
        browser, live_server, make, session, shop, tee):
    from playwright.sync_api import expect

    page = _register_with_a_tee(browser, live_server, make, shop, tee)

    page.get_by_test_id("complete-button").dblclick()
    page.get_by_test_id("result").get_by_text("お会計完了：3000円").wait_for()
    _every_answer_shown(page)

    expect(page.get_by_test_id("message")).to_have_text("")
    expect(page.get_by_test_id("result")).to_have_text("お会計完了：3000円")
    assert count(session, Purchase) == 1
    page.close()


@pytest.mark.browser
def test_a_sale_sent_again_after_its_answer_was_lost_gets_the_same_answer(
        browser, live_server, make, session, shop, tee):
    from playwright.sync_api import expect

    page = _register_with_a_tee(browser, live_server, make, shop, tee)
    answers = []

    def lose_the_first_answer(route):
        answer = route.fetch()  # the server records the sale ...
        answers.append(answer.status)
        if len(answers) == 1:
            route.abort("connectionreset")  # ... but the register never hears back
        else:
            route.fulfill(response=answer)

    page.route("**/pos/api/sales", lose_the_first_answer)
    page.get_by_test_id("complete-button").click()
    page.get_by_test_id("message").get_by_text("通信できませんでした").wait_for()

    page.get_by_test_id("complete-button").click()  # the cashier tries again
    page.get_by_test_id("result").get_by_text("お会計完了：3000円").wait_for()

    expect(page.get_by_test_id("message")).to_have_text("")
    assert answers == [200, 200]
    assert count(session, Purchase) == 1
    page.close()
