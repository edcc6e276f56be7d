"""Injected faults hit Messaging API calls only, never the control API."""

import time

from tests.linesim.helpers import push_text


def test_error_rate_one_makes_every_call_a_500(sim, base_url, friend):
    sim.set_faults(error_rate=1.0)
    answers = [push_text(base_url, friend["userId"]) for _ in range(3)]
    assert [answer.status for answer in answers] == [500, 500, 500]
    assert sim.inbox(friend["userId"]) == []
    sim.clear_faults()
    assert push_text(base_url, friend["userId"]).status == 200


def test_error_rate_half_fails_some_calls(sim, base_url, friend):
    sim.set_faults(error_rate=0.5)
    statuses = {push_text(base_url, friend["userId"]).status for _ in range(40)}
    assert statuses == {200, 500}


def test_burst_of_429_then_recovery(sim, base_url, friend):
    sim.set_faults(burst_429=3)
    statuses = [push_text(base_url, friend["userId"]).status for _ in range(4)]
    assert statuses == [429, 429, 429, 200]


def test_latency_delays_api_calls_but_not_control_calls(sim, base_url, friend):
    sim.set_faults(latency_ms=300)
    started = time.perf_counter()
    assert push_text(base_url, friend["userId"]).status == 200
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    sim.counters()
    assert time.perf_counter() - started < 0.3


def test_timeout_holds_the_request(sim, base_url, friend):
    sim.set_faults(timeout_rate=1.0, timeout_s=0.5)
    started = time.perf_counter()
    answer = push_text(base_url, friend["userId"])
    assert answer.status == 500
    assert time.perf_counter() - started >= 0.5
