"""A broadcast from draft to completed against the local LINE platform: the audience frozen
once, each recipient reached exactly once, the holdout reached by nobody, variants split,
members who blocked since the freeze skipped, and pause / resume / cancel obeyed."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from campaigns import broadcasts
from campaigns.broadcast_audience import freeze
from campaigns.broadcast_sending import form_batches, reconcile_broadcasts, release_due_broadcasts
from campaigns.models import Broadcast, BroadcastVariant
from line.models import MulticastBatch
from members.models import FollowStatus
from tests.campaigns.broadcasting import MULTICAST, drain, received, recipients


def _send(worker, broadcast_id):
    """The scheduler's release, then the formation job, as the worker runs them."""
    worker.call(release_due_broadcasts)
    worker.call(form_batches, broadcast_id)


def test_each_member_of_the_segment_gets_the_broadcast_exactly_once(
        linesim, line_friends, draft, marketer, worker, session):
    members = line_friends(7)
    broadcast = draft()
    broadcasts.confirm(broadcast.id, marketer)
    _send(worker, broadcast.id)
    worker.call(form_batches, broadcast.id)  # a duplicate job finds nothing left

    assert received(linesim, members) == [1] * 7
    texts = [m["message"]["text"] for m in linesim.inbox(members[0].line_user_id)]
    assert texts == ["冬のセールのお知らせ"]
    session.expire_all()
    done = session.get(Broadcast, broadcast.id)
    assert (done.status, done.recipients_total) == ("completed", 7)
    assert broadcasts.progress(broadcast.id) | {"rate_per_min": None} == {
        "status": "completed", "total": 7, "sent": 7, "failed": 0, "pending": 0,
        "held_out": 0, "skipped": {}, "rate_per_min": None, "eta_seconds": None}


def test_batches_hold_at_most_500_recipients_and_go_with_a_retry_key(
        linesim, line_friends, draft, marketer, worker, session):
    members = line_friends(2)
    broadcast = draft()
    broadcasts.confirm(broadcast.id, marketer)
    _send(worker, broadcast.id)
    calls = linesim.calls(path_prefix=MULTICAST)
    batch = session.query(MulticastBatch).one()
    assert [c["status"] for c in calls] == [200]
    assert calls[0]["retryKey"] == batch.retry_key
    assert sorted(batch.to) == sorted(m.line_user_id for m in members)


def test_the_audience_is_frozen_once_with_the_draw_recorded(
        line_friends, draft, marketer, worker, session):
    line_friends(30)
    broadcast = draft(holdout_percent=20, variants=[
        [{"type": "text", "text": "A"}], [{"type": "text", "text": "B"}]])
    broadcasts.confirm(broadcast.id, marketer)
    worker.call(release_due_broadcasts)
    assert worker.call(freeze, broadcast.id) is None  # released twice: the claim refuses
    session.expire_all()
    session.get(Broadcast, broadcast.id).status = "scheduled"  # as if the claim were lost
    session.get(Broadcast, broadcast.id).frozen_at = None
    session.commit()
    with pytest.raises(IntegrityError):  # the unique keys refuse a second audience
        worker.call(freeze, broadcast.id)
    session.rollback()
    rows = recipients(session, broadcast.id)
    assert len(rows) == 30
    batches = session.query(MulticastBatch).all()
    assert {b.status for b in batches} == {"planned"} and len(batches) == 2  # one per variant
    for row in rows:
        assert 0 <= row.draw < 10_000
        assert row.holdout == (row.draw < 2000) == (row.variant_id is None)
        assert row.status == ("held_out" if row.holdout else "batched")
        assert (row.batch_id is None) == row.holdout


