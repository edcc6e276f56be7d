"""80 shoppers add the friend while LINE misbehaves: about 8 % of first reply attempts meet a
server error or a timeout (some after LINE accepted the reply), and two bursts of 429s hit, the
second on the retries. The worker retries until everything settles: every shopper has exactly
one welcome card."""

import contextvars
import itertools
import math
import time
from datetime import datetime, timedelta

from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from bot.models import WebhookEvent
from core import jobs
from line import client as line_client
from line.models import Delivery
from line.sending import release_due_deliveries
from tests.support.waiting import wait_until

SHOPPERS = 80
REPLY = "/v2/bot/message/reply"
LATE = {"latency_ms": 800}  # LINE accepts after our side gave up (read timeout 0.5 s)
ERROR = {"error_rate": 1.0}  # 500 before LINE takes the reply
STALLED = {"timeout_rate": 1.0, "timeout_s": 0.8}  # our side gives up; LINE then answers 500
FIRST_ATTEMPT_FAULTS = {3: LATE, 9: LATE, 15: LATE, 20: {"burst_429": 3},
                        33: ERROR, 41: LATE, 47: STALLED, 61: ERROR}
RETRY_BURST = 4  # the first retries meet a second burst of 429s


class SteppingWorker:
    """Runs queued jobs a few at a time, and lets RQ's delayed retries come due on the test's
    clock: a retry RQ schedules d seconds ahead runs once the clock has moved d seconds."""

    def __init__(self, app, redis, clock):
        self.app, self.redis, self.clock = app, redis, clock
        self.retries = {}  # (queue, job id) -> (when it is due on the clock, order set)
        self.order = itertools.count()

    def step(self, queue_names=jobs.QUEUES, count=1) -> bool:
        """Run the next `count` queued jobs, if any."""
        return contextvars.Context().run(self._step, queue_names, count)

    def next_event_job_user(self, session) -> str:
        """The LINE user whose event the next realtime job is about."""
        job = Queue("realtime", connection=self.redis).jobs[0]
        return session.get(WebhookEvent, job.args[0]).line_user_id

    def _step(self, queue_names, count) -> bool:
        with self.app.app_context():
            queues = [jobs.queue(name) for name in queue_names]
            if not any(queue.count for queue in queues):
                return False
            SimpleWorker(queues, connection=jobs.connection()).work(
                burst=True, max_jobs=count, logging_level="WARNING")
            self._note_new_retries()
            return True

    def _note_new_retries(self):
        for name in jobs.QUEUES:
            key = ScheduledJobRegistry(name, connection=self.redis).key
            for job_id, at in self.redis.zrange(key, 0, -1, withscores=True):
                if (name, job_id.decode()) not in self.retries:
                    # Noted right after it was set; RQ keeps whole seconds (floored).
                    delay = timedelta(seconds=math.ceil(at - time.time()))
                    self.retries[(name, job_id.decode())] = (self.clock.now + delay,
                                                             next(self.order))

    def release_due_retries(self) -> int:
        due = sorted((at, key) for key, at in self.retries.items() if at[0] <= self.clock.now)
        for _at, (name, job_id) in due:  # as RQ's scheduler moves them, in their order
            ScheduledJobRegistry(name, connection=self.redis).remove(job_id)
            Queue(name, connection=self.redis).enqueue_job(
                Job.fetch(job_id, connection=self.redis))
            del self.retries[(name, job_id)]
        return len(due)

    def next_retry_at(self) -> datetime | None:
        return min((at for at, _order in self.retries.values()), default=None)


def _run_first_attempts(stepper, linesim, shoppers, session):
    """Each shopper's event job once, in the order they added the friend; the jobs meant to
    meet a fault run alone, with it."""
    faulty = sorted(FIRST_ATTEMPT_FAULTS)
    done = 0
    for index in [*faulty, len(shoppers)]:
        if index > done:
            assert stepper.step(["realtime"], count=index - done)  # no faults: in one go
        if index == len(shoppers):
            return
        assert stepper.next_event_job_user(session) == shoppers[index].user_id
        linesim.set_faults(path_prefix=REPLY, **FIRST_ATTEMPT_FAULTS[index])
        assert stepper.step(["realtime"])
        wait_until(lambda: linesim.counters()["in_flight"] == 0,
                   what="LINE to finish with the reply our side may have given up on")
        if "burst_429" not in FIRST_ATTEMPT_FAULTS[index]:
            linesim.clear_faults()
        done = index + 1


def _settle(stepper, worker, clock, session):
    """Run jobs, release due retries and due pushes, move the clock to the next one; until
    nothing is left to do."""
    for _ in range(500):
        if stepper.step() or stepper.release_due_retries() or worker.call(
                release_due_deliveries):
            continue
        upcoming = [t for t in (stepper.next_retry_at(), _next_push_at(session)) if t]
        if not upcoming:
            return
        clock.now = max(clock.now, min(upcoming))
    raise AssertionError("the worker did not settle")


def _next_push_at(session) -> datetime | None:
    session.expire_all()
    return session.scalar(select(func.min(Delivery.send_after)).where(
        Delivery.channel == "push", Delivery.status == "pending"))


def test_every_shopper_gets_one_welcome_when_line_fails_some_replies_and_rate_limits_retries(
        app, shopper, linesim, worker, session, redis, clock, monkeypatch):
    monkeypatch.setattr(line_client, "TIMEOUT", (1.0, 0.5))
    shoppers = [shopper(f"友だち{n}") for n in range(SHOPPERS)]
    for person in shoppers:
        linesim.follow(person.user_id)
    stepper = SteppingWorker(app, redis, clock)

    _run_first_attempts(stepper, linesim, shoppers, session)
    linesim.set_faults(path_prefix=REPLY, burst_429=RETRY_BURST)
    _settle(stepper, worker, clock, session)
    linesim.clear_faults()

    cards = {person.user_id: [i["endpoint"] for i in linesim.inbox(person.user_id)
                              if i["message"]["type"] == "flex"] for person in shoppers}
    wrong = {user: got for user, got in cards.items() if len(got) != 1}
    assert wrong == {}, f"{len(wrong)} of {SHOPPERS} shoppers did not get exactly one welcome"
    statuses = [c["status"] for c in linesim.calls(path_prefix=REPLY)]
    assert statuses.count(429) == 3 + RETRY_BURST  # both bursts hit replies
