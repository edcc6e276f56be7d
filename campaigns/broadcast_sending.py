"""Sending a broadcast: freeze its audience when it comes due (each recipient placed in one
planned multicast batch, campaigns.broadcast_audience), then form the planned batches (checks
made at send time, user ids filled in) and send them through line.multicast.

Exactly-once lives in the database: the audience is frozen once under the unique
(broadcast_id, member_id) key, each recipient in one batch; a planned batch is filled once (a
conditional UPDATE from planned, under the broadcast's formation lock) and claimed by one
sender, its retry key fixed when it was planned. Redis only carries hints:
`reconcile_broadcasts` finds from the tables what is left (planned batches, batches due or
held by a dead sender) and finishes it.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from flask import current_app
from sqlalchemy import (
    JSON,
    and_,
    any_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    update,
)

from campaigns import alerts, broadcast_content, broadcasts
from campaigns.broadcast_audience import SLOT_STRIDE, freeze, source_of, variant_at
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

BATCHES_PER_CHUNK = 16  # formed in one transaction (up to 8,000 recipients), then sent at once
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
    if frozen is not None:  # the audience is fixed: sending has begun (once)
        broadcasts.record_start(broadcast_id, recipients=frozen)
    db.session.commit()
    if frozen is not None:
        form_batches.enqueue(broadcast_id)
    return frozen or 0


@jobs.job("campaigns", timeout=900)
def form_batches(broadcast_id: int) -> dict:
    """Form and send up to CHUNKS_PER_RUN chunks of batches, then queue itself for the rest.
    Any number of these may run at once for one broadcast: each planned batch is filled once.
    On PostgreSQL a chunk is sent while the next is formed (overlapping LINE's and the
    database's waits)."""
    room = _quota_room(broadcast_id)
    formed = skipped = 0
    after = -1
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


def _form_chunk(broadcast_id: int, quota_room: int | None, after: int = -1):
    """([(batch id, recipients)], whether to go on, recipients skipped, the last slot looked
    at). Commits.

    Up to BATCHES_PER_CHUNK planned batches in one transaction, under the broadcast's
    formation lock: the send-time checks, the batches' user ids and messages and their
    release commit together or not at all."""
    now = utcnow()
    locks.hold_until_commit(f"broadcast-form:{broadcast_id}")
    live = db.session.execute(  # holds the broadcast row: a pause waits for this chunk
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == "sending")
        .values(status="sending").execution_options(synchronize_session=False)).rowcount
    if not live or _held_back(broadcast_id, now):
        db.session.commit()
        return [], False, 0, after
    broadcast = db.session.get(Broadcast, broadcast_id)
    planned = _next_planned(broadcast_id, after)
    if not planned and after >= 0:  # none after the cursor: look once from the start
        planned = _next_planned(broadcast_id)
    if not planned:
        db.session.commit()
        return [], False, 0, after
    ids = [batch_id for batch_id, _ in planned]
    if quota_room is None and db.session.get_bind().dialect.name == "postgresql":
        filled, skipped = _check_and_fill_at_once(broadcast, ids, now)
        if broadcast.coupon_definition_id is not None and filled:
            _issue_coupons(broadcast, [batch_id for batch_id, _ in filled])
        db.session.commit()
        return filled, True, skipped, planned[-1][1]
    sizes, skipped = _sizes_after_checks(broadcast, ids, now)
    groups = [(batch_id, slot, sizes[batch_id]) for batch_id, slot in planned
              if batch_id in sizes]
    fitting = _within_quota(groups, quota_room)
    _fill(broadcast, fitting, now)
    _close_empty(ids)
    if len(fitting) < len(groups):
        _stop_at_quota(broadcast)
    if broadcast.coupon_definition_id is not None and fitting:
        _issue_coupons(broadcast, [batch_id for batch_id, _, _ in fitting])
    db.session.commit()
    return ([(batch_id, size) for batch_id, _, size in fitting], len(fitting) == len(groups),
            skipped, planned[-1][1])