def test_the_holdout_gets_nothing_and_the_variants_split_the_rest(
        linesim, line_friends, draft, marketer, worker, session):
    members = line_friends(60)
    broadcast = draft(holdout_percent=30, variants=[
        [{"type": "text", "text": "パターンA"}], [{"type": "text", "text": "パターンB"}],
        [{"type": "text", "text": "パターンC"}]])
    broadcasts.confirm(broadcast.id, marketer)
    _send(worker, broadcast.id)

    rows = {row.member_id: row for row in recipients(session, broadcast.id)}
    labels = {v.id: v.label for v in session.query(BroadcastVariant)}
    held = [m for m in members if rows[m.id].holdout]
    reached = [m for m in members if not rows[m.id].holdout]
    assert held and received(linesim, held) == [0] * len(held)
    assert received(linesim, reached) == [1] * len(reached)
    for member in reached:
        said = linesim.inbox(member.line_user_id)[0]["message"]["text"]
        assert said == f"パターン{labels[rows[member.id].variant_id]}"
    split = Counter(labels[rows[m.id].variant_id] for m in reached)
    assert set(split) == {"A", "B", "C"}  # 60 members: each variant drawn (p of a miss < 1e-6)
    assert broadcasts.progress(broadcast.id)["held_out"] == len(held)


def test_a_member_who_blocked_after_the_freeze_is_skipped(
        linesim, line_friends, draft, marketer, worker, session):
    members = line_friends(3)
    broadcast = draft()
    broadcasts.confirm(broadcast.id, marketer)
    worker.call(release_due_broadcasts)  # frozen with all three
    linesim.block(members[1].line_user_id)
    members[1].follow_status = FollowStatus.BLOCKED
    session.commit()
    worker.call(form_batches, broadcast.id)

    assert received(linesim, members) == [1, 0, 1]
    assert broadcasts.progress(broadcast.id)["skipped"] == {"blocked": 1}
    assert [c["status"] for c in linesim.calls(path_prefix=MULTICAST)] == [200]


def test_a_scheduled_broadcast_waits_for_its_time(
        linesim, line_friends, draft, marketer, worker, session, clock):
    members = line_friends(2)
    broadcast = draft(send_at=clock.now + timedelta(hours=2))
    broadcasts.confirm(broadcast.id, marketer)
    assert worker.call(release_due_broadcasts) == 0
    clock.advance(hours=2)
    assert worker.call(release_due_broadcasts) == 1
    worker.call(form_batches, broadcast.id)
    assert received(linesim, members) == [1, 1]


def test_paused_forms_no_batch_and_resumed_finishes(
        linesim, line_friends, draft, marketer, worker, session):
    members = line_friends(4)
    broadcast = draft()
    broadcasts.confirm(broadcast.id, marketer)
    worker.call(release_due_broadcasts)
    broadcasts.pause(broadcast.id, marketer)
    worker.call(form_batches, broadcast.id)
    worker.call(reconcile_broadcasts)
    assert received(linesim, members) == [0] * 4
    assert session.get(Broadcast, broadcast.id).status == "paused"

    broadcasts.resume(broadcast.id, marketer)
    worker.call(form_batches, broadcast.id)
    assert received(linesim, members) == [1] * 4
    session.expire_all()
    assert session.get(Broadcast, broadcast.id).status == "completed"


def test_cancel_skips_everyone_not_yet_sent(
        linesim, line_friends, draft, marketer, worker, session):
    members = line_friends(3)
    broadcast = draft()
    broadcasts.confirm(broadcast.id, marketer)
    worker.call(release_due_broadcasts)
    broadcasts.cancel(broadcast.id, marketer)
    worker.call(form_batches, broadcast.id)
    worker.call(reconcile_broadcasts)

    assert received(linesim, members) == [0] * 3
    assert broadcasts.progress(broadcast.id)["skipped"] == {"cancelled": 3}
    with pytest.raises(broadcasts.InvalidBroadcast) as refused:
        broadcasts.resume(broadcast.id, marketer)
    assert refused.value.errors == {"status": "一時停止中の配信ではありません。"}
    assert session.get(Broadcast, broadcast.id).status == "cancelled"


def test_a_test_send_reaches_one_member_and_is_no_campaign_send(
        linesim, line_friends, draft, marketer, worker, session):
    staff, other = line_friends(2)
    broadcast = draft()
    broadcasts.send_test(broadcast.id, staff.id)
    drain(worker.app, "followups")
    assert [m["message"]["text"] for m in linesim.inbox(staff.line_user_id)] == \
        ["冬のセールのお知らせ"]
    assert linesim.inbox(other.line_user_id) == []
    assert session.get(Broadcast, broadcast.id).status == "draft"
    assert recipients(session, broadcast.id) == []
