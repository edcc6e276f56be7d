"""A real `flask worker` killed with SIGKILL while a welcome reply waits for its retry, then
restarted: the retry runs at once (not when RQ next tries to take its scheduler lock, ten
minutes later) and the shopper gets one welcome."""

import os
import signal
import subprocess
import sys

from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler

from core.settings import ROOT
from line.models import Delivery
from tests.support.waiting import wait_until

REPLY = "/v2/bot/message/reply"


def _worker(settings):
    """`flask worker` on every queue with RQ's scheduler, in its own process group."""
    env = {**os.environ, "FLASK_APP": "app.py", "DATABASE_URL": settings.database_url,
           "REDIS_URL": settings.redis_url, "SECRET_KEY": settings.secret_key,
           "PUBLIC_BASE_URL": settings.public_base_url,
           "LINE_API_BASE_URL": settings.line_api_base_url,
           "LINE_CHANNEL_ACCESS_TOKEN": settings.line_channel_access_token,
           "LINE_CHANNEL_SECRET": settings.line_channel_secret}
    return subprocess.Popen([sys.executable, "-m", "flask", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _kill(worker, sig=signal.SIGKILL):
    """Signal the worker and its scheduler process, as a container stop or an OOM kill does."""
    try:
        os.killpg(worker.pid, sig)
    except ProcessLookupError:
        return
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=15)


def _welcome_cards(linesim, user_id):
    return [i for i in linesim.inbox(user_id) if i["message"]["type"] == "flex"]


def test_a_worker_killed_while_a_reply_waits_for_its_retry_resumes_it_at_once_on_restart(
        shopper, linesim, settings, session, redis):
    hanako = shopper()
    linesim.set_faults(error_rate=1.0, path_prefix=REPLY)  # the first attempt: a server error
    doomed = _worker(settings)
    try:
        linesim.follow(hanako.user_id)
        retries = ScheduledJobRegistry("realtime", connection=redis)
        wait_until(lambda: retries.count == 1, what="RQ to schedule the event's retry (2 s)")
        assert redis.get(RQScheduler.get_locking_key("realtime"))  # its scheduler holds it
    finally:
        _kill(doomed)
    linesim.clear_faults()

    restarted = _worker(settings)
    try:
        wait_until(lambda: _welcome_cards(linesim, hanako.user_id), timeout=45,
                   what="the retried reply (RQ alone would wait ten minutes)")
    finally:
        _kill(restarted, signal.SIGTERM)

    assert len(_welcome_cards(linesim, hanako.user_id)) == 1
    assert [c["status"] for c in linesim.calls(path_prefix=REPLY)] == [500, 200]
    session.expire_all()
    reply = session.query(Delivery).filter_by(channel="reply").one()
    assert (reply.status, reply.attempts) == ("sent", 2)
    assert session.query(Delivery).filter_by(channel="push").count() == 0
