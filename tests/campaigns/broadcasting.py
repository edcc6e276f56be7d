"""Helpers for the broadcast tests: friends in LINE (linesim) who are members, a segment
reaching all of them, a broadcast made through campaigns.broadcasts, and counts at LINE."""

import contextvars

import pytest
from rq import SimpleWorker

from campaigns import broadcasts
from campaigns.models import BroadcastRecipient, Segment
from core import jobs
from core.extensions import db

MULTICAST = "/v2/bot/message/multicast"
EVERYONE = {"match": "all", "groups": [{"match": "all", "conditions": [
    {"field": "follow_status", "op": "is", "value": "followed"}]}]}


@pytest.fixture
def line_friends(linesim, make, clock):
    """`line_friends(n)`: n LINE users who added the friend, each a (light) member."""

    def add(count, start=0):
        members = []
        for n in range(start, start + count):
            user_id = linesim.add_user(f"会員{n}")["userId"]
            linesim.follow(user_id)
            members.append(make.member(line_user_id=user_id))
        return members

    return add


@pytest.fixture
def marketer(make):
    return make.console_user(role="marketer")


@pytest.fixture
def everyone(session):
    segment = Segment(name="全員", definition=EVERYONE)
    session.add(segment)
    session.commit()
    return segment


@pytest.fixture
def draft(everyone, marketer):
    def create(variants=None, **options):
        return broadcasts.create_draft(
            name=options.pop("name", "冬のセール"), segment_id=everyone.id,
            variants=variants or [[{"type": "text", "text": "冬のセールのお知らせ"}]],
            created_by=marketer, **options)

    return create


def received(linesim, members) -> list[int]:
    """How many multicast requests reached each member at LINE (not bubbles: requests)."""
    return [len({m["requestId"] for m in linesim.inbox(member.line_user_id)
                 if m["endpoint"] == "multicast"}) for member in members]


def recipients(session, broadcast_id):
    session.expire_all()
    return session.query(BroadcastRecipient).filter_by(broadcast_id=broadcast_id).all()


def drain(app, *queue_names) -> None:
    """Run what is queued on these queues, as a burst worker would."""

    def run():
        with app.app_context():
            queues = [jobs.queue(name) for name in queue_names]
            SimpleWorker(queues, connection=jobs.connection()).work(
                burst=True, with_scheduler=False, logging_level="WARNING")

    contextvars.Context().run(run)


def refresh(obj):
    db.session.refresh(obj)
    return obj
