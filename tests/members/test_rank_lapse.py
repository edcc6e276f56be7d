"""Ranks lapse: a daily job lowers the ranks that the rolling 12-month spend no longer earns."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from core import clock as core_clock
from core.events import DomainEvent
from core.extensions import db
from members.models import Member, Rank
from purchases import ranks
from purchases.models import Channel, Purchase

START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


class MovableClock:
    def __init__(self):
        self.now = START
        core_clock.set_now_source(lambda: self.now)

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(session):
    yield MovableClock()
    core_clock.set_now_source(None)


def _buy(session, store, member, total, clock):
    session.add(Purchase(channel=Channel.STORE, store_id=store.id, member_id=member.id,
                         receipt_number=f"R-{member.id}-{clock.now.isoformat()}", total=total,
                         purchased_at=clock.now))
    ranks.recompute_rank(member=member)
    session.commit()


def _rank(session, member_id):
    session.expire_all()
    return session.get(Member, member_id).rank


def test_a_gold_rank_lapses_when_its_purchases_are_a_year_old_and_a_qualifying_one_stays(
        session, make, clock, worker):
    store = make.store()
    lapsing, keeping = make.member(), make.member()
    _buy(session, store, lapsing, 120_000, clock)
    _buy(session, store, keeping, 120_000, clock)
    assert (_rank(session, lapsing.id), _rank(session, keeping.id)) == (Rank.GOLD, Rank.GOLD)

    clock.advance(days=200)
    _buy(session, store, lapsing, 40_000, clock)  # still silver's worth within the window
    _buy(session, store, keeping, 110_000, clock)  # still gold's worth
    clock.advance(days=166)  # the first purchases are now 366 days old

    assert worker.call(ranks.lapse_ranks) == 1
    assert (_rank(session, lapsing.id), _rank(session, keeping.id)) == (Rank.SILVER, Rank.GOLD)
    [down] = session.scalars(select(DomainEvent).where(DomainEvent.kind == "rank.down"))
    assert (down.member_id, down.payload) == (
        lapsing.id, {"from": "gold", "to": "silver", "reason": "lapse"})

    assert worker.call(ranks.lapse_ranks) == 0  # nothing more the same day


def test_the_lapse_job_finds_its_candidates_in_one_query_without_loading_members(
        session, make, clock, worker):
    store = make.store()
    for _ in range(5):
        _buy(session, store, make.member(), 120_000, clock)
    make.member()  # a regular member is never a candidate
    clock.advance(days=366)

    member_loads = []

    def count_member_selects(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM members" in statement:
            member_loads.append(statement)

    event.listen(db.engine, "before_cursor_execute", count_member_selects)
    try:
        assert worker.call(ranks.lapse_ranks) == 5
    finally:
        event.remove(db.engine, "before_cursor_execute", count_member_selects)
    # One query for the candidates, then one locked load per candidate (not per member).
    assert len(member_loads) == 1 + 5
    session.expire_all()
    assert {m.rank for m in session.scalars(select(Member))} == {Rank.REGULAR}
