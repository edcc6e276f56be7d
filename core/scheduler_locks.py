"""RQ's scheduler lock, freed when its holder is dead.

One RQ scheduler per queue moves delayed jobs (Retry intervals, enqueue_in) onto the queue; it
holds `rq:scheduler-lock:<queue>` (named after the scheduler, 61 s TTL, refreshed every second).
A worker killed with SIGKILL leaves the lock behind: the restarted worker fails to take it, does
not start its scheduler, and tries again only at its next maintenance, ten minutes later. So at
start a worker frees a lock whose holder is known dead: on this machine, its process is gone;
elsewhere, its heartbeat has stopped.
"""

from datetime import timedelta

from redis import Redis
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler
from rq.scripts import release_lock
from rq.utils import now, utcparse

from core import processes

# A scheduler beats every second; this long without a beat (and its process out of sight on
# another machine) means it is gone.
SILENT_FOR = timedelta(seconds=15)


def release_dead_holders(connection: Redis, queue_names) -> list[str]:
    """Free the scheduler locks of these queues held by dead schedulers; returns the queues."""
    freed = []
    for name in queue_names:
        key = RQScheduler.get_locking_key(name)
        holder = connection.get(key)
        # Compare-and-delete: a lock a live scheduler took meanwhile is left alone.
        if holder and _is_dead(connection, holder.decode()) and release_lock(
                connection, key, holder.decode()):
            freed.append(name)
    return freed


def _is_dead(connection: Redis, scheduler_name: str) -> bool:
    # Read the record as it is: a scheduler whose record was flushed rewrites only its beat.
    record = {key.decode(): value.decode() for key, value in
              connection.hgetall(SCHEDULER_KEY_TEMPLATE % scheduler_name).items()}
    if not record:
        return True  # it expired: no beat for a minute
    pid = record.get("pid", "")
    if record.get("hostname") == processes.this_host() and pid.isdigit() and int(pid):
        return not processes.is_running(int(pid))
    beat = record.get("last_heartbeat")
    return beat is None or now() - utcparse(beat) > SILENT_FOR
