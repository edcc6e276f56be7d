"""The engine's guarantees: at most once per occurrence, checked at send time, retried with
the same X-Line-Retry-Key, paused on quota, refused requests shown, nothing sent twice."""

from datetime import timedelta

import pytest

from campaigns import delivery, flows
from core.events import DomainEvent
from line import client as line_client
from line import gates, ledger
from line.models import CampaignAlert, Delivery
from tests.support.chat import texts


def _text(body):
    return [{"type": "text", "text": body}]


@pytest.fixture
def hanako(member_of):
    person, member = member_of()
    person.new_messages()
    return person, member


def _plan_rank_up(session, member, to="silver"):
    """A planned flow message, due now (rank_up builds from the member's current rank)."""
    member.rank = to
    delivery.plan(flow="rank_up", member_id=member.id, occurrence=f"to:{to}",
                  context={"to": to})
    session.commit()


def _pushes_to(linesim, user_id):
    return [c for c in linesim.calls(path_prefix="/v2/bot/message/push")
            if c["body"]["to"] == user_id]


def test_planning_the_same_occurrence_twice_sends_once(hanako, session, follow_ups, linesim):
    person, member = hanako
    _plan_rank_up(session, member)
    _plan_rank_up(session, member)
    follow_ups()
    follow_ups()
    assert len(_pushes_to(linesim, person.user_id)) == 1
    assert session.query(Delivery).filter_by(flow="rank_up").count() == 1


def test_nothing_is_sent_to_a_member_who_blocked_after_it_was_planned(
        hanako, session, follow_ups, linesim):
    person, member = hanako
    _plan_rank_up(session, member)
    person.sim.block(person.user_id)  # the block arrives before the worker gets to it
    follow_ups()
    session.expire_all()
    assert session.query(Delivery).filter_by(flow="rank_up").one().status == "skipped"
    assert _pushes_to(linesim, person.user_id) == []


def test_promotional_messages_stop_at_the_daily_cap(hanako, session, follow_ups):
    person, member = hanako
    for n in range(gates.DAILY_PROMOTIONAL_CAP + 1):
        ledger.record_once(member_id=member.id, flow="rank_nudge", key=f"cap:{n}",
                           messages=_text(f"お知らせ{n}"), promotional=True)
    session.commit()
    follow_ups()
    statuses = [d.status for d in session.query(Delivery).filter(
        Delivery.delivery_key.like("cap:%")).order_by(Delivery.id)]
    assert statuses == ["sent", "sent", "skipped"]
    assert len(person.new_messages()) == gates.DAILY_PROMOTIONAL_CAP


def test_server_errors_are_retried_later_with_the_same_retry_key(
        hanako, session, follow_ups, linesim, clock):
    person, member = hanako
    linesim.set_faults(error_rate=1.0)
    _plan_rank_up(session, member)
    follow_ups()
    session.expire_all()
    row = session.query(Delivery).filter_by(flow="rank_up").one()
    assert (row.status, row.attempts) == ("pending", 1)

    linesim.clear_faults()
    clock.advance(seconds=5)
    follow_ups()
    assert person.new_messages() == []  # still backing off

    clock.advance(seconds=10)
    follow_ups()
    attempts = _pushes_to(linesim, person.user_id)
    assert [c["status"] for c in attempts] == [500, 200]
    assert len({c["retryKey"] for c in attempts}) == 1
    assert len(person.new_messages()) == 2


def test_a_monthly_quota_refusal_pauses_sending_and_raises_an_alert(
        hanako, session, follow_ups, linesim):
    person, member = hanako
    linesim.configure(monthly_quota=0)
    _plan_rank_up(session, member)
    follow_ups()
    session.expire_all()
    alert = session.query(CampaignAlert).filter_by(kind="quota").one()
    assert alert.paused_until is not None
    assert session.query(Delivery).filter_by(flow="rank_up").one().status == "pending"

    _plan_rank_up(session, member, to="gold")
    follow_ups()
    assert len(_pushes_to(linesim, person.user_id)) == 1  # the paused one was not even tried


def test_a_request_line_refuses_fails_without_retry_and_shows_in_the_console(
        hanako, session, follow_ups, linesim, worker):
    person, member = hanako
    ledger.push_once(member_id=member.id, flow="test", key="bad",
                     messages=[{"type": "text", "text": ""}])  # LINE refuses empty text
    session.commit()
    follow_ups()
    follow_ups()
    session.expire_all()
    row = session.query(Delivery).filter_by(delivery_key="bad").one()
    assert (row.status, row.attempts) == ("failed", 1)
    assert "400" in row.last_error
    assert session.query(CampaignAlert).filter_by(kind="refused").count() == 1


