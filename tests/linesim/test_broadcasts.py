"""Broadcast and narrowcast reach every friend and have their own hourly limits."""

from tests.linesim.helpers import call_line

HELLO = {"messages": [{"type": "text", "text": "本日限定"}]}


def test_broadcast_reaches_friends_and_is_limited_per_hour(sim, base_url, friend):
    sim.add_user("not a friend")
    sim.configure(rate_limits={"broadcast": 1})
    first = call_line(base_url, "POST", "/v2/bot/message/broadcast", HELLO)
    second = call_line(base_url, "POST", "/v2/bot/message/broadcast", HELLO)
    assert (first.status, second.status) == (200, 429)
    assert [item["endpoint"] for item in sim.inbox(friend["userId"])] == ["broadcast"]
    assert sim.counters()["quota_used"] == 1


def test_narrowcast_is_accepted_and_reports_progress(sim, base_url, friend):
    answer = call_line(base_url, "POST", "/v2/bot/message/narrowcast", HELLO)
    assert answer.status == 202
    request_id = answer.headers["x-line-request-id"]
    progress = call_line(base_url, "GET",
                         f"/v2/bot/message/progress/narrowcast?requestId={request_id}")
    assert progress.json()["phase"] == "succeeded"
    assert progress.json()["successCount"] == 1


def test_loading_indicator_needs_a_multiple_of_five(sim, base_url, friend):
    path = "/v2/bot/chat/loading/start"
    ok = call_line(base_url, "POST", path, {"chatId": friend["userId"], "loadingSeconds": 10})
    bad = call_line(base_url, "POST", path, {"chatId": friend["userId"], "loadingSeconds": 7})
    assert (ok.status, bad.status) == (202, 400)