def _next_planned(broadcast_id: int, after: int = -1) -> list:
    """The next planned batches, (id, slot) in slot order from after `after`: every batch
    the previous chunk of this job looked at was filled, emptied or left for the quota in a
    committed transaction under the formation lock."""
    return db.session.execute(
        select(MulticastBatch.id, MulticastBatch.slot)
        .where(MulticastBatch.source == source_of(broadcast_id),
               MulticastBatch.status == "planned", MulticastBatch.slot > after)
        .order_by(MulticastBatch.slot).limit(BATCHES_PER_CHUNK)).all()


def _in_batches(ids: list[int]):
    return and_(BroadcastRecipient.batch_id.in_(ids), BroadcastRecipient.status == "batched")


def _sizes_after_checks(broadcast: Broadcast, ids: list[int], now: datetime):
    """({batch id: recipients left}, recipients skipped) after taking out of the batches who
    blocked or withdrew since the freeze and, for a promotional broadcast, who reached today's
    cap (one cap with the follow-ups). Only the few to skip come back from the database: the
    worker's time goes to sending, not to reading thousands of rows that pass."""
    at_cap = _at_cap(broadcast, ids, now)
    to_skip = or_(Member.follow_status != FollowStatus.FOLLOWED, Member.line_user_id.is_(None))
    if at_cap:
        to_skip = or_(to_skip, among(BroadcastRecipient.member_id, sorted(at_cap)))
    skips: dict[str, list[int]] = {}
    for row in db.session.execute(
            select(BroadcastRecipient.id, BroadcastRecipient.member_id, Member.follow_status,
                   Member.line_user_id.is_not(None).label("has_user"))
            .join(Member, Member.id == BroadcastRecipient.member_id)
            .where(_in_batches(ids), to_skip)):
        skips.setdefault(_skip_reason(row, at_cap), []).append(row.id)
    for reason, recipient_ids in skips.items():
        db.session.execute(
            update(BroadcastRecipient).where(among(BroadcastRecipient.id, recipient_ids))
            .values(status="skipped", skip_reason=reason, batch_id=None)
            .execution_options(synchronize_session=False))
    sizes = dict(db.session.execute(
        select(BroadcastRecipient.batch_id, func.count()).where(_in_batches(ids))
        .group_by(BroadcastRecipient.batch_id)).all())
    return sizes, sum(len(recipient_ids) for recipient_ids in skips.values())


def _check_and_fill_at_once(broadcast: Broadcast, ids: list[int], now: datetime):
    """PostgreSQL, no quota to stop at: the send-time checks, the skips and the filling of the
    batches in one statement, reading the batches' recipients and members once (the same
    decisions as _sizes_after_checks, _fill and _close_empty make in steps). Returns
    ([(batch id, recipients)], recipients skipped)."""
    at_cap = sorted(_at_cap(broadcast, ids, now))
    r = BroadcastRecipient
    skip = case((Member.follow_status == FollowStatus.WITHDRAWN, "withdrawn"),
                (or_(Member.follow_status != FollowStatus.FOLLOWED, Member.line_user_id.is_(None)),
                 "blocked"),
                (among(r.member_id, at_cap), "daily_cap"), else_=null())
    rows = (select(r.id, r.batch_id, Member.line_user_id, skip.label("skip"))
            .join(Member, Member.id == r.member_id).where(_in_batches(ids))
            .cte("chunk_rows").prefix_with("MATERIALIZED"))
    skipped = (update(r).where(r.id == rows.c.id, rows.c.skip.is_not(None))
               .values(status="skipped", skip_reason=rows.c.skip, batch_id=None)
               .returning(r.id).cte("skipped"))
    kept = (select(rows.c.batch_id, func.json_agg(rows.c.line_user_id).label("users"),
                   func.count().label("n"))
            .where(rows.c.skip.is_(None)).group_by(rows.c.batch_id).cte("kept"))
    by_variant = cast(literal([_variant_messages(broadcast, index)
                               for index in range(SLOT_STRIDE)], JSON), JSON)
    filled = (update(MulticastBatch)
              .where(MulticastBatch.id == kept.c.batch_id, MulticastBatch.status == "planned")
              .values(to=kept.c.users, status="pending", send_after=now,
                      messages=by_variant.op("->", return_type=JSON)(
                          MulticastBatch.slot % SLOT_STRIDE))
              .returning(MulticastBatch.id, kept.c.n).cte("filled"))
    emptied = (update(MulticastBatch)
               .where(among(MulticastBatch.id, ids), MulticastBatch.status == "planned",
                      MulticastBatch.id.not_in(select(kept.c.batch_id)))
               .values(status="empty").returning(MulticastBatch.id).cte("emptied"))
    result = db.session.execute(
        select(select(func.count()).select_from(skipped).scalar_subquery(),
               select(func.json_agg(func.json_build_array(filled.c.id, filled.c.n)))
               .scalar_subquery(),
               select(func.count()).select_from(emptied).scalar_subquery())).one()
    filled_sizes = sorted((batch_id, size) for batch_id, size in (result[1] or []))
    return filled_sizes, result[0]


