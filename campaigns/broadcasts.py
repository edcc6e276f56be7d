"""Broadcast campaigns (一斉配信): a draft is checked and saved, confirmed (and for a large
audience approved by a second person, an admin), then sent when due by
campaigns.broadcast_sending. Marketers may pause, resume or cancel at any moment; these
functions are what the console calls. Errors are Japanese and leave nothing changed."""

import logging
import uuid
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from audit import record
from audit.models import Kind
from campaigns import broadcast_content
from campaigns.broadcast_audience import source_of
from campaigns.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastVariant,
    Segment,
    recipient_outcome,
)
from core.after_commit import after_commit
from core.clock import utcnow
from core.extensions import db
from core.roles import Role
from coupons.models import CouponDefinition
from line import client as line_client
from line import ledger
from line.models import MulticastBatch

log = logging.getLogger(__name__)

OVER_QUOTA_CHOICES = ("stop", "send_all")
MAX_HOLDOUT_PERCENT = 50
LIVE = ("scheduled", "sending", "paused", "awaiting_approval")
STATUS_LABELS = {"draft": "下書き", "awaiting_approval": "承認待ち", "scheduled": "予約済み",
                 "sending": "配信中", "paused": "一時停止中", "completed": "配信完了",
                 "cancelled": "中止"}


