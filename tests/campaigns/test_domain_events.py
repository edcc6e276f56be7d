"""Domain events reach their subscribers: handed off after commit, or recovered by the sweep."""

from campaigns.models import Delivery
from core.events import DomainEvent


def _lost_rank_up(session, member, at) -> DomainEvent:
    """Recorded with the change, but never handed to the worker (as if Redis was down)."""
    event = DomainEvent(kind="rank.up", member_id=member.id,
                        payload={"from": "regular", "to": "silver"}, occurred_at=at)
    session.add(event)
    return event


def test_the_sweep_recovers_every_lost_event_in_one_run(make, session, worker, clock):
    from campaigns.triggers import redispatch_lost_events

    members = [make.member() for _ in range(3)]
    for member in members:
        _lost_rank_up(session, member, clock.now)
    session.commit()

    clock.advance(minutes=5)
    assert worker.call(redispatch_lost_events) == 3

    session.expire_all()
    assert session.query(DomainEvent).filter(DomainEvent.dispatched_at.is_(None)).count() == 0
    planned = session.query(Delivery).filter_by(flow="rank_up").all()
    assert sorted(d.member_id for d in planned) == sorted(m.id for m in members)
    assert worker.call(redispatch_lost_events) == 0
