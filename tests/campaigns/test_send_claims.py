"""One row, one sender: send jobs handed the same rows at once (the 30 s release, `send_one`, a
retried job) push each row once, the daily promotional cap holds across them, and a row whose
sender died is taken over with the same retry key."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from core import processes
from line import client as line_client
from line import gates, ledger
from line.models import Delivery
from line.sending import CLAIM_LEASE, release_due_deliveries, send_deliveries
from tests.support.waiting import wait_until

PUSH = "/v2/bot/message/push"


@pytest.fixture
def friends(member_of, clock):
    """Members who added the friend (welcomes read), at a pinned daytime clock."""

    def make(count):
        people = [member_of(f"会員{n}") for n in range(count)]
        for person, _member in people:
            person.new_messages()
        return people

    return make


def _notice(member, key, promotional=False):
    row = ledger.record_once(member_id=member.id, flow="rank_nudge" if promotional else "notice",
                             key=key, messages=[{"type": "text", "text": f"お知らせ {key}"}],
                             promotional=promotional)
    return row.id


def _second_job_while_the_first_is_pushing(worker, linesim, first_ids, second_ids, pushes):
    """Start a send job; once its pushes wait on LINE, run another one; return both results."""
    linesim.set_faults(latency_ms=1000, path_prefix=PUSH)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(worker.call, send_deliveries, first_ids)
        wait_until(lambda: linesim.counters()["in_flight"] == pushes,
                   what="the first job's pushes to be waiting on LINE")
        second = worker.call(send_deliveries, second_ids)
        return first.result(), second


def test_two_send_jobs_given_the_same_rows_at_once_push_each_row_once(
        friends, session, worker, linesim):
    people = friends(4)
    ids = [_notice(member, f"same:{n}") for n, (_person, member) in enumerate(people)]
    session.commit()

    first, second = _second_job_while_the_first_is_pushing(worker, linesim, ids, ids,
                                                           pushes=len(ids))

    assert (first["sent"], second["sent"]) == (len(ids), 0)
    pushes = linesim.calls(path_prefix=PUSH)
    assert len(pushes) == len(ids)  # one push request per row, all accepted at once
    assert sorted(c["retryKey"] for c in pushes) == sorted(
        session.get(Delivery, i).retry_key for i in ids)
    assert [len(person.new_messages()) for person, _member in people] == [1] * len(ids)
    session.expire_all()
    assert {session.get(Delivery, i).status for i in ids} == {"sent"}


def test_the_daily_promotional_cap_holds_across_two_batches_sent_at_once(
        friends, session, worker, linesim):
    [(person, member)] = friends(1)
    ids = [_notice(member, f"promo:{n}", promotional=True)
           for n in range(gates.DAILY_PROMOTIONAL_CAP + 1)]
    session.commit()
    first_batch, second_batch = ids[:gates.DAILY_PROMOTIONAL_CAP], ids[gates.DAILY_PROMOTIONAL_CAP:]

    _second_job_while_the_first_is_pushing(worker, linesim, first_batch, second_batch,
                                           pushes=len(first_batch))

    session.expire_all()
    rows = [session.get(Delivery, i) for i in ids]
    assert [row.status for row in rows] == ["sent", "sent", "skipped"]
    assert rows[-1].last_error == "daily promotional cap reached"
    assert len(linesim.calls(path_prefix=PUSH)) == gates.DAILY_PROMOTIONAL_CAP
    assert len(person.new_messages()) == gates.DAILY_PROMOTIONAL_CAP


def _claimed_by_a_sender_that_pushed_and_vanished(session, member, owner, clock):
    """The sender claimed the row, LINE accepted its push, and it never recorded the outcome."""
    row_id = _notice(member, "vanished")
    row = session.get(Delivery, row_id)
    row.status, row.claimed_by, row.lease_until = "sending", owner, clock.now + CLAIM_LEASE
    session.commit()
    line_client.push(member.line_user_id, row.messages, retry_key=row.retry_key)
    return row_id


def _taken_over_once(session, worker, linesim, person, row_id):
    worker.drain()
    session.expire_all()
    row = session.get(Delivery, row_id)
    assert (row.status, row.claimed_by) == ("sent", None)
    assert [c["status"] for c in linesim.calls(path_prefix=PUSH)] == [200, 409]
    assert row.line_request_id == linesim.calls(path_prefix=PUSH)[0]["requestId"]
    assert len(person.new_messages()) == 1


def test_a_row_whose_sender_vanished_elsewhere_is_sent_once_its_lease_lapses(
        friends, session, worker, linesim, clock):
    [(person, member)] = friends(1)
    row_id = _claimed_by_a_sender_that_pushed_and_vanished(
        session, member, "worker-on-another-host:4242:0a1b2c", clock)

    assert worker.call(release_due_deliveries) == 0  # its lease still runs
    clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
    assert worker.call(release_due_deliveries) == 1

    _taken_over_once(session, worker, linesim, person, row_id)


def test_a_row_whose_sender_died_on_this_machine_is_taken_over_at_once(
        friends, session, worker, linesim, clock):
    [(person, member)] = friends(1)
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    row_id = _claimed_by_a_sender_that_pushed_and_vanished(
        session, member, f"{processes.this_host()}:{finished.pid}:0a1b2c", clock)

    assert worker.call(release_due_deliveries) == 1  # no waiting for the lease

    _taken_over_once(session, worker, linesim, person, row_id)