class InvalidBroadcast(Exception):
    """What is wrong, per field, in Japanese."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def create_draft(*, name: str, segment_id: int, variants: list[list[dict]],
                 holdout_percent: int = 0, coupon_definition_id: int | None = None,
                 send_at: datetime | None = None, over_quota: str = "stop",
                 created_by) -> Broadcast:
    """Save a checked draft (send_at in business time when naive; stored in UTC)."""
    errors = _check_draft(name, segment_id, variants, holdout_percent, coupon_definition_id,
                          send_at, over_quota)
    if errors:
        raise InvalidBroadcast(errors)
    broadcast = Broadcast(name=name.strip(), segment_id=segment_id, status="draft",
                          holdout_percent=holdout_percent, over_quota=over_quota,
                          coupon_definition_id=coupon_definition_id,
                          send_at=_as_utc(send_at) if send_at else None,
                          created_by_id=getattr(created_by, "id", None))
    labelled = zip(broadcast_content.LABELS, variants, strict=False)
    broadcast.variants = [BroadcastVariant(label=label, content=content)
                          for label, content in labelled]
    db.session.add(broadcast)
    db.session.flush()
    _record_action(broadcast, "draft_created", created_by, None, "draft")
    db.session.commit()
    return broadcast


def update_draft(broadcast_id: int, *, name: str, segment_id: int, variants: list[list[dict]],
                 holdout_percent: int = 0, coupon_definition_id: int | None = None,
                 send_at: datetime | None = None, over_quota: str = "stop",
                 edited_by=None) -> Broadcast:
    """Replace a draft's settings and messages with checked ones. Only a draft: the row is
    locked and read fresh first, so an edit never lands on a broadcast confirmed meanwhile."""
    broadcast = db.session.scalar(select(Broadcast).where(Broadcast.id == broadcast_id)
                                  .with_for_update().execution_options(populate_existing=True))
    if broadcast is None:
        raise InvalidBroadcast({"broadcast": "配信が見つかりません。"})
    errors = _check_draft(name, segment_id, variants, holdout_percent, coupon_definition_id,
                          send_at, over_quota)
    if broadcast.status != "draft":
        errors = {"status": "下書きの配信だけを編集できます。"}
    if errors:
        db.session.rollback()
        raise InvalidBroadcast(errors)
    broadcast.name, broadcast.segment_id = name.strip(), segment_id
    broadcast.holdout_percent, broadcast.over_quota = holdout_percent, over_quota
    broadcast.coupon_definition_id = coupon_definition_id
    broadcast.send_at = _as_utc(send_at) if send_at else None
    _replace_variants(broadcast, variants)
    _record_action(broadcast, "draft_edited", edited_by, "draft", "draft")
    db.session.commit()
    log.info("broadcast %s draft edited by %s", broadcast.id, getattr(edited_by, "id", None))
    return broadcast


def _replace_variants(broadcast: Broadcast, variants: list[list[dict]]) -> None:
    """Same label: content rewritten in place (the row keeps its id); labels no longer used go,
    new ones are added. The flush between keeps (broadcast, label) unique at every step."""
    wanted = dict(zip(broadcast_content.LABELS, variants, strict=False))
    for variant in list(broadcast.variants):
        if variant.label in wanted:
            variant.content = wanted.pop(variant.label)
        else:
            broadcast.variants.remove(variant)
    db.session.flush()
    broadcast.variants.extend(BroadcastVariant(label=label, content=content)
                              for label, content in wanted.items())


def _check_draft(name, segment_id, variants, holdout_percent, coupon_definition_id, send_at,
                 over_quota) -> dict[str, str]:
    errors = {}
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        errors["name"] = "配信名を100文字以内で入力してください。"
    if not isinstance(segment_id, int) or db.session.get(Segment, segment_id) is None:
        errors["segment_id"] = "配信対象（セグメント）を選んでください。"
    if isinstance(holdout_percent, bool) or not isinstance(holdout_percent, int) \
            or not 0 <= holdout_percent <= MAX_HOLDOUT_PERCENT:
        errors["holdout_percent"] = (f"効果測定用の対照群は0〜{MAX_HOLDOUT_PERCENT}%で"
                                     "指定してください。")
    if coupon_definition_id is not None:
        definition = db.session.get(CouponDefinition, coupon_definition_id) \
            if isinstance(coupon_definition_id, int) else None
        if definition is None or not definition.active:
            errors["coupon_definition_id"] = "クーポンが見つからないか、無効になっています。"
    if send_at is not None and (not isinstance(send_at, datetime) or _as_utc(send_at) <= utcnow()):
        errors["send_at"] = "配信日時は現在より後の日時を指定してください。"
    if over_quota not in OVER_QUOTA_CHOICES:
        errors["over_quota"] = "上限を超える場合の扱いを選んでください。"
    problems = broadcast_content.check_variants(variants,
                                                with_coupon=coupon_definition_id is not None)
    if problems:
        errors["variants"] = " ".join(problems)
    return errors


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=current_app.config["SETTINGS"].tz)
    return moment.astimezone(UTC)


def confirm(broadcast_id: int, user) -> Broadcast:
    """Draft -> scheduled (sent at send_at, or at once), or awaiting an admin's approval when
    the audience is larger than BROADCAST_APPROVAL_ABOVE."""
    broadcast = _get(broadcast_id)
    _require(broadcast, ("draft",), "下書きの配信だけを確定できます。")
    reachable = reachable_count(broadcast)
    broadcast.confirmed_by_id = user.id
    if reachable > current_app.config["SETTINGS"].broadcast_approval_above:
        broadcast.status = "awaiting_approval"
    else:
        _schedule(broadcast)
    _record_action(broadcast, "confirm", user, "draft", broadcast.status,
                   reachable=reachable)
    db.session.commit()
    log.info("broadcast %s confirmed by %s: %s (%d reachable)", broadcast.id, user.id,
             broadcast.status, reachable)
    return broadcast


def approve(broadcast_id: int, admin) -> Broadcast:
    """An admin other than the one who made it approves a large broadcast (two people)."""
    broadcast = _get(broadcast_id)
    _require(broadcast, ("awaiting_approval",), "承認待ちの配信ではありません。")
    if admin.role != Role.ADMIN:
        raise InvalidBroadcast({"approver": "承認できるのは管理者だけです。"})
    if admin.id in (broadcast.created_by_id, broadcast.confirmed_by_id):
        raise InvalidBroadcast({"approver": "作成・確定した人とは別の管理者が承認してください。"})
    broadcast.approved_by_id, broadcast.approved_at = admin.id, utcnow()
    _schedule(broadcast)
    _record_action(broadcast, "approve", admin, "awaiting_approval", broadcast.status)
    db.session.commit()
    return broadcast


def _schedule(broadcast: Broadcast) -> None:
    broadcast.status = "scheduled"
    broadcast.send_at = broadcast.send_at or utcnow()
    if broadcast.send_at <= utcnow():
        from campaigns.broadcast_sending import start_broadcast

        after_commit(lambda broadcast_id=broadcast.id: start_broadcast.enqueue(broadcast_id))


def pause(broadcast_id: int, user) -> Broadcast:
    """No new batch is formed until resumed (batches already formed go out)."""
    return _move(broadcast_id, ("scheduled", "sending"), "paused", user,
                 "予約済みまたは配信中の配信だけを一時停止できます。")


def resume(broadcast_id: int, user) -> Broadcast:
    from campaigns.broadcast_sending import form_batches, start_broadcast

    target = "sending" if _get(broadcast_id).frozen_at else "scheduled"
    job = form_batches if target == "sending" else start_broadcast
    after_commit(lambda: job.enqueue(broadcast_id))
    return _move(broadcast_id, ("paused",), target, user, "一時停止中の配信ではありません。")


def cancel(broadcast_id: int, user) -> Broadcast:
    """Stop for good: the batches not yet formed are cancelled (their recipients count as
    skipped, 'cancelled'); those already handed to LINE's queue go out."""
    broadcast = _move(broadcast_id, ("draft", *LIVE), "cancelled", user,
                      "完了または中止済みの配信は中止できません。", commit=False)
    db.session.execute(
        update(MulticastBatch)
        .where(MulticastBatch.source == source_of(broadcast_id),
               MulticastBatch.status == "planned")
        .values(status="cancelled")
        .execution_options(synchronize_session=False))
    broadcast.finished_at = utcnow()
    db.session.commit()
    return broadcast


