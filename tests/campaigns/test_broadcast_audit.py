"""Broadcast actions in the audit trail: each person's approve / confirm / pause / resume /
cancel, and the system's start of sending, with the status before -> after."""

import dataclasses

import pytest

from audit.models import AuditEvent
from campaigns import broadcasts
from campaigns.broadcast_sending import release_due_broadcasts
from tests.factories import csrf_token_from


def _campaign_events(session, broadcast_id):
    session.expire_all()
    return [(e.action, e.actor_id, e.actor_role, (e.changes or {}).get("status"))
            for e in session.query(AuditEvent).filter_by(kind="campaign",
                                                         target_table="broadcasts",
                                                         target_id=str(broadcast_id))
            .order_by(AuditEvent.id)]


def test_each_broadcast_action_is_recorded_with_who_and_the_status_change(
        app, client, login, line_friends, draft, marketer, make, worker, session, monkeypatch):
    staff, *_ = line_friends(3)
    monkeypatch.setitem(app.config, "SETTINGS", dataclasses.replace(
        app.config["SETTINGS"], broadcast_approval_above=2))
    broadcast = draft()
    broadcasts.send_test(broadcast.id, staff.id, by=marketer)
    broadcasts.confirm(broadcast.id, marketer)
    approver = login(role="admin")
    page = f"/admin/broadcasts/{broadcast.id}"
    token = csrf_token_from(client.get(page).get_data(as_text=True))

    def press(action):
        answer = client.post(f"{page}/{action}", data={"csrf_token": token})
        assert answer.status_code == 302, answer.get_data(as_text=True)

    press("approve")
    worker.call(release_due_broadcasts)  # the audience is frozen: sending begins
    press("pause")
    press("resume")
    press("cancel")

    assert _campaign_events(session, broadcast.id) == [
        ("draft_created", marketer.id, "marketer", [None, "draft"]),
        ("test_send", marketer.id, "marketer", None),
        ("confirm", marketer.id, "marketer", ["draft", "awaiting_approval"]),
        ("approve", approver.id, "admin", ["awaiting_approval", "scheduled"]),
        ("start", None, "system", ["scheduled", "sending"]),
        ("pause", approver.id, "admin", ["sending", "paused"]),
        ("resume", approver.id, "admin", ["paused", "sending"]),
        ("cancel", approver.id, "admin", ["sending", "cancelled"]),
    ]


def test_a_refused_action_records_nothing(draft, marketer, session):
    broadcast = draft()
    with pytest.raises(broadcasts.InvalidBroadcast):
        broadcasts.pause(broadcast.id, marketer)
    assert [action for action, *_ in _campaign_events(session, broadcast.id)] == \
        ["draft_created"]