def _variant_messages(broadcast: Broadcast, index: int) -> list:
    """The messages of the variant whose batches have slot % SLOT_STRIDE == index ([] when
    there is no such variant: no batch has that slot)."""
    if index >= len(broadcast.variants):
        return []
    return broadcast_content.build(broadcast.variants[index],
                                   with_coupon=broadcast.coupon_definition_id is not None)


def _skip_reason(row, at_cap: set[int]) -> str:
    if row.follow_status == FollowStatus.WITHDRAWN:
        return "withdrawn"
    reachable = row.follow_status == FollowStatus.FOLLOWED and row.has_user
    return "daily_cap" if reachable and row.member_id in at_cap else "blocked"


def _at_cap(broadcast: Broadcast, ids: list[int], now: datetime) -> set[int]:
    """Which members reached today's promotional cap, decided under a lock that holds every
    other cap decision off until this chunk commits."""
    if not broadcast.promotional:
        return set()
    gates.lock_daily_cap_for_all()
    at_cap = gates.members_at_cap(now, leaving_out=source_of(broadcast.id))
    if at_cap is None:  # a day of many promotional messages: count for these members only
        members = db.session.scalars(select(BroadcastRecipient.member_id)
                                     .where(_in_batches(ids))).all()
        rooms = gates.promotional_rooms(members, now)
        return {member_id for member_id, room in rooms.items() if room < 1}
    return at_cap


def _within_quota(groups: list[tuple], quota_room: int | None) -> list[tuple]:
    """The batches (id, slot, size) that fit in what is left of the month's quota, in order
    (all if no limit): the first that does not fit stops the broadcast there."""
    if quota_room is None:
        return groups
    fitting = []
    for group in groups:
        if group[2] > quota_room:
            break
        fitting.append(group)
        quota_room -= group[2]
    return fitting


def _fill(broadcast: Broadcast, batches: list[tuple], now: datetime) -> None:
    """The batches' LINE user ids, gathered in SQL from their members (never through Python),
    and their variant's messages; then they are due. One UPDATE per variant."""
    with_coupon = broadcast.coupon_definition_id is not None
    by_variant: dict[int, list[int]] = {}
    for batch_id, slot, _ in batches:
        by_variant.setdefault(variant_at(broadcast, slot), []).append(batch_id)
    for variant_id, ids in by_variant.items():
        users = (select(BroadcastRecipient.batch_id, _json_list(Member.line_user_id).label("to"))
                 .join(Member, Member.id == BroadcastRecipient.member_id)
                 .where(_in_batches(ids)).group_by(BroadcastRecipient.batch_id).subquery())
        messages = broadcast_content.build(db.session.get(BroadcastVariant, variant_id),
                                           with_coupon=with_coupon)
        filled = db.session.execute(
            update(MulticastBatch).where(MulticastBatch.id == users.c.batch_id,
                                         MulticastBatch.status == "planned")
            .values(to=users.c.to, messages=messages, status="pending", send_after=now)
            .execution_options(synchronize_session=False)).rowcount
        if filled != len(ids):  # the formation lock makes this impossible
            raise RuntimeError(f"broadcast {broadcast.id}: batches filled by another former")