def _move(broadcast_id: int, allowed: tuple, target: str, user, refusal: str,
          commit: bool = True) -> Broadcast:
    """A conditional UPDATE: it waits for a batch being formed (which holds the row) and
    loses to any change made meanwhile, so a state is never moved from a stale read."""
    before = db.session.scalar(select(Broadcast.status).where(Broadcast.id == broadcast_id))
    moved = db.session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status.in_(allowed))
        .values(status=target).execution_options(synchronize_session=False)).rowcount
    if not moved:
        db.session.rollback()
        _get(broadcast_id)
        raise InvalidBroadcast({"status": refusal})
    log.info("broadcast %s -> %s by %s", broadcast_id, target, getattr(user, "id", None))
    broadcast = db.session.scalar(select(Broadcast).where(Broadcast.id == broadcast_id)
                                  .execution_options(populate_existing=True))
    _record_action(broadcast, _ACTION_OF_TARGET[target], user, before, target)
    if commit:
        db.session.commit()
    return broadcast


def record_start(broadcast_id: int, *, recipients: int) -> None:
    """Sending began (the audience was fixed): a job's act, in the freeze's transaction."""
    broadcast = db.session.get(Broadcast, broadcast_id)
    _record_action(broadcast, "start", None, "scheduled", broadcast.status,
                   recipients=recipients)


_ACTION_OF_TARGET = {"paused": "pause", "scheduled": "resume", "sending": "resume",
                     "cancelled": "cancel"}


def _record_action(broadcast: Broadcast, action: str, user, before: str | None, after: str,
                   **detail) -> None:
    """The audit trail's record of a person (or, for `start`, the system) acting on a
    broadcast, in the same transaction."""
    changes = {"status": [before, after]} if before != after else None
    record(Kind.CAMPAIGN, action=action, actor=user, target=broadcast, changes=changes,
           detail={"name": broadcast.name, **detail})


def send_test(broadcast_id: int, member_id: int, *, label: str | None = None,
              by=None) -> list:
    """Push each variant (or one) to one member, e.g. staff, now; not a campaign send."""
    broadcast = _get(broadcast_id)
    _record_action(broadcast, "test_send", by, broadcast.status, broadcast.status,
                   member_id=member_id, variant=label)
    with_coupon = broadcast.coupon_definition_id is not None
    sent = []
    for variant in broadcast.variants:
        if label in (None, variant.label):
            sent.append(ledger.push_once(
                member_id=member_id, flow="broadcast_test",
                key=f"broadcast:{broadcast.id}:test:{variant.label}:{uuid.uuid4().hex}",
                messages=broadcast_content.build(variant, with_coupon=with_coupon, test=True)))
    db.session.commit()
    return sent


