"""In a real browser: a shopper adds the friend on the chat screen, and the card's barcode
is readable from a screenshot of that screen; the card page's rotating code likewise."""

import io
import os
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from members.cards import resolve_scanned_card
from members.links import card_page_url
from members.models import Member
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser


def _decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_the_card_barcode_is_readable_from_a_screenshot_of_the_chat(
        phone, linesim, linesim_process, worker, session):
    user = linesim.add_user("佐藤健")
    phone.goto(f"{linesim_process.base_url}/chat/{user['userId']}")

    phone.get_by_test_id("follow-button").click()
    _wait_for_member(session)
    worker.drain()
    barcode = phone.get_by_test_id("flex-image").first
    barcode.wait_for()
    barcode.evaluate("img => img.decode()")
    barcode.scroll_into_view_if_needed()

    member = session.query(Member).one()
    screenshot = phone.screenshot()
    Path(os.environ.get("SCREENSHOT_DIR", "/tmp")).joinpath("chat-card.png").write_bytes(screenshot)
    assert _decode(screenshot) == [member.member_number]


def _wait_for_member(session):
    """The follow webhook is saved by the live server; wait until its row is visible."""
    from bot.models import WebhookEvent

    def saved():
        session.expire_all()
        return session.query(WebhookEvent).count()

    wait_until(saved, what="the follow webhook")


def test_the_rotating_code_on_the_card_page_scans_once(phone, live_server, make, session):
    member = make.member()
    phone.goto(card_page_url(member.id))
    phone.get_by_test_id("rotating-barcode").locator("svg").wait_for()

    [code] = _decode(phone.screenshot())

    assert code == phone.get_by_test_id("rotating-code").inner_text()
    assert resolve_scanned_card(code, accept_static=False).member.id == member.id
