"""The chat screen in real headless Chromium: a user befriends, types, and taps."""

import json

import pytest

from tests.linesim.helpers import call_line

# The `browser` fixture (tests/support/browser.py) is shared: one Playwright per test run.
pytestmark = pytest.mark.browser

FLEX_WITH_QUICK_REPLY = {
    "type": "flex",
    "altText": "会員証",
    "contents": {
        "type": "bubble",
        "header": {"type": "box", "layout": "vertical",
                   "contents": [{"type": "text", "text": "会員証", "weight": "bold"}]},
        "body": {"type": "box", "layout": "vertical", "contents": [
            {"type": "text", "text": "ポイント 120 pt"},
            {"type": "separator"},
        ]},
        "footer": {"type": "box", "layout": "vertical", "contents": [
            {"type": "button", "style": "primary",
             "action": {"type": "postback", "label": "クーポンを見る", "data": "action=coupons"}},
        ]},
    },
    "quickReply": {"items": [
        {"type": "action", "action": {"type": "message", "label": "ヘルプ", "text": "ヘルプ"}},
    ]},
}


def last_event(receiver, count):
    return json.loads(receiver.wait_for(count)[count - 1]["body"])["events"][0]


def test_chat_screen_follow_type_see_flex_and_tap_quick_reply(browser, sim, receiver, base_url):
    user = sim.add_user("画面 テスト")
    page = browser.new_page()
    page.goto(f"{base_url}/chat/{user['userId']}")
    page.get_by_test_id("follow-button").click()
    assert last_event(receiver, 1)["type"] == "follow"

    page.get_by_test_id("text-input").fill("会員証")
    page.get_by_test_id("send-button").click()
    assert last_event(receiver, 2)["message"]["text"] == "会員証"
    page.locator(".row-user", has_text="会員証").wait_for()

    pushed = call_line(base_url, "POST", "/v2/bot/message/push",
                       {"to": user["userId"], "messages": [FLEX_WITH_QUICK_REPLY]})
    assert pushed.status == 200
    bubble = page.get_by_test_id("flex-bubble")
    bubble.wait_for()
    assert "ポイント 120 pt" in bubble.inner_text()
    assert page.get_by_test_id("flex-button").inner_text() == "クーポンを見る"

    page.get_by_test_id("quick-reply").click()
    event = last_event(receiver, 3)
    assert (event["type"], event["message"]["text"]) == ("message", "ヘルプ")

    page.get_by_test_id("flex-button").click()
    assert last_event(receiver, 4)["postback"]["data"] == "action=coupons"
    page.close()
