"""Freezing a broadcast's audience: the segment's reachable members when it comes due, in one
INSERT ... SELECT under the unique (broadcast_id, member_id) key (a second freeze adds nobody),
each drawn at random in SQL into the holdout group or a variant, the draw kept on the row."""

from sqlalchemy import Integer, case, func, literal, null, select, true, update
from sqlalchemy.dialects import postgresql, sqlite

from campaigns.models import Broadcast, BroadcastRecipient, Segment
from core.clock import utcnow
from core.extensions import db
from line.multicast import job_log

DRAWS = 10_000  # the draw is 0..9999: holdout and variant shares in hundredths of a percent


def freeze(broadcast_id: int) -> int | None:
    """Fix the audience once: the segment's reachable members now, each drawn at random (in
    SQL) into the holdout group or a variant. Returns how many were added (None if it was not
    due or already frozen). Caller commits."""
    now = utcnow()
    took = db.session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == "scheduled",
                                Broadcast.send_at <= now, Broadcast.frozen_at.is_(None))
        .values(status="sending", frozen_at=now, started_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if not took:
        return None
    broadcast = db.session.get(Broadcast, broadcast_id)
    segment = db.session.get(Segment, broadcast.segment_id) if broadcast.segment_id else None
    if segment is None:
        broadcast.status = "cancelled"
        broadcast.last_error = "配信対象のセグメントが削除されました。"
        return 0
    before = _recipient_count(broadcast_id)  # sqlite3 gives no rowcount for WITH ... INSERT
    db.session.execute(_insert_drawn_audience(broadcast, segment.definition))
    broadcast.segment_snapshot = segment.definition
    broadcast.recipients_total = _recipient_count(broadcast_id)
    job_log("broadcast %s frozen: %d recipients", broadcast_id, broadcast.recipients_total)
    return broadcast.recipients_total - before


def _recipient_count(broadcast_id: int) -> int:
    return db.session.scalar(select(func.count(BroadcastRecipient.id))
                             .where(BroadcastRecipient.broadcast_id == broadcast_id))


def _insert_drawn_audience(broadcast: Broadcast, definition: dict):
    """One INSERT ... SELECT. The draw is made once per member in a materialised CTE (SQLite
    would otherwise evaluate random() again in each expression that reads it)."""
    from campaigns import segments

    audience = segments.audience(definition, promotional=broadcast.promotional).subquery()
    drawn = select(list(audience.c)[0].label("member_id"), _random_draw().label("draw")) \
        .cte("drawn").prefix_with("MATERIALIZED")
    held = drawn.c.draw < broadcast.holdout_percent * DRAWS // 100
    rows = select(literal(broadcast.id), drawn.c.member_id, _variant_of(broadcast, drawn.c.draw),
                  held, case((held, "held_out"), else_="pending"), drawn.c.draw) \
        .where(true())  # SQLite: without a WHERE, "ON CONFLICT" would read as a join's ON
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    columns = ["broadcast_id", "member_id", "variant_id", "holdout", "status", "draw"]
    return dialect.insert(BroadcastRecipient).from_select(columns, rows) \
        .on_conflict_do_nothing(index_elements=["broadcast_id", "member_id"])


def _random_draw():
    if db.session.get_bind().dialect.name == "postgresql":
        return func.floor(func.random() * DRAWS).cast(Integer)
    return func.abs(func.random()) % DRAWS


def _variant_of(broadcast: Broadcast, draw):
    """Equal shares of what the holdout leaves, in draw order: A, then B, then C."""
    held = broadcast.holdout_percent * DRAWS // 100
    ids = [variant.id for variant in broadcast.variants]
    bounds = [held + (DRAWS - held) * (i + 1) // len(ids) for i in range(len(ids))]
    whens = [(draw < held, null())]
    whens += [(draw < bound, vid) for bound, vid in zip(bounds, ids, strict=True)]
    return case(*whens, else_=ids[-1])