def reachable_count(broadcast: Broadcast) -> int:
    from campaigns import segments

    segment = db.session.get(Segment, broadcast.segment_id) if broadcast.segment_id else None
    if segment is None:
        return 0
    try:
        audience = segments.audience(segment.definition, promotional=broadcast.promotional)
    except segments.InvalidSegment as exc:
        raise InvalidBroadcast({"segment_id": f"配信対象の条件が使えません。{exc}"}) from exc
    return db.session.scalar(select(func.count()).select_from(audience.subquery()))


def progress(broadcast_id: int) -> dict:
    """Where the sending stands: recipients by outcome, the pace (a 5-minute mean) and the
    time left. Read fresh: the console polls it while workers change the rows."""
    broadcast = _get(broadcast_id, fresh=True)
    rows = db.session.execute(
        select(BroadcastRecipient.status, BroadcastRecipient.skip_reason, MulticastBatch.status,
               func.count())
        .outerjoin(MulticastBatch, MulticastBatch.id == BroadcastRecipient.batch_id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .group_by(BroadcastRecipient.status, BroadcastRecipient.skip_reason,
                  MulticastBatch.status)).all()
    counts = {"sent": 0, "failed": 0, "pending": 0, "held_out": 0}
    skipped: dict[str, int] = {}
    for status, reason, batch_status, n in rows:
        outcome, reason = recipient_outcome(status, reason, batch_status)
        if outcome == "skipped":
            skipped[reason] = skipped.get(reason, 0) + n
        else:
            counts[outcome] += n
    rate = _sent_per_minute(broadcast_id)
    eta = round(counts["pending"] / rate * 60) if rate and counts["pending"] else None
    return {"status": broadcast.status, "total": broadcast.recipients_total, **counts,
            "skipped": skipped, "rate_per_min": rate, "eta_seconds": eta}


def _sent_per_minute(broadcast_id: int, window_minutes: int = 5) -> float:
    """Recipients sent over the last minutes (0 when nothing went out lately)."""
    since = utcnow() - timedelta(minutes=window_minutes)
    sent = db.session.scalar(
        select(func.count(BroadcastRecipient.id))
        .join(MulticastBatch, MulticastBatch.id == BroadcastRecipient.batch_id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id,
               MulticastBatch.status == "sent", MulticastBatch.sent_at >= since))
    return round(sent / window_minutes, 1)


def forecast(broadcast_id: int) -> dict:
    """What the broadcast will cost against LINE's monthly quota. LINE counts one message
    per recipient per request, however many speech bubbles it holds (up to 5)."""
    broadcast = _get(broadcast_id)
    if broadcast.frozen_at:
        recipients = db.session.scalar(select(func.count(BroadcastRecipient.id)).where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.status == "batched"))
    else:
        recipients = round(reachable_count(broadcast) * (100 - broadcast.holdout_percent) / 100)
    limit, used = line_client.quota(), line_client.quota_consumption()
    remaining = None if limit is None else max(0, limit - used)
    overage = 0 if remaining is None else max(0, recipients - remaining)
    bubbles = max((len(v.content) for v in broadcast.variants), default=0) \
        + (1 if broadcast.coupon_definition_id else 0)
    yen = current_app.config["SETTINGS"].line_overage_yen_per_message
    return {"recipients": recipients, "messages_per_recipient": bubbles,
            "total_messages": recipients, "quota_limit": limit, "quota_used": used,
            "remaining": remaining, "overage_messages": overage,
            "overage_yen": round(overage * yen)}


def _get(broadcast_id: int, *, fresh: bool = False) -> Broadcast:
    broadcast = db.session.get(Broadcast, broadcast_id, populate_existing=fresh)
    if broadcast is None:
        raise InvalidBroadcast({"broadcast": "配信が見つかりません。"})
    return broadcast


def _require(broadcast: Broadcast, statuses: tuple, refusal: str) -> None:
    if broadcast.status not in statuses:
        raise InvalidBroadcast({"status": refusal})
