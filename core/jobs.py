"""Background jobs on RQ: named queues, one decorator that owns session, logging and errors.

Jobs are plain functions taking ids and primitives; they reload their rows and do one thing.
"""

import functools
import logging
from collections.abc import Callable

from flask import current_app
from rq import Queue, get_current_job

from core import redis as redis_conn
from core.extensions import db

# Highest priority first: a worker listening on all of them drains them in this order.
QUEUES = ("realtime", "followups", "campaigns", "maintenance")
DEFAULT_TIMEOUT = 120

log = logging.getLogger("jobs")

# Called as hook(queue_name, job_name, args, error) after a job failed and was rolled back,
# so the packages that care can record it where people look (core imports none of them).
FAILURE_HOOKS: list[Callable] = []


def on_failure(hook: Callable) -> Callable:
    if hook not in FAILURE_HOOKS:
        FAILURE_HOOKS.append(hook)
    return hook


def connection():
    return redis_conn.connect(current_app.config["SETTINGS"].redis_url)


def queue(name: str) -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=connection(), default_timeout=DEFAULT_TIMEOUT)


def _report_failure(queue_name, job_name, args, error, logger) -> None:
    """Run each failure hook in its own transaction; a failing hook never hides the job's error."""
    for hook in FAILURE_HOOKS:
        try:
            hook(queue_name, job_name, args, error)
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("failure hook %s failed", getattr(hook, "__name__", hook))


def job(queue_name: str, timeout: int = DEFAULT_TIMEOUT):
    """Declare a job: `fn.enqueue(*ids)` / `fn.enqueue_in(delta, *ids)` put it on its queue."""

    def decorate(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            current = get_current_job()
            logger = logging.LoggerAdapter(log, {"job_id": current.id if current else "-"})
            try:
                result = fn(*args, **kwargs)
                db.session.commit()
                return result
            except Exception as error:
                db.session.rollback()
                logger.exception("job %s%r failed", fn.__name__, args)
                _report_failure(queue_name, fn.__name__, args, error, logger)
                raise
            finally:
                db.session.remove()

        def enqueue(*args, **options):
            return queue(queue_name).enqueue(run, *args, job_timeout=timeout, **options)

        def enqueue_in(delay, *args, **options):
            return queue(queue_name).enqueue_in(delay, run, *args, job_timeout=timeout, **options)

        def enqueue_many(arg_tuples, **options):
            """One Redis round trip for many jobs (e.g. every event of a webhook request)."""
            datas = [Queue.prepare_data(run, args=args, timeout=timeout, **options)
                     for args in arg_tuples]
            return queue(queue_name).enqueue_many(datas) if datas else []

        run.enqueue = enqueue
        run.enqueue_in = enqueue_in
        run.enqueue_many = enqueue_many
        run.queue_name = queue_name
        return run

    return decorate
