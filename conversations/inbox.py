"""Threads and what lands in them: a member's free text (once per webhook event), staff notes,
read state, staff mode. The bot decides what to say from what these answer."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from conversations import hours
from conversations.models import Thread, ThreadMessage
from core.clock import utcnow
from core.extensions import db

# A shopper writing several lines in a row gets one acknowledgement, not one per line.
ACKNOWLEDGE_ONCE_WITHIN = timedelta(minutes=10)


@dataclass(frozen=True)
class Received:
    message: ThreadMessage
    is_new: bool  # False: this webhook event was stored before (a redelivery)


def thread_of(member_id: int) -> Thread:
    """The member's thread, made on first use (two events at once make one). Caller commits."""
    thread = db.session.scalar(select(Thread).where(Thread.member_id == member_id))
    if thread is not None:
        return thread
    try:
        with db.session.begin_nested():
            thread = Thread(member_id=member_id, last_message_at=utcnow())
            db.session.add(thread)
    except IntegrityError:
        thread = db.session.scalar(select(Thread).where(Thread.member_id == member_id))
    return thread


def receive(*, member_id: int, event_id: str, text: str, reply_token: str | None,
            received_at: datetime | None) -> Received:
    """Store a shopper's message once per webhook event (not yet counted unread: the bot may
    answer it itself, see leave_for_staff). Caller commits."""
    key = f"event:{event_id}"
    existing = db.session.scalar(select(ThreadMessage).where(ThreadMessage.source_key == key))
    if existing is not None:
        return Received(existing, False)
    thread = thread_of(member_id)
    message = ThreadMessage(thread_id=thread.id, direction="in", body=text[:10_000],
                            source_key=key, reply_token=reply_token,
                            created_at=received_at or utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return Received(db.session.scalar(select(ThreadMessage)
                                          .where(ThreadMessage.source_key == key)), False)
    _bump(thread.id, unread=0)
    return Received(message, True)


def leave_for_staff(message: ThreadMessage) -> None:
    """The bot does not answer it: it counts as unread for staff. Caller commits."""
    _bump(message.thread_id, unread=1)


def add_note(*, member_id: int, body: str, key: str) -> ThreadMessage | None:
    """A note for staff in the member's thread (unread), once per key. Caller commits."""
    if db.session.scalar(select(ThreadMessage.id).where(ThreadMessage.source_key == key)):
        return None
    thread = thread_of(member_id)
    note = ThreadMessage(thread_id=thread.id, direction="note", body=body, source_key=key)
    db.session.add(note)
    _bump(thread.id, unread=1)
    return note


def record_bot_answer(message: ThreadMessage, body: str) -> None:
    """The bot answered this message itself (a keyword): shown in the thread, already read,
    its reply token spent. Caller commits."""
    message.read_at, message.reply_token_used = utcnow(), True
    db.session.add(ThreadMessage(thread_id=message.thread_id, direction="out", body=body,
                                 author=None, channel="reply"))


def spend_reply_token(message: ThreadMessage) -> None:
    message.reply_token_used = True


def _bump(thread_id: int, *, unread: int) -> None:
    db.session.execute(update(Thread).where(Thread.id == thread_id)
                       .values(unread_count=Thread.unread_count + unread,
                               last_message_at=utcnow()))


def in_staff_mode(thread: Thread, now: datetime) -> bool:
    return thread.staff_mode_until is not None and thread.staff_mode_until > now


def start_staff_mode(thread: Thread) -> datetime:
    """The bot stays quiet for this member for the configured time. Caller commits."""
    thread.staff_mode_until = utcnow() + timedelta(minutes=hours.current().staff_mode_minutes)
    return thread.staff_mode_until


def end_staff_mode(thread: Thread) -> None:
    thread.staff_mode_until = None


def claim_after_hours_notice(thread: Thread, opening: datetime) -> bool:
    """True once per closed period (up to `opening`): only one event may send the notice,
    even two processed at the same moment (a conditional UPDATE)."""
    claimed = db.session.execute(
        update(Thread).where(Thread.id == thread.id,
                             or_(Thread.after_hours_notice_for.is_(None),
                                 Thread.after_hours_notice_for != opening))
        .values(after_hours_notice_for=opening)
        .execution_options(synchronize_session=False)).rowcount
    return claimed == 1


def acknowledged_recently(message: ThreadMessage) -> bool:
    """An earlier message of this thread, a few minutes before, already got an answer."""
    since = message.created_at - ACKNOWLEDGE_ONCE_WITHIN
    return bool(db.session.scalar(
        select(ThreadMessage.id).where(ThreadMessage.thread_id == message.thread_id,
                                       ThreadMessage.direction == "in",
                                       ThreadMessage.id != message.id,
                                       ThreadMessage.created_at >= since,
                                       ThreadMessage.reply_token_used.is_(True)).limit(1)))


def mark_read(thread: Thread) -> None:
    """Staff opened the thread. Caller commits."""
    now = utcnow()
    db.session.execute(update(ThreadMessage)
                       .where(ThreadMessage.thread_id == thread.id,
                              ThreadMessage.read_at.is_(None),
                              ThreadMessage.direction.in_(("in", "note")))
                       .values(read_at=now).execution_options(synchronize_session=False))
    thread.unread_count = 0


def erase_member(member_id: int) -> None:
    """退会: what the member wrote and what was answered goes with their personal data."""
    thread = db.session.scalar(select(Thread).where(Thread.member_id == member_id))
    if thread is not None:
        db.session.delete(thread)