def test_a_worker_dying_after_line_accepted_sends_nothing_twice(
        hanako, session, follow_ups, worker, linesim, monkeypatch):
    person, member = hanako
    real_push = line_client.push

    def push_then_die(*args, **kwargs):
        real_push(*args, **kwargs)
        raise RuntimeError("worker killed before it could record the send")

    monkeypatch.setattr(line_client, "push", push_then_die)
    _plan_rank_up(session, member)
    worker.drain()  # the send job runs once and dies
    session.expire_all()
    assert session.query(Delivery).filter_by(flow="rank_up").one().status == "pending"

    monkeypatch.setattr(line_client, "push", real_push)  # the restarted worker
    follow_ups()

    session.expire_all()
    assert session.query(Delivery).filter_by(flow="rank_up").one().status == "sent"
    assert [c["status"] for c in _pushes_to(linesim, person.user_id)] == [200, 409]
    assert len(person.new_messages()) == 2  # one text + one card, once


def test_a_flow_switched_off_after_planning_sends_nothing(hanako, session, follow_ups):
    person, member = hanako
    _plan_rank_up(session, member)
    flows.save_setting(flow_key="rank_up", enabled=False, params={})
    session.commit()
    follow_ups()
    assert person.new_messages() == []
    assert session.query(Delivery).filter_by(flow="rank_up").one().status == "skipped"


def test_a_domain_event_whose_hand_off_was_lost_is_dispatched_by_the_sweep(
        hanako, session, worker, clock, follow_ups):
    from core.events import redispatch_lost_events

    person, member = hanako
    member.rank = "silver"
    session.add(DomainEvent(kind="rank.up", member_id=member.id,
                            payload={"from": "regular", "to": "silver"}, occurred_at=clock.now))
    session.commit()  # recorded, but never handed to the worker (as if Redis was down)

    clock.advance(minutes=5)
    assert worker.call(redispatch_lost_events) == 1
    follow_ups()
    assert "ランクアップしました" in texts(person.new_messages())[0]
    assert worker.call(redispatch_lost_events) == 0


def test_quiet_hours_defer_to_nine_in_the_morning_business_time(app, clock):
    clock.set_tokyo(2026, 11, 24, 22, 15)
    morning = gates.quiet_hours_end(clock.now)
    assert morning.isoformat() == "2026-11-25T00:00:00+00:00"  # 09:00 in Tokyo
    clock.set_tokyo(2026, 11, 25, 8, 59)
    assert gates.quiet_hours_end(clock.now).isoformat() == "2026-11-25T00:00:00+00:00"
    clock.set_tokyo(2026, 11, 25, 9, 0)
    assert gates.quiet_hours_end(clock.now) is None
    assert gates.quiet_hours_end(clock.now + timedelta(hours=11, minutes=59)) is None


def test_marketers_switch_a_flow_and_see_its_counters(client, login, hanako, session, follow_ups):
    from tests.factories import csrf_token_from

    person, member = hanako
    _plan_rank_up(session, member)
    follow_ups()
    login(role="marketer")
    page = client.get("/admin/flows/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "ランクアップのお祝い" in html
    assert 'id="flow-rank_up"' in html and '<td data-counter="sent">1</td>' in html

    token = csrf_token_from(html)
    client.post("/admin/flows/after_purchase", data={
        "csrf_token": token, "after_purchase-delay_minutes": "30", "after_purchase-products": "3"})
    assert flows.is_enabled("after_purchase") is False
    assert flows.params_for("after_purchase") == {"delay_minutes": 30, "products": 3}

    refused = client.post("/admin/flows/after_purchase", data={
        "csrf_token": token, "after_purchase-enabled": "y",
        "after_purchase-delay_minutes": "nope", "after_purchase-products": "3"})
    assert refused.status_code == 200
    assert flows.params_for("after_purchase") == {"delay_minutes": 30, "products": 3}


def test_conversions_count_purchases_within_seven_days_of_the_message(
        hanako, session, follow_ups, buy, clock):
    from campaigns.stats import flow_counters

    person, member = hanako
    _plan_rank_up(session, member)
    follow_ups()
    clock.advance(days=8)
    buy(member, "CAP")  # too late to count
    assert flow_counters()["rank_up"] == {"sent": 1, "clicked": 0, "converted": 0}
    clock.advance(days=-2)
    buy(member, "CAP")  # day 6: counts
    assert flow_counters()["rank_up"] == {"sent": 1, "clicked": 0, "converted": 1}


def test_a_line_call_that_hangs_times_out_and_is_retried_with_the_same_key(
        hanako, session, follow_ups, linesim, clock, monkeypatch):
    person, member = hanako
    monkeypatch.setattr(line_client, "TIMEOUT", (1.0, 0.5))
    linesim.set_faults(timeout_rate=1.0, timeout_s=2)
    _plan_rank_up(session, member)
    follow_ups()
    session.expire_all()
    row = session.query(Delivery).filter_by(flow="rank_up").one()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "Timeout" in row.last_error

    linesim.clear_faults()
    clock.advance(seconds=15)
    follow_ups()
    session.expire_all()
    assert session.query(Delivery).filter_by(flow="rank_up").one().status == "sent"
    assert len({c["retryKey"] for c in _pushes_to(linesim, person.user_id)}) == 1
