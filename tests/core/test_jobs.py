import os
import subprocess
import sys

import pytest
from rq import Queue
from rq.job import Job

from core import jobs, maintenance
from core.cli import build_scheduler
from core.settings import ROOT
from schedule import SCHEDULE


def _worker_env(settings):
    return {**os.environ, "FLASK_APP": "app.py", "DATABASE_URL": settings.database_url,
            "REDIS_URL": settings.redis_url, "SECRET_KEY": settings.secret_key}


def test_a_job_enqueued_here_is_run_by_a_separate_worker_process(settings, redis):
    enqueued = maintenance.record_worker_heartbeat.enqueue()
    assert enqueued.origin == "maintenance"

    done = subprocess.run([sys.executable, "-m", "flask", "worker", "--burst"],
                          cwd=ROOT, env=_worker_env(settings), capture_output=True, text=True,
                          timeout=60)

    assert done.returncode == 0, done.stderr
    job = Job.fetch(enqueued.id, connection=redis)
    assert job.get_status() == "finished"
    assert redis.get(maintenance.HEARTBEAT_KEY).decode() == job.return_value()


def test_a_failing_job_rolls_back_its_changes_and_reraises(app, redis, make):
    from catalog.models import Store
    from core.extensions import db

    store_id = make.store(name="before").id

    @jobs.job("maintenance")
    def rename_then_fail(store_id):
        db.session.get(Store, store_id).name = "changed"
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        rename_then_fail(store_id)
    assert db.session.get(Store, store_id).name == "before"


def test_unknown_queue_names_are_refused(app):
    try:
        jobs.queue("nope")
    except ValueError as exc:
        assert "unknown queue" in str(exc)
    else:
        raise AssertionError("queue('nope') was accepted")


def test_scheduler_registers_every_declared_periodic_job_and_enqueues_due_ones(app, redis):
    scheduler = build_scheduler()
    registered = {job.func_name for job in scheduler.get_jobs()}
    assert registered == {f"{fn.__module__}.{fn.__name__}" for fn, _, _ in SCHEDULE}

    enqueued = scheduler.enqueue_jobs()  # interval jobs are due at once; cron ones later

    names = {job.func_name for job in enqueued}
    assert "core.maintenance.record_worker_heartbeat" in names
    queued = sum(Queue(name, connection=redis).count for name in jobs.QUEUES)
    assert queued == len(enqueued)