def _json_list(column):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.json_agg(column)
    return func.json_group_array(column)


def _close_empty(ids: list[int]) -> None:
    """A planned batch whose every member was skipped is never sent."""
    db.session.execute(
        update(MulticastBatch).where(MulticastBatch.id.in_(ids),
                                     MulticastBatch.status == "planned",
                                     ~select(BroadcastRecipient.id).where(
                                         BroadcastRecipient.batch_id == MulticastBatch.id).exists())
        .values(status="empty").execution_options(synchronize_session=False))


def _held_back(broadcast_id: int, now: datetime) -> bool:
    """Quiet hours (formation waits until they end) or LINE's quota pause."""
    quiet_end = gates.quiet_hours_end(now)
    if quiet_end is not None:
        after_commit(lambda: form_batches.enqueue_in(quiet_end - now, broadcast_id))
        return True
    return gates.paused_until(now) is not None


def _issue_coupons(broadcast: Broadcast, batch_ids: list[int]) -> None:
    """Each recipient sent gets their own coupon (announced, not shown, in the shared
    message)."""
    definition = db.session.get(CouponDefinition, broadcast.coupon_definition_id)
    ready = db.session.execute(select(BroadcastRecipient.id, BroadcastRecipient.member_id)
                               .where(_in_batches(batch_ids))).all()
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
    """Sending -> completed once no batch is planned or waiting to be sent."""
    waiting = exists().where(MulticastBatch.source == source_of(broadcast_id),
                             MulticastBatch.status.in_(("planned", "pending", "sending")))
    return bool(db.session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == "sending",
                                ~waiting)
        .values(status="completed", finished_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount)


@jobs.job("campaigns", timeout=120)
def reconcile_broadcasts() -> dict:
    """Finish from the tables whatever Redis lost or a dead worker left: batches due or held
    by a dead sender are queued, broadcasts with planned batches get a formation job, and a
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
    return db.session.scalar(select(MulticastBatch.id).where(
        MulticastBatch.source == source_of(broadcast_id),
        MulticastBatch.status == "planned").limit(1)) is not None


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


def broadcast_rows_today(day_start: datetime, leaving_out: str | None):
    """One member_id row per promotional broadcast message sent today or on its way, every
    member at once, leaving out the broadcast whose batch source is `leaving_out`: the day's
    batches are found first (by status, and by sent_at for those sent), then their
    recipients."""
    batches = select(MulticastBatch.id).where(
        MulticastBatch.promotional,
        MulticastBatch.status.in_(("pending", "sending"))
        | ((MulticastBatch.status == "sent") & (MulticastBatch.sent_at >= day_start)))
    if leaving_out is not None:
        batches = batches.where(MulticastBatch.source != leaving_out)
    if db.session.get_bind().dialect.name == "postgresql":
        # = ANY(ARRAY(...)): the recipients are found through their batch index, batch by
        # batch; an IN (subquery) was planned as a scan of every recipient ever sent.
        in_batches = BroadcastRecipient.batch_id == any_(func.array(batches.scalar_subquery()))
    else:
        in_batches = BroadcastRecipient.batch_id.in_(batches)
    return select(BroadcastRecipient.member_id.label("member_id")).where(in_batches)


def wire_broadcasts() -> None:
    """Count broadcasts in the one daily promotional cap (called by the app factory)."""
    gates.count_promotional_with(broadcast_messages_today, broadcast_rows_today)
