"""A broadcast when things go wrong: LINE answers 5xx (retried with the same key), the monthly
quota runs out (paused, with an alert), jobs run twice or at once, a worker is SIGKILLed
mid-send, Redis is flushed. Every recipient still gets the broadcast exactly once."""

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections import Counter

from rq import Queue

from campaigns import broadcasts
from campaigns.broadcast_sending import form_batches, reconcile_broadcasts, release_due_broadcasts
from campaigns.models import Broadcast
from core.settings import ROOT
from line import gates, multicast
from line.models import CampaignAlert, MulticastBatch
from tests.campaigns.broadcasting import MULTICAST, drain, received
from tests.support.waiting import wait_until


def _started(worker, draft, marketer, **options):
    broadcast = draft(**options)
    broadcasts.confirm(broadcast.id, marketer)
    worker.call(release_due_broadcasts)
    return broadcast


def _statuses(linesim):
    return [(c["status"], c["retryKey"]) for c in linesim.calls(path_prefix=MULTICAST)]


def _finish(worker, session, broadcast_id):
    """What the periodic reconciler and the worker do after a while."""
    worker.call(reconcile_broadcasts)
    drain(worker.app, "campaigns")
    worker.call(reconcile_broadcasts)
    session.expire_all()
    return session.get(Broadcast, broadcast_id).status


def test_a_5xx_is_retried_later_with_the_same_retry_key(
        linesim, line_friends, draft, marketer, worker, session, clock):
    members = line_friends(3)
    broadcast = _started(worker, draft, marketer)
    linesim.set_faults(error_rate=1.0, path_prefix=MULTICAST)
    worker.call(form_batches, broadcast.id)
    assert received(linesim, members) == [0, 0, 0]
    batch = session.query(MulticastBatch).one()
    assert (batch.status, batch.attempts) == ("pending", 1)

    linesim.clear_faults()
    worker.call(reconcile_broadcasts)
    drain(worker.app, "campaigns")
    assert received(linesim, members) == [0, 0, 0]  # not due before its back-off
    clock.advance(seconds=10)
    assert _finish(worker, session, broadcast.id) == "completed"
    assert received(linesim, members) == [1, 1, 1]
    assert _statuses(linesim) == [(500, batch.retry_key), (200, batch.retry_key)]


def test_the_monthly_quota_running_out_pauses_sending_with_an_alert(
        linesim, line_friends, draft, marketer, worker, session):
    members = line_friends(3)
    linesim.configure(monthly_quota=2)
    broadcast = _started(worker, draft, marketer, over_quota="send_all")
    worker.call(form_batches, broadcast.id)

    assert received(linesim, members) == [0, 0, 0]
    alert = session.query(CampaignAlert).filter_by(kind="quota").one()
    assert gates.paused_until(broadcasts.utcnow()) == alert.paused_until
    batch = session.query(MulticastBatch).one()
    assert (batch.status, batch.send_after) == ("pending", alert.paused_until)
    assert _finish(worker, session, broadcast.id) == "sending"  # waits for next month
    assert [status for status, _ in _statuses(linesim)] == [429]


def test_a_broadcast_set_to_stop_at_the_quota_pauses_before_going_over(
        linesim, line_friends, draft, marketer, worker, session):
    members = line_friends(3)
    linesim.configure(monthly_quota=2)
    broadcast = _started(worker, draft, marketer, over_quota="stop")
    worker.call(form_batches, broadcast.id)

    assert received(linesim, members) == [0, 0, 0]
    assert linesim.calls(path_prefix=MULTICAST) == []
    session.expire_all()
    assert session.get(Broadcast, broadcast.id).status == "paused"
    assert session.query(CampaignAlert).filter_by(kind="broadcast_quota").count() == 1


