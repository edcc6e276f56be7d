"""Every stored webhook event is processed exactly once: by its queued job, or by the sweep
when that job was never queued (Redis down after the commit) or its worker died."""

from dataclasses import replace

import pytest
from rq import Queue

from bot import events as webhook_events
from bot.models import WebhookEvent
from members.models import Member
from tests.support.chat import flex_texts
from tests.support.linesim_server import free_port


def test_a_follow_stored_while_redis_is_down_gets_200_and_the_sweep_processes_it_once(
        app, monkeypatch, shopper, linesim, worker, session, redis, clock):
    hanako = shopper()
    dead = replace(app.config["SETTINGS"], redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "SETTINGS", dead)
        delivered = linesim.follow(hanako.user_id)["delivery"]

    assert delivered["status"] == 200  # stored: LINE must not redeliver into the dedup
    event = session.query(WebhookEvent).one()
    assert (event.status, event.attempts) == ("pending", 0)
    assert Queue("realtime", connection=redis).count == 0  # its job was never queued

    assert worker.call(webhook_events.process_pending_events) == 0  # left to its job a while
    clock.advance(minutes=2)  # the reply token has expired by now: the card is pushed
    assert worker.call(webhook_events.process_pending_events) == 1
    worker.drain()

    session.expire_all()
    event = session.get(WebhookEvent, event.id)
    assert (event.status, event.attempts, event.error) == ("done", 1, None)
    member = session.query(Member).filter_by(line_user_id=hanako.user_id).one()
    cards = [m for m in hanako.new_messages() if m["type"] == "flex"]
    assert len(cards) == 1 and member.member_number in flex_texts(cards[0])
    assert worker.call(webhook_events.process_pending_events) == 0
    assert worker.call(webhook_events.process_event, event.id) == "already processed"
    assert hanako.new_messages() == []


def test_a_late_queued_job_and_the_sweep_act_on_an_event_once(
        shopper, linesim, worker, session, redis, clock):
    hanako = shopper()
    linesim.follow(hanako.user_id)  # queued, but the worker is slow to get to it
    clock.advance(minutes=2)

    assert worker.call(webhook_events.process_pending_events) == 1
    worker.drain()  # the late job finds the event done

    session.expire_all()
    assert session.query(WebhookEvent).one().attempts == 1
    assert len([m for m in hanako.new_messages() if m["type"] == "flex"]) == 1


def test_an_event_whose_worker_died_mid_processing_is_taken_over_after_its_claim_lapses(
        shopper, linesim, worker, session, redis, clock):
    hanako = shopper()
    linesim.follow(hanako.user_id)
    redis.flushdb()  # the job is gone with its worker
    event = session.query(WebhookEvent).one()
    event.status, event.attempts = "processing", 1
    event.due_at = clock.now + webhook_events.CLAIM_LEASE
    session.commit()

    assert worker.call(webhook_events.process_event, event.id) == "already processed"
    clock.advance(minutes=2)
    assert worker.call(webhook_events.process_pending_events) == 0  # still claimed
    clock.advance(minutes=5)
    assert worker.call(webhook_events.process_pending_events) == 1
    worker.drain()

    session.expire_all()
    assert session.get(WebhookEvent, event.id).status == "done"
    assert len([m for m in hanako.new_messages() if m["type"] == "flex"]) == 1


def test_a_failing_event_is_retried_with_its_error_recorded_then_marked_failed(
        shopper, linesim, worker, session, redis, clock):
    hanako = shopper()
    linesim.set_faults(error_rate=1.0)  # LINE answers 500 to everything
    linesim.follow(hanako.user_id)
    redis.flushdb()
    event_id = session.query(WebhookEvent).one().id

    with pytest.raises(Exception, match="500"):
        worker.call(webhook_events.process_event, event_id)
    session.expire_all()
    event = session.get(WebhookEvent, event_id)
    assert (event.status, event.attempts) == ("pending", 1)
    assert "500" in event.error and event.due_at > clock.now

    event.attempts = webhook_events.MAX_ATTEMPTS - 1
    session.commit()
    clock.advance(hours=7)
    assert worker.call(webhook_events.process_pending_events) == 1
    session.expire_all()
    event = session.get(WebhookEvent, event_id)
    assert (event.status, event.attempts) == ("failed", webhook_events.MAX_ATTEMPTS)
    clock.advance(hours=7)
    assert worker.call(webhook_events.process_pending_events) == 0
    linesim.clear_faults()


def test_pruning_forgets_old_finished_events_and_keeps_unfinished_ones(session, worker, clock):
    now = clock.now
    for n, status in enumerate(["done", "failed", "pending", "processing"]):
        session.add(WebhookEvent(webhook_event_id=f"01JPRUNE{n:018d}", event_type="message",
                                 payload={}, status=status, received_at=now, due_at=now))
    session.commit()
    clock.advance(days=91)

    assert worker.call(webhook_events.prune_webhook_events) == 2
    assert sorted(e.status for e in session.query(WebhookEvent)) == ["pending", "processing"]
