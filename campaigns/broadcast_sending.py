"""Sending a broadcast: freeze its audience when it comes due, then form multicast batches from
the frozen recipients (checks made at send time) and send them through line.multicast.

Exactly-once lives in the database: the audience is one INSERT ... SELECT under the unique
(broadcast_id, member_id) key; a recipient joins at most one batch (a conditional UPDATE from
pending, in the transaction that writes the batch with its retry key); a batch is claimed by
one sender. Redis only carries hints: `reconcile_broadcasts` finds from the tables what is left
(pending recipients, batches due or held by a dead sender) and finishes it.
"""

from datetime import datetime

from sqlalchemy import exists, func, select, update

from campaigns import alerts, broadcast_content
from campaigns.broadcast_audience import freeze
from campaigns.models import Broadcast, BroadcastRecipient, BroadcastVariant
from core import jobs, locks
from core.after_commit import after_commit
from core.clock import utcnow
from core.extensions import db
from coupons import service as coupons
from coupons.models import CouponDefinition
from line import client as line_client
from line import gates, multicast
from line.client import LineApiError
from line.models import MulticastBatch
from line.multicast import job_log
from members.models import FollowStatus, Member

BATCHES_PER_RUN = 20  # then the job queues itself again, so no job runs long


@jobs.job("campaigns", timeout=60)
def release_due_broadcasts() -> int:
    """Every ~15 s: freeze and start each scheduled broadcast whose time has come."""
    due = db.session.scalars(select(Broadcast.id).where(
        Broadcast.status == "scheduled", Broadcast.send_at <= utcnow())).all()
    for broadcast_id in due:
        _start(broadcast_id)
    return len(due)


@jobs.job("campaigns", timeout=300)
def start_broadcast(broadcast_id: int) -> int:
    return _start(broadcast_id)


def _start(broadcast_id: int) -> int:
    frozen = freeze(broadcast_id)
    db.session.commit()
    if frozen is not None:
        form_batches.enqueue(broadcast_id)
    return frozen or 0


@jobs.job("campaigns", timeout=900)
def form_batches(broadcast_id: int) -> dict:
    """Form and send up to BATCHES_PER_RUN batches, then queue itself for the rest. Any number
    of these may run at once for one broadcast: each recipient joins one batch."""
    room = _quota_room(broadcast_id)
    formed = skipped = 0
    for _ in range(BATCHES_PER_RUN):
        batch_id, more, passed = _form_one_batch(broadcast_id, room)
        skipped += passed
        if batch_id is not None:
            formed += 1
            sent_to = len(db.session.get(MulticastBatch, batch_id).to)
            room = None if room is None else room - sent_to
            multicast.send(batch_id)
        if not more:
            break
    else:
        after_commit(lambda: form_batches.enqueue(broadcast_id))
    complete_if_done(broadcast_id)
    db.session.commit()
    job_log("broadcast %s: %d batches formed and sent, %d skipped", broadcast_id, formed, skipped)
    return {"batches": formed, "skipped": skipped}


def _form_one_batch(broadcast_id: int, quota_room: int | None):
    """(batch id or None, whether to go on, recipients skipped). Commits."""
    now = utcnow()
    locks.hold_until_commit(f"broadcast-form:{broadcast_id}")
    live = db.session.execute(  # holds the broadcast row: a pause waits for this batch
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == "sending")
        .values(status="sending").execution_options(synchronize_session=False)).rowcount
    if not live or _held_back(broadcast_id, now):
        db.session.commit()
        return None, False, 0
    broadcast = db.session.get(Broadcast, broadcast_id)
    candidates = _next_candidates(broadcast_id)
    if not candidates:
        db.session.commit()
        return None, False, 0
    ready, passed = _send_time_checks(broadcast, candidates, now)
    if quota_room is not None and len(ready) > quota_room:
        _stop_at_quota(broadcast)
        db.session.commit()
        return None, False, passed
    batch_id = _write_batch(broadcast, ready) if ready else None
    db.session.commit()
    return batch_id, True, passed


def _held_back(broadcast_id: int, now: datetime) -> bool:
    """Quiet hours (formation waits until they end) or LINE's quota pause."""
    quiet_end = gates.quiet_hours_end(now)
    if quiet_end is not None:
        after_commit(lambda: form_batches.enqueue_in(quiet_end - now, broadcast_id))
        return True
    return gates.paused_until(now) is not None


def _next_candidates(broadcast_id: int) -> list:
    """Up to 500 pending recipients of one variant, with their member's LINE state now."""
    variant_id = db.session.scalar(select(BroadcastRecipient.variant_id).where(
        BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.status == "pending")
        .order_by(BroadcastRecipient.id).limit(1))
    return db.session.execute(
        select(BroadcastRecipient.id, BroadcastRecipient.member_id, Member.line_user_id,
               Member.follow_status, BroadcastRecipient.variant_id)
        .outerjoin(Member, Member.id == BroadcastRecipient.member_id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id,
               BroadcastRecipient.status == "pending",
               BroadcastRecipient.variant_id == variant_id)
        .order_by(BroadcastRecipient.id).limit(multicast.MAX_RECIPIENTS)).all()


def _send_time_checks(broadcast: Broadcast, candidates: list, now: datetime):
    """Skip who blocked or withdrew since the freeze and who reached today's promotional cap
    (one cap with the follow-ups); returns (the rest, how many were skipped)."""
    gone = {row.id: _gone_reason(row) for row in candidates if _gone_reason(row)}
    rest = [row for row in candidates if row.id not in gone]
    capped = {}
    if broadcast.promotional and rest:
        members = sorted({row.member_id for row in rest})
        gates.lock_daily_cap(members)
        rooms = gates.promotional_rooms(members, now)
        capped = {row.id: "daily_cap" for row in rest if rooms[row.member_id] < 1}
    for reason in set(gone.values()) | set(capped.values()):
        ids = [i for i, r in {**gone, **capped}.items() if r == reason]
        db.session.execute(
            update(BroadcastRecipient)
            .where(BroadcastRecipient.id.in_(ids), BroadcastRecipient.status == "pending")
            .values(status="skipped", skip_reason=reason)
            .execution_options(synchronize_session=False))
    return [row for row in rest if row.id not in capped], len(gone) + len(capped)


