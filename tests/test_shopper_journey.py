"""The whole story in real browsers, as in `make demo`: a shopper adds the friend on the chat
screen, the cashier types the number read from the card into the register page, the chat shows
the points, and an hour later the recommendation arrives."""

import pytest
import zxingcpp
from PIL import Image

from bot.models import WebhookEvent
from catalog.models import Stock
from line.sending import release_due_deliveries
from tests.factories import PASSWORD
from tests.support.browser import sign_in
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser


def _read_barcode(png: bytes) -> str:
    import io

    [code] = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    return code


def _stock(session, store, *products):
    for product in products:
        session.add(Stock(store_id=store.id, product_id=product.id, quantity=10))
    session.commit()


def test_friend_add_then_a_register_sale_shows_points_and_then_a_recommendation(
        browser, phone, linesim, linesim_process, live_server, worker, make, session, clock):
    shop = make.store(name="渋谷店")
    tee = make.product(sku="TEE", jan="4901234567894", name="Tシャツ", price=3000)
    chino = make.product(sku="CHINO", name="チノパン", category="tops", price=5000,
                         online_url="https://shop.example/CHINO")
    _stock(session, shop, tee, chino)
    cashier = make.console_user(role="cashier", store_id=shop.id)

    # The shopper adds the friend in the chat and shows the card.
    user = linesim.add_user("佐藤健")
    phone.goto(f"{linesim_process.base_url}/chat/{user['userId']}")
    phone.get_by_test_id("follow-button").click()
    wait_until(lambda: session.query(WebhookEvent).count() == 1,
               what="the webhook to save the follow")
    worker.drain()  # the worker enrolls the member and replies with the card
    card = phone.get_by_test_id("flex-image").first
    card.wait_for()
    card.evaluate("img => img.decode()")
    number = _read_barcode(phone.screenshot())

    # The cashier types what the scanner read.
    register = browser.new_page()
    sign_in(register, live_server.url, cashier.email, PASSWORD, lands_on="/pos/")
    scan = register.get_by_test_id("scan-input")
    scan.press_sequentially(tee.jan)
    scan.press("Enter")
    register.get_by_test_id("lines").get_by_text("Tシャツ").wait_for()
    scan.press_sequentially(number)
    scan.press("Enter")
    register.get_by_test_id("member-name").get_by_text("佐藤健").wait_for()
    register.get_by_test_id("complete-button").click()
    register.get_by_test_id("result").get_by_text("30pt 付与").wait_for()

    # The chat shows the points at once, and the recommendation an hour later.
    worker.drain()
    worker.call(release_due_deliveries)
    worker.drain()
    phone.get_by_text("ポイント残高：30 pt").wait_for()
    clock.advance(minutes=61)  # the pinned clock: 12:01 in Tokyo, inside sending hours
    worker.call(release_due_deliveries)
    worker.drain()
    phone.get_by_test_id("flex-carousel").get_by_text("チノパン").wait_for()
    register.close()
