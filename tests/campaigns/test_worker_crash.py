"""A real worker process killed (SIGKILL) while its pushes are in flight, then restarted:
every member gets their message exactly once."""

import contextlib
import os
import signal
import subprocess
import sys

from rq import Queue

from core.settings import ROOT
from line import ledger
from line.models import Delivery
from tests.support.waiting import wait_until

MEMBERS = 12


def _worker(settings, *args):
    env = {**os.environ, "FLASK_APP": "app.py", "DATABASE_URL": settings.database_url,
           "REDIS_URL": settings.redis_url, "SECRET_KEY": settings.secret_key,
           "LINE_API_BASE_URL": settings.line_api_base_url,
           "LINE_CHANNEL_ACCESS_TOKEN": settings.line_channel_access_token,
           "LINE_CHANNEL_SECRET": settings.line_channel_secret}
    return subprocess.Popen([sys.executable, "-m", "flask", "worker", "--queue", "followups",
                             *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _kill_all(worker) -> None:
    """SIGKILL the worker and the scheduler process it forked (its process group): a
    survivor would go on taking jobs from the test's Redis after the test."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def test_a_worker_killed_mid_send_and_restarted_sends_nothing_twice(
        linesim, make, session, settings, worker, redis):
    users = [linesim.add_user(f"会員{n}")["userId"] for n in range(MEMBERS)]
    for user_id in users:
        linesim.follow(user_id)
    for user_id in users:
        member = make.member(line_user_id=user_id)
        ledger.record_once(member_id=member.id, flow="notice", key=f"crash:{user_id}",
                           messages=[{"type": "text", "text": "お知らせ"}])
    session.commit()
    from line.sending import release_due_deliveries

    worker.call(release_due_deliveries)  # one batch of 12 rows waits on the queue
    linesim.set_faults(latency_ms=3000)  # LINE is slow: pushes stay in flight for 3 s
    started = Queue("followups", connection=redis).started_job_registry

    doomed = _worker(settings)
    wait_until(lambda: started.count >= 1, what="the batch job to start")
    wait_until(lambda: linesim.counters()["in_flight"] == MEMBERS,
               what="every push of the batch to be waiting on LINE")
    _kill_all(doomed)
    linesim.clear_faults()
    wait_until(lambda: linesim.counters()["in_flight"] == 0,
               what="LINE to finish what it had already accepted")

    session.expire_all()
    assert session.query(Delivery).filter_by(status="sent").count() == 0  # none recorded
    worker.call(release_due_deliveries)
    restarted = _worker(settings, "--burst", "--without-scheduler")
    try:
        assert restarted.wait(timeout=60) == 0
    finally:
        _kill_all(restarted)

    session.expire_all()
    assert session.query(Delivery).filter_by(status="sent").count() == MEMBERS
    assert [len(linesim.inbox(user_id)) for user_id in users] == [1] * MEMBERS
    statuses = [c["status"] for c in linesim.calls(path_prefix="/v2/bot/message/push")]
    assert statuses.count(409) >= 1  # the resends LINE had already accepted
    assert statuses.count(200) == MEMBERS
