"""退会 in the audit trail: the member's withdrawal and the erasure it causes are recorded,
without the personal data that was erased."""

from audit.models import AuditEvent
from members.models import Member
from tests.support.chat import texts


def test_withdrawal_and_its_erasures_are_recorded_without_personal_data(shopper, session):
    hanako = shopper()
    hanako.adds_friend()
    hanako.says("退会")
    assert texts(hanako.taps("action=withdraw_confirm"))[0].startswith("退会手続きが完了")
    hanako.says("会員証")  # no longer a member: what she typed is not kept either

    session.expire_all()
    member = session.query(Member).one()
    withdrawal, erasure, later = session.query(AuditEvent).order_by(AuditEvent.id).all()
    assert (withdrawal.kind, withdrawal.actor_role, withdrawal.target_table,
            withdrawal.target_id) == ("withdrawal", "member", "members", str(member.id))
    assert withdrawal.changes["follow_status"] == ["followed", "withdrawn"]
    assert withdrawal.changes["line_user_id"] == ["changed", None]
    assert withdrawal.changes["display_name"] == ["changed", None]
    assert (erasure.kind, erasure.actor_role, erasure.target_id) == \
        ("erasure", "system", str(member.id))
    assert erasure.detail["reason"] == "withdrawal" and erasure.detail["webhook_events"] >= 2
    assert (later.kind, later.target_table, later.detail["reason"]) == \
        ("erasure", "webhook_events", "not_a_member")
    stored = repr([(e.changes, e.detail, e.actor_email) for e in (withdrawal, erasure, later)])
    assert hanako.user_id not in stored and "山田" not in stored
