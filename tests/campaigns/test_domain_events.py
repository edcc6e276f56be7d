"""Domain events reach every subscriber once: handed off after commit, or recovered by the sweep
when the hand-off was lost, with subscribers looked up on the worker when the event runs."""

from dataclasses import replace

import pytest

from core import events
from core.events import DomainEvent, redispatch_lost_events
from line.models import Delivery
from tests.support.linesim_server import free_port

RANK_UP = {"from": "regular", "to": "silver"}


@pytest.fixture
def also_subscribed(monkeypatch):
    """Subscribe extra handlers for one test; the product's subscriptions are kept."""
    monkeypatch.setattr(events, "SUBSCRIBERS", {k: list(v) for k, v in events.SUBSCRIBERS.items()})
    return events.subscribe


def _rank_up_deliveries(session) -> list[Delivery]:
    session.expire_all()
    return session.query(Delivery).filter_by(flow="rank_up").all()


def _undispatched(session) -> int:
    session.expire_all()
    return session.query(DomainEvent).filter(DomainEvent.dispatched_at.is_(None)).count()


def test_the_sweep_recovers_every_lost_event_in_one_run(make, session, worker, clock):
    members = [make.member() for _ in range(3)]
    for member in members:  # recorded, but never handed to the worker (as if Redis was down)
        session.add(DomainEvent(kind="rank.up", member_id=member.id, payload=RANK_UP,
                                occurred_at=clock.now))
    session.commit()

    clock.advance(minutes=5)
    assert worker.call(redispatch_lost_events) == 3

    assert _undispatched(session) == 0
    planned = _rank_up_deliveries(session)
    assert sorted(d.member_id for d in planned) == sorted(m.id for m in members)
    assert worker.call(redispatch_lost_events) == 0


def test_every_subscriber_to_a_kind_runs_once_per_event(
        make, session, worker, clock, also_subscribed):
    seen = []
    also_subscribed("rank.up", lambda event: seen.append(event.id))
    member = make.member()

    event_id = events.record("rank.up", member_id=member.id, payload=RANK_UP).id
    session.commit()
    worker.drain()
    clock.advance(minutes=5)
    worker.call(redispatch_lost_events)
    worker.call(events.dispatch_event, event_id)  # a late duplicate hand-off

    assert seen == [event_id]
    assert [d.member_id for d in _rank_up_deliveries(session)] == [member.id]


def test_an_event_recorded_where_nothing_subscribed_is_still_dispatched_on_the_worker(
        make, session, worker, monkeypatch):
    member = make.member()
    with monkeypatch.context() as patch:  # a process that never imported the subscribers
        patch.setattr(events, "SUBSCRIBERS", {})
        events.record("rank.up", member_id=member.id, payload=RANK_UP)
        session.commit()

    worker.drain()

    assert [d.member_id for d in _rank_up_deliveries(session)] == [member.id]
    assert _undispatched(session) == 0


def test_an_event_recorded_while_redis_is_down_commits_and_the_sweep_dispatches_it(
        app, make, session, worker, clock, monkeypatch):
    member = make.member()
    dead = replace(app.config["SETTINGS"], redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "SETTINGS", dead)
        events.record("rank.up", member_id=member.id, payload=RANK_UP)
        session.commit()  # the change is saved; only the hand-off failed

    clock.advance(minutes=5)
    assert worker.call(redispatch_lost_events) == 1
    assert [d.member_id for d in _rank_up_deliveries(session)] == [member.id]


def test_a_failing_subscriber_undoes_the_whole_dispatch_and_a_retry_runs_each_once(
        make, session, worker, clock, also_subscribed):
    calls = []

    def flaky(event):
        calls.append(event.id)
        if len(calls) == 1:
            raise RuntimeError("a subscriber failed")

    also_subscribed("rank.up", flaky)
    member = make.member()
    event_id = events.record("rank.up", member_id=member.id, payload=RANK_UP).id
    session.commit()

    with pytest.raises(RuntimeError):
        worker.call(events.dispatch_event, event_id)
    assert _rank_up_deliveries(session) == [] and _undispatched(session) == 1

    clock.advance(minutes=5)
    assert worker.call(redispatch_lost_events) == 1
    assert calls == [event_id, event_id]
    assert [d.member_id for d in _rank_up_deliveries(session)] == [member.id]