def _gone_reason(row) -> str | None:
    if row.member_id is None or row.follow_status == FollowStatus.WITHDRAWN:
        return "withdrawn"
    if row.follow_status != FollowStatus.FOLLOWED or not row.line_user_id:
        return "blocked"
    return None


def _write_batch(broadcast: Broadcast, ready: list) -> int:
    """The batch with its retry key, and its recipients moved into it, in one transaction;
    each gets their own coupon (announced, not shown, in the shared message)."""
    variant = db.session.get(BroadcastVariant, ready[0].variant_id)
    with_coupon = broadcast.coupon_definition_id is not None
    batch = multicast.add_batch(
        source=f"broadcast:{broadcast.id}", to=[row.line_user_id for row in ready],
        messages=broadcast_content.build(variant, with_coupon=with_coupon),
        promotional=broadcast.promotional)
    taken = db.session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.id.in_([row.id for row in ready]),
               BroadcastRecipient.status == "pending")
        .values(status="batched", batch_id=batch.id)
        .execution_options(synchronize_session=False)).rowcount
    if taken != len(ready):  # another former took some: the lock makes this impossible
        raise RuntimeError(f"broadcast {broadcast.id}: recipients taken by another batch")
    if with_coupon:
        _issue_coupons(broadcast, ready)
    return batch.id


def _issue_coupons(broadcast: Broadcast, ready: list) -> None:
    definition = db.session.get(CouponDefinition, broadcast.coupon_definition_id)
    issued = [{"id": row.id, "issued_coupon_id": coupons.issue_once(
        definition=definition, member_id=row.member_id,
        issue_key=f"broadcast:{broadcast.id}:member:{row.member_id}").id} for row in ready]
    db.session.execute(update(BroadcastRecipient), issued)


def _quota_room(broadcast_id: int) -> int | None:
    """How many more recipients this month's quota takes, when the broadcast must stop
    there (over_quota 'stop'); None: no limit to keep."""
    broadcast = db.session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.over_quota != "stop":
        return None
    try:
        limit = line_client.quota()
        return None if limit is None else max(0, limit - line_client.quota_consumption())
    except LineApiError as exc:
        job_log("broadcast %s: quota unknown (%s); sending on", broadcast_id, exc)
        return None


def _stop_at_quota(broadcast: Broadcast) -> None:
    broadcast.status = "paused"
    broadcast.last_error = "今月の配信可能数を超えるため一時停止しました。"
    alerts.raise_once(kind="broadcast_quota",
                      message=f"一斉配信「{broadcast.name}」は今月の配信可能数を超えるため"
                              f"一時停止しました。上限を超えても送る設定にするか、来月再開してください。")


def complete_if_done(broadcast_id: int) -> bool:
    """Sending -> completed once no recipient is pending and no batch is waiting."""
    waiting = exists().where(MulticastBatch.source == f"broadcast:{broadcast_id}",
                             MulticastBatch.status.in_(("pending", "sending")))
    pending = exists().where(BroadcastRecipient.broadcast_id == broadcast_id,
                             BroadcastRecipient.status == "pending")
    return bool(db.session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == "sending",
                                ~waiting, ~pending)
        .values(status="completed", finished_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount)


@jobs.job("campaigns", timeout=120)
def reconcile_broadcasts() -> dict:
    """Finish from the tables whatever Redis lost or a dead worker left: batches due or held
    by a dead sender are queued, broadcasts with pending recipients get a formation job, and a
    broadcast with nothing left is completed."""
    batches = multicast.queue_due_batches("broadcast:")
    sending = db.session.scalars(select(Broadcast.id).where(Broadcast.status == "sending")).all()
    forming = []
    for broadcast_id in sending:
        if not complete_if_done(broadcast_id) and _has_pending(broadcast_id):
            forming.append((broadcast_id,))
    after_commit(lambda: form_batches.enqueue_many(forming))
    job_log("reconcile: %d batches queued, %d broadcasts to form", batches, len(forming))
    return {"batches": batches, "forming": len(forming)}


def _has_pending(broadcast_id: int) -> bool:
    return db.session.scalar(select(BroadcastRecipient.id).where(
        BroadcastRecipient.broadcast_id == broadcast_id,
        BroadcastRecipient.status == "pending").limit(1)) is not None


def broadcast_messages_today(member_ids: list[int], day_start: datetime) -> dict[int, int]:
    """Promotional broadcast messages per member sent today or on their way (the daily cap
    counts them with the follow-ups)."""
    return dict(db.session.execute(
        select(BroadcastRecipient.member_id, func.count(BroadcastRecipient.id))
        .join(MulticastBatch, MulticastBatch.id == BroadcastRecipient.batch_id)
        .where(BroadcastRecipient.member_id.in_(member_ids), MulticastBatch.promotional,
               (MulticastBatch.status.in_(("pending", "sending")))
               | ((MulticastBatch.status == "sent") & (MulticastBatch.sent_at >= day_start)))
        .group_by(BroadcastRecipient.member_id)).all())


def wire_broadcasts() -> None:
    """Count broadcasts in the one daily promotional cap (called by the app factory)."""
    gates.count_promotional_with(broadcast_messages_today)
