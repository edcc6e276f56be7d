"""Sending a broadcast: freeze its audience when it comes due, then form multicast batches from
the frozen recipients (checks made at send time) and send them through line.multicast.

Exactly-once lives in the database: the audience is one INSERT ... SELECT under the unique
(broadcast_id, member_id) key; a recipient joins at most one batch (a conditional UPDATE from
pending, in the transaction that writes the batch with its retry key); a batch is claimed by
one sender. Redis only carries hints: `reconcile_broadcasts` finds from the tables what is left
(pending recipients, batches due or held by a dead sender) and finishes it.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from flask import current_app
from sqlalchemy import BigInteger, bindparam, exists, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY

from campaigns import alerts, broadcast_content
from campaigns.broadcast_audience import freeze
from campaigns.models import Broadcast, BroadcastRecipient, BroadcastVariant
from core import jobs, locks
from core.after_commit import after_commit
from core.bulk import among
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

BATCHES_PER_CHUNK = 8  # formed in one transaction (up to 4,000 recipients), then sent at once
CHUNKS_PER_RUN = 10  # then the job queues itself again, so no job runs long


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
    """Form and send up to CHUNKS_PER_RUN chunks of batches, then queue itself for the rest.
    Any number of these may run at once for one broadcast: each recipient joins one batch.
    On PostgreSQL a chunk is sent while the next is formed (overlapping LINE's and the
    database's waits)."""
    room = _quota_room(broadcast_id)
    formed = skipped = after = 0
    with _ChunkSender() as sender:
        for _ in range(CHUNKS_PER_RUN):
            batches, more, passed, after = _form_chunk(broadcast_id, room, after)
            skipped += passed
            formed += len(batches)
            if room is not None:
                room -= sum(size for _, size in batches)
            sender.send([batch_id for batch_id, _ in batches])
            if not more:
                break
        else:
            after_commit(lambda: form_batches.enqueue(broadcast_id))
    complete_if_done(broadcast_id)  # after the last chunk's sends were recorded
    db.session.commit()
    job_log("broadcast %s: %d batches formed and sent, %d skipped", broadcast_id, formed, skipped)
    return {"batches": formed, "skipped": skipped}


class _ChunkSender:
    """Sends a formed chunk's batches (line.multicast.send_many), on PostgreSQL in a
    background thread with its own app context, session and connection, at most one chunk at
    a time. Safe for exactly-once: a chunk is handed over only after the transaction that
    wrote its batches, retry keys and recipients committed, and the sender claims each batch
    with a conditional UPDATE like any other sender; if this worker dies, the committed
    batches are found and sent by the reconciler with the same retry keys."""

    def __init__(self):
        self.app = current_app._get_current_object()
        self.background = db.session.get_bind().dialect.name == "postgresql"
        self.pool = ThreadPoolExecutor(max_workers=1) if self.background else None
        self.sending = None

    def send(self, batch_ids: list[int]) -> None:
        self.wait()
        if not batch_ids:
            return
        if self.pool is None:  # SQLite: one writer at a time; send here
            multicast.send_many(batch_ids)
            return
        self.sending = self.pool.submit(self._send_with_own_session, batch_ids)

    def _send_with_own_session(self, batch_ids: list[int]) -> None:
        with self.app.app_context():
            multicast.send_many(batch_ids)

    def wait(self) -> None:
        if self.sending is not None:
            sending, self.sending = self.sending, None
            sending.result()  # a failure fails the job; the batches' claims were released

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        try:
            self.wait()
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)


def _form_chunk(broadcast_id: int, quota_room: int | None, after: int = 0):
    """([(batch id, recipients)], whether to go on, recipients skipped, the last recipient id
    looked at). Commits.

    Up to BATCHES_PER_CHUNK batches in one transaction, under the broadcast's formation lock:
    the checks, the batches with their retry keys and the recipients moved into them commit
    together or not at all, exactly as one batch did."""
    now = utcnow()
    locks.hold_until_commit(f"broadcast-form:{broadcast_id}")
    live = db.session.execute(  # holds the broadcast row: a pause waits for this chunk
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == "sending")
        .values(status="sending").execution_options(synchronize_session=False)).rowcount
    if not live or _held_back(broadcast_id, now):
        db.session.commit()
        return [], False, 0, after
    broadcast = db.session.get(Broadcast, broadcast_id)
    candidates = _next_candidates(broadcast_id, after)
    if not candidates and after:  # none after the cursor: look once from the start
        candidates = _next_candidates(broadcast_id)
    if not candidates:
        db.session.commit()
        return [], False, 0, after
    ready, passed = _send_time_checks(broadcast, candidates, now)
    groups = _batches_of(ready)
    fitting = _within_quota(groups, quota_room)
    batches = _write_batches(broadcast, fitting) if fitting else []
    if len(fitting) < len(groups):
        _stop_at_quota(broadcast)
    db.session.commit()
    return batches, len(fitting) == len(groups), passed, candidates[-1].id


def _batches_of(ready: list) -> list[list]:
    """The recipients in id order, cut into batches of one variant each (≤ 500)."""
    by_variant: dict[int, list] = {}
    for row in ready:
        by_variant.setdefault(row.variant_id, []).append(row)
    size = multicast.MAX_RECIPIENTS
    return [rows[i:i + size] for rows in by_variant.values() for i in range(0, len(rows), size)]


def _within_quota(groups: list[list], quota_room: int | None) -> list[list]:
    """The batches that fit in what is left of the month's quota, in order (all if no limit):
    the first that does not fit stops the broadcast there."""
    if quota_room is None:
        return groups
    fitting = []
    for group in groups:
        if len(group) > quota_room:
            break
        fitting.append(group)
        quota_room -= len(group)
    return fitting