def test_two_senders_given_the_same_batch_at_once_send_it_once(
        linesim, line_friends, worker, session):
    members = line_friends(4)
    batch = multicast.add_batch(source="test:1", to=[m.line_user_id for m in members],
                                messages=[{"type": "text", "text": "同時"}])
    session.commit()
    linesim.set_faults(latency_ms=500)
    results, batch_id = [], batch.id
    senders = [threading.Thread(target=lambda: results.append(
        worker.call(multicast.send_batch, batch_id))) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert sorted(results) == ["not claimed", "sent"]
    assert received(linesim, members) == [1] * 4


def test_formation_jobs_run_twice_and_at_once_reach_everyone_once(
        linesim, line_friends, draft, marketer, worker, session, redis):
    members = line_friends(10)
    broadcast = _started(worker, draft, marketer, variants=[
        [{"type": "text", "text": "A"}], [{"type": "text", "text": "B"}]])
    linesim.set_faults(latency_ms=200)
    jobs = [threading.Thread(target=worker.call, args=(form_batches, broadcast.id))
            for _ in range(3)]
    for job in jobs:
        job.start()
    worker.call(reconcile_broadcasts)
    for job in jobs:
        job.join()
    linesim.clear_faults()
    drain(worker.app, "campaigns")  # the queued duplicates

    assert received(linesim, members) == [1] * 10
    sent = Counter(status for status, _ in _statuses(linesim))
    assert sent[200] == session.query(MulticastBatch).count()
    assert _finish(worker, session, broadcast.id) == "completed"


def test_redis_flushed_mid_campaign_then_the_reconciler_finishes_it(
        linesim, line_friends, draft, marketer, worker, session, redis, clock):
    members = line_friends(6)
    broadcast = _started(worker, draft, marketer, variants=[
        [{"type": "text", "text": "A"}], [{"type": "text", "text": "B"}]])
    linesim.set_faults(error_rate=1.0, path_prefix=MULTICAST)
    worker.call(form_batches, broadcast.id)  # a batch failed, its retry waits in Redis
    linesim.clear_faults()
    redis.flushall()  # every queued job and scheduled retry is gone
    drain(worker.app, "campaigns")
    assert received(linesim, members) == [0] * 6

    clock.advance(seconds=10)
    assert _finish(worker, session, broadcast.id) == "completed"
    assert received(linesim, members) == [1] * 6


def _worker_process(settings, clock, *args):
    env = {**os.environ, "FLASK_APP": "app.py", "DATABASE_URL": settings.database_url,
           "REDIS_URL": settings.redis_url, "SECRET_KEY": settings.secret_key,
           "LINE_API_BASE_URL": settings.line_api_base_url,
           "LINE_CHANNEL_ACCESS_TOKEN": settings.line_channel_access_token,
           "LINE_CHANNEL_SECRET": settings.line_channel_secret,
           "TEST_CLOCK_AT": clock.now.isoformat(), "QUIET_HOURS": "off"}
    env.pop("TEST_CLOCK_STARTED", None)  # its clock starts at the pinned instant
    return subprocess.Popen([sys.executable, "-m", "flask", "worker", "--queue", "campaigns",
                             *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _kill_all(process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_a_worker_killed_mid_send_and_restarted_sends_no_doubles_and_no_gaps(
        linesim, line_friends, draft, marketer, worker, session, settings, redis, clock):
    members = line_friends(12)
    broadcast = _started(worker, draft, marketer, variants=[
        [{"type": "text", "text": "A"}], [{"type": "text", "text": "B"}]])  # 2 batches queued
    linesim.set_faults(latency_ms=3000, path_prefix=MULTICAST)
    started = Queue("campaigns", connection=redis).started_job_registry
    doomed = _worker_process(settings, clock)
    try:
        wait_until(lambda: started.count >= 1, what="the formation job to start")
        # Both batches are formed in one chunk and sent at once: one or both wait on LINE.
        wait_until(lambda: linesim.counters()["in_flight"] >= 1,
                   what="a multicast to be waiting on LINE")
    finally:
        _kill_all(doomed)
    linesim.clear_faults()
    wait_until(lambda: linesim.counters()["in_flight"] == 0, what="LINE to finish the call")

    worker.call(reconcile_broadcasts)  # the dead sender's batch and the unformed rest
    restarted = _worker_process(settings, clock, "--burst", "--without-scheduler")
    try:
        assert restarted.wait(timeout=60) == 0
    finally:
        _kill_all(restarted)

    assert received(linesim, members) == [1] * 12
    statuses = Counter(status for status, _ in _statuses(linesim))
    assert statuses[200] == 2 and statuses[409] >= 1
    assert _finish(worker, session, broadcast.id) == "completed"
