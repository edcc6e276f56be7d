"""A restarted worker frees RQ's scheduler lock only when its holder is dead."""

import subprocess
import sys
from datetime import timedelta

import pytest
from rq.scheduler import RQScheduler
from rq.utils import now

from core import scheduler_locks

QUEUES = ["realtime", "followups"]


@pytest.fixture
def holder(redis):
    """A scheduler that took the locks of QUEUES (as the worker's scheduler does)."""
    scheduler = RQScheduler(QUEUES, connection=redis, name="holder")
    scheduler.register_birth()  # this process: alive
    assert scheduler.acquire_locks() == set(QUEUES)
    return scheduler


def _locked(redis):
    return {q for q in QUEUES if redis.get(RQScheduler.get_locking_key(q)) == b"holder"}


def _dead_pid():
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return finished.pid


def test_a_lock_held_by_a_live_scheduler_is_left_alone(redis, holder):
    assert scheduler_locks.release_dead_holders(redis, QUEUES) == []
    assert _locked(redis) == set(QUEUES)


def test_a_lock_whose_holder_died_on_this_machine_is_freed_at_once(redis, holder):
    holder.pid = _dead_pid()
    holder.save()  # as a scheduler killed a moment ago left it: heartbeat fresh

    assert sorted(scheduler_locks.release_dead_holders(redis, QUEUES)) == sorted(QUEUES)
    assert _locked(redis) == set()


def test_a_lock_held_from_another_machine_is_freed_once_its_heartbeat_stops(redis, holder):
    holder.hostname = "another-machine"
    holder.save()
    assert scheduler_locks.release_dead_holders(redis, QUEUES) == []  # it may be alive

    holder.last_heartbeat = now() - scheduler_locks.SILENT_FOR - timedelta(seconds=1)
    holder.save()
    assert sorted(scheduler_locks.release_dead_holders(redis, QUEUES)) == sorted(QUEUES)


def test_a_lock_whose_holder_left_no_record_is_freed(redis, holder):
    holder.register_death()
    assert sorted(scheduler_locks.release_dead_holders(redis, QUEUES)) == sorted(QUEUES)


def test_a_lock_whose_holder_keeps_beating_on_a_flushed_record_is_left_alone(redis, holder):
    redis.delete(holder.key)
    holder.heartbeat()  # rewrites only its last beat
    assert scheduler_locks.release_dead_holders(redis, QUEUES) == []