def _held_back(broadcast_id: int, now: datetime) -> bool:
    """Quiet hours (formation waits until they end) or LINE's quota pause."""
    quiet_end = gates.quiet_hours_end(now)
    if quiet_end is not None:
        after_commit(lambda: form_batches.enqueue_in(quiet_end - now, broadcast_id))
        return True
    return gates.paused_until(now) is not None


def _next_candidates(broadcast_id: int, after: int = 0) -> list:
    """The next pending recipients in id order (a chunk's worth) from after `after`, with
    their member's LINE state now. Ids follow the random draw, so a paused broadcast has sent
    each variant alike.

    `after` is the last id the previous chunk of this job looked at: every one of those left
    pending (batched or skipped) in a committed transaction under the formation lock, so the
    index seeks past them instead of stepping over their dead entries. Any pending row the
    cursor could miss is still found: by a look from the start when nothing follows the
    cursor, and by the next job (which starts at 0) and the reconciler."""
    return db.session.execute(
        select(BroadcastRecipient.id, BroadcastRecipient.member_id, Member.line_user_id,
               Member.follow_status, BroadcastRecipient.variant_id)
        .outerjoin(Member, Member.id == BroadcastRecipient.member_id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id,
               BroadcastRecipient.status == "pending", BroadcastRecipient.id > after)
        .order_by(BroadcastRecipient.id)
        .limit(BATCHES_PER_CHUNK * multicast.MAX_RECIPIENTS)).all()


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
            .where(among(BroadcastRecipient.id, ids), BroadcastRecipient.status == "pending")
            .values(status="skipped", skip_reason=reason)
            .execution_options(synchronize_session=False))
    return [row for row in rest if row.id not in capped], len(gone) + len(capped)


def _gone_reason(row) -> str | None:
    if row.member_id is None or row.follow_status == FollowStatus.WITHDRAWN:
        return "withdrawn"
    if row.follow_status != FollowStatus.FOLLOWED or not row.line_user_id:
        return "blocked"
    return None


def _write_batches(broadcast: Broadcast, groups: list[list]) -> list[tuple[int, int]]:
    """The batches with their retry keys, and their recipients moved into them, in the
    caller's transaction; each recipient gets their own coupon (announced, not shown, in the
    shared message). Returns [(batch id, recipients)]."""
    with_coupon = broadcast.coupon_definition_id is not None
    written = []
    for variant_id in dict.fromkeys(group[0].variant_id for group in groups):
        variant = db.session.get(BroadcastVariant, variant_id)
        mine = [group for group in groups if group[0].variant_id == variant_id]
        batches = multicast.add_batches(
            source=f"broadcast:{broadcast.id}", promotional=broadcast.promotional,
            recipients=[[row.line_user_id for row in group] for group in mine],
            messages=broadcast_content.build(variant, with_coupon=with_coupon))
        written += [(batch.id, group) for batch, group in zip(batches, mine, strict=True)]
    _move_into(broadcast, written)
    if with_coupon:
        _issue_coupons(broadcast, [row for group in groups for row in group])
    return [(batch_id, len(group)) for batch_id, group in written]


def _move_into(broadcast: Broadcast, batches: list[tuple[int, list]]) -> None:
    """Recipients into their batches, set-based, only from pending: a recipient joins one
    batch. PostgreSQL: one UPDATE ... FROM unnest(ids, batch ids) for the whole chunk."""
    ids = [row.id for _, group in batches for row in group]
    if db.session.get_bind().dialect.name == "postgresql":
        taken = db.session.execute(_MOVE_INTO_BATCHES, {
            "ids": ids, "batches": [batch_id for batch_id, group in batches for _ in group]
        }).rowcount
    else:
        taken = sum(db.session.execute(
            update(BroadcastRecipient)
            .where(BroadcastRecipient.id.in_([row.id for row in group]),
                   BroadcastRecipient.status == "pending")
            .values(status="batched", batch_id=batch_id)
            .execution_options(synchronize_session=False)).rowcount
            for batch_id, group in batches)
    if taken != len(ids):  # another former took some: the lock makes this impossible
        raise RuntimeError(f"broadcast {broadcast.id}: recipients taken by another batch")


_MOVE_INTO_BATCHES = text(
    "UPDATE broadcast_recipients AS r SET status = 'batched', batch_id = v.batch_id "
    "FROM unnest(:ids, :batches) AS v(id, batch_id) "
    "WHERE r.id = v.id AND r.status = 'pending'"
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)),
             bindparam("batches", type_=ARRAY(BigInteger)))


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
    counts them with the follow-ups). The members' batched rows are read first, through the
    member index (a materialised CTE), then their batches by primary key: a plan driven by
    thousands of batches would grow with every batch a broadcast has sent."""
    mine = select(BroadcastRecipient.member_id, BroadcastRecipient.batch_id) \
        .where(among(BroadcastRecipient.member_id, member_ids),
               BroadcastRecipient.batch_id.is_not(None)) \
        .cte("mine").prefix_with("MATERIALIZED")
    return dict(db.session.execute(
        select(mine.c.member_id, func.count())
        .join(MulticastBatch, MulticastBatch.id == mine.c.batch_id)
        .where(MulticastBatch.promotional,
               (MulticastBatch.status.in_(("pending", "sending")))
               | ((MulticastBatch.status == "sent") & (MulticastBatch.sent_at >= day_start)))
        .group_by(mine.c.member_id)).all())


def wire_broadcasts() -> None:
    """Count broadcasts in the one daily promotional cap (called by the app factory)."""
    gates.count_promotional_with(broadcast_messages_today)
