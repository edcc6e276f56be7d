"""The control API contract the product's tests rely on."""

import threading
import time
import uuid
from datetime import UTC, datetime

import pytest

from tests.linesim.helpers import call_line, push_text
from tests.support.linesim_client import LinesimError


def test_user_lifecycle_states(sim):
    user = sim.add_user("鈴木", pictureUrl="https://example.com/p.png", statusMessage="hi")
    assert user["state"] == "new" and user["userId"].startswith("U") and len(user["userId"]) == 33
    sim.follow(user["userId"])
    assert sim.user(user["userId"])["state"] == "friend"
    sim.block(user["userId"])
    assert [found["state"] for found in sim.users()] == ["blocked"]


def test_chosen_user_id_is_kept(sim):
    chosen = "U" + "1234abcd" * 4
    assert sim.add_user("fixed", userId=chosen)["userId"] == chosen


def test_inbox_long_poll_waits_for_messages(sim, base_url, friend):
    threading.Timer(0.3, push_text, args=(base_url, friend["userId"], "遅れて")).start()
    started = time.perf_counter()
    messages = sim.inbox(friend["userId"], min=1, timeout=5)
    assert 0.2 < time.perf_counter() - started < 4
    assert messages[0]["message"]["text"] == "遅れて"
    assert messages[0]["endpoint"] == "push" and messages[0]["requestId"]


def test_inbox_timeout_returns_what_is_there(sim, base_url, friend):
    push_text(base_url, friend["userId"], "one")
    started = time.perf_counter()
    messages = sim.inbox(friend["userId"], min=2, timeout=0.3)
    assert len(messages) == 1 and time.perf_counter() - started >= 0.3


def test_inbox_after_skips_seen_messages(sim, base_url, friend):
    push_text(base_url, friend["userId"], "one")
    push_text(base_url, friend["userId"], "two")
    first = sim.inbox(friend["userId"])[0]
    rest = sim.inbox(friend["userId"], after=first["seq"])
    assert [item["message"]["text"] for item in rest] == ["two"]


def test_calls_log_and_counters(sim, base_url, friend):
    push_text(base_url, friend["userId"], "logged")
    push_text(base_url, friend["userId"], token="wrong")
    calls = sim.calls(path_prefix="/v2/bot/message/push")
    assert [call["status"] for call in calls] == [200, 401]
    assert calls[0]["body"]["messages"][0]["text"] == "logged"
    counts = sim.counters()["calls"]["/v2/bot/message/push"]
    assert counts == {"200": 1, "401": 1}


def test_reset_forgets_users_but_keeps_config(sim):
    sim.add_user("temp")
    sim.configure(bot_display_name="テスト商店")
    sim.reset()
    assert sim.users() == []
    assert sim.config()["bot_display_name"] == "テスト商店"


def test_clock_offset_accumulates(sim):
    sim.advance_clock(30)
    assert sim.advance_clock(31)["offset_seconds"] == 61


def test_clock_can_be_set_to_an_instant_and_runs_on_from_there(sim):
    moment = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    now = sim.set_clock(moment)["now"]
    assert moment.timestamp() <= now < moment.timestamp() + 5
    assert sim.advance_clock(60)["now"] >= moment.timestamp() + 60


def test_uri_action_is_returned_to_open(sim, friend):
    action = {"type": "uri", "label": "site", "uri": "https://example.com"}
    answer = sim.perform_action(friend["userId"], action)
    assert answer == {"event": None, "delivery": None, "uri": "https://example.com"}


def test_bulk_friends_get_multicasts_and_the_tally_counts_each_user(sim, base_url):
    ids = ["U" + f"{n:032x}" for n in range(1, 6)]
    assert sim.add_friends(ids) == 5
    assert {user["state"] for user in sim.users()} == {"friend"}
    multicast = "/v2/bot/message/multicast"

    def send(to, text):
        answer = call_line(base_url, "POST", multicast,
                           {"to": to, "messages": [{"type": "text", "text": text}]},
                           headers={"X-Line-Retry-Key": str(uuid.uuid4())})
        assert answer.status == 200

    send(ids[:3], "セール tag-1")
    send(ids[2:4], "セール tag-1")
    send(ids, "別の tag-2")
    assert sim.tally("tag-1", ids[1:]) == {"users": 4, "none": 1, "once": 2, "more": 1,
                                           "outside": 1}
    assert sim.tally("tag-2") == {"users": 5, "none": 0, "once": 5, "more": 0, "outside": 0}


def test_bulk_friends_refuse_an_existing_id_and_add_none(sim):
    taken = sim.add_user("既存")["userId"]
    with pytest.raises(LinesimError) as refused:
        sim.add_friends(["U" + "ab" * 16, taken])
    assert refused.value.status == 409
    assert len(sim.users()) == 1
    with pytest.raises(LinesimError) as bad:
        sim.add_friends(["not-an-id"])
    assert bad.value.status == 400
