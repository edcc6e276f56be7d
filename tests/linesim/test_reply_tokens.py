"""Reply tokens are single-use and expire a minute after their event."""

from tests.linesim.helpers import call_line

REPLY = "/v2/bot/message/reply"


def reply(base_url, token, text="いらっしゃいませ"):
    body = {"replyToken": token, "messages": [{"type": "text", "text": text}]}
    return call_line(base_url, "POST", REPLY, body)


def test_reply_token_works_once(sim, base_url, friend):
    token = sim.send_text(friend["userId"], "こんにちは")["event"]["replyToken"]
    assert reply(base_url, token).status == 200
    again = reply(base_url, token)
    assert again.status == 400
    assert again.json() == {"message": "Invalid reply token"}
    assert [item["endpoint"] for item in sim.inbox(friend["userId"])] == ["reply"]


def test_reply_token_expires_after_sixty_seconds_of_sim_time(sim, base_url, friend):
    token = sim.send_text(friend["userId"], "hello")["event"]["replyToken"]
    sim.advance_clock(61)
    late = reply(base_url, token)
    assert late.status == 400
    assert late.json()["message"] == "Invalid reply token"


def test_reply_does_not_use_monthly_quota(sim, base_url, friend):
    token = sim.postback(friend["userId"], "action=coupon")["event"]["replyToken"]
    assert reply(base_url, token).status == 200
    assert sim.counters()["quota_used"] == 0
