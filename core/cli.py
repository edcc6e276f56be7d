"""`flask worker` and `flask scheduler`: RQ processes that run jobs inside an app context."""

import os
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from rq import SimpleWorker, Worker
from rq.cron import CronScheduler

from core import jobs, scheduler_locks


@click.command("worker")
@click.option("--queue", "-q", "queue_names", multiple=True, help="Queues (default: all).")
@click.option("--burst", is_flag=True, help="Exit once the queues are empty.")
@click.option("--fork/--no-fork", default=False,
              help="Fork a child per job (isolation) instead of running jobs in-process (speed).")
@click.option("--with-scheduler/--without-scheduler", default=True,
              help="Also move jobs enqueued for later onto their queues when due.")
@with_appcontext
def worker_command(queue_names, burst, fork, with_scheduler):
    """Run an RQ worker on the named queues."""
    names = queue_names or jobs.QUEUES
    if with_scheduler:
        # A predecessor killed with SIGKILL may still "hold" the scheduler: delayed retries
        # would wait ten minutes for RQ to try again.
        scheduler_locks.release_dead_holders(jobs.connection(), names)
    worker_class = Worker if fork else SimpleWorker
    worker = worker_class([jobs.queue(n) for n in names], connection=jobs.connection())
    worker.work(burst=burst, with_scheduler=with_scheduler)


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Enqueue the periodic jobs the app was given (schedule.py) at their times."""
    # RQ reads cron fields in the process's local time: make that business time.
    os.environ["TZ"] = current_app.config["SETTINGS"].business_timezone
    time.tzset()
    build_scheduler().start()


def build_scheduler() -> CronScheduler:
    scheduler = CronScheduler(connection=jobs.connection(), name=f"scheduler:{os.getpid()}")
    for job_fn, queue_name, when in current_app.extensions["periodic_jobs"]:
        scheduler.register(job_fn, queue_name=queue_name, **when)
    return scheduler
