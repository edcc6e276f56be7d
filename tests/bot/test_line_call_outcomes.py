"""How a failed LINE call is classified: whether LINE may have taken the request decides if a
reply can safely be sent another way."""

import dataclasses

import pytest

from line import client as line_client
from line.client import LineApiError
from tests.support.linesim_server import free_port
from tests.support.waiting import wait_until

TEXT = [{"type": "text", "text": "こんにちは"}]


def _refused(call) -> LineApiError:
    with pytest.raises(LineApiError) as failure:
        call()
    return failure.value


def test_a_call_that_never_connected_surely_was_not_taken(app, monkeypatch):
    nowhere = dataclasses.replace(app.config["SETTINGS"],
                                  line_api_base_url=f"http://127.0.0.1:{free_port()}")
    monkeypatch.setitem(app.config, "SETTINGS", nowhere)
    error = _refused(lambda: line_client.reply("token", TEXT))
    assert (error.status, error.retryable, error.maybe_accepted) == (None, True, False)


def test_a_call_whose_answer_never_came_may_have_been_taken(linesim, monkeypatch):
    monkeypatch.setattr(line_client, "TIMEOUT", (1.0, 0.3))
    linesim.set_faults(latency_ms=600)
    error = _refused(lambda: line_client.reply("token", TEXT))
    assert (error.status, error.retryable, error.maybe_accepted) == (None, True, True)
    wait_until(lambda: linesim.counters()["in_flight"] == 0, what="linesim to finish")


@pytest.mark.parametrize(("faults", "status", "maybe_accepted"), [
    ({"error_rate": 1.0}, 500, True),
    ({"burst_429": 1}, 429, False),
    ({}, 400, False),  # an unknown reply token
])
def test_an_answered_call_was_taken_only_if_line_failed_itself(
        linesim, faults, status, maybe_accepted):
    linesim.set_faults(**faults)
    error = _refused(lambda: line_client.reply("no-such-token", TEXT))
    assert (error.status, error.maybe_accepted) == (status, maybe_accepted)
    assert error.reply_token_invalid is (status == 400)
