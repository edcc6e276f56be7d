"""A broadcast's rules: a bad draft changes nothing, a large audience needs a second person's
approval, the cost forecast agrees with LINE's quota figures, quiet hours defer the sending,
one daily promotional cap covers follow-ups and broadcasts, each recipient gets their own
coupon, product taps are counted per variant, and a message LINE refuses fails with an alert."""

import dataclasses
from urllib.parse import urlsplit

import pytest

from campaigns import broadcasts
from campaigns.broadcast_content import COUPON_NOTICE
from campaigns.broadcast_sending import form_batches, reconcile_broadcasts, release_due_broadcasts
from campaigns.models import Broadcast, BroadcastVariant
from coupons.models import CouponDefinition, DiscountType, IssuedCoupon
from line import gates, ledger, multicast
from line.models import CampaignAlert, Delivery, MulticastBatch
from line.sending import send_deliveries
from tests.campaigns.broadcasting import MULTICAST, drain, received, recipients
from tests.support.chat import actions

TEXT = [{"type": "text", "text": "お知らせ"}]


def _sent(worker, draft, marketer, **options):
    broadcast = draft(**options)
    broadcasts.confirm(broadcast.id, marketer)
    worker.call(release_due_broadcasts)
    worker.call(form_batches, broadcast.id)
    return broadcast


@pytest.mark.parametrize(("changes", "errors"), [
    ({"name": " "}, {"name": "配信名を100文字以内で入力してください。"}),
    ({"segment_id": 999}, {"segment_id": "配信対象（セグメント）を選んでください。"}),
    ({"holdout_percent": 51},
     {"holdout_percent": "効果測定用の対照群は0〜50%で指定してください。"}),
    ({"over_quota": "maybe"}, {"over_quota": "上限を超える場合の扱いを選んでください。"}),
    ({"coupon_definition_id": 999},
     {"coupon_definition_id": "クーポンが見つからないか、無効になっています。"}),
    ({"variants": [TEXT] * 4},
     {"variants": "メッセージは1〜3パターン（A/B/C）で作成してください。"}),
    ({"variants": [TEXT * 6]}, {"variants": "パターンA: メッセージは1〜5件にしてください。"}),
    ({"variants": [TEXT, [{"type": "text", "text": ""}]]},
     {"variants": "パターンB: テキストが空です。"}),
    ({"variants": [[{"type": "image", "url": "http://x.example/a.png"}]]},
     {"variants": "パターンA: 画像のURLは https:// で始まるものを指定してください。"}),
    ({"variants": [[{"type": "products", "product_ids": [12345]}]]},
     {"variants": "パターンA: 商品（ID 12345）が見つからないか販売終了です。"}),
    ({"variants": [[{"type": "video"}]]},
     {"variants": "パターンA: メッセージの種類はテキスト・画像・商品のいずれかです。"}),
])
def test_a_bad_draft_is_refused_in_japanese_and_nothing_is_saved(
        everyone, marketer, session, changes, errors):
    draft = {"name": "冬のセール", "segment_id": everyone.id, "variants": [TEXT],
             "created_by": marketer, **changes}
    with pytest.raises(broadcasts.InvalidBroadcast) as refused:
        broadcasts.create_draft(**draft)
    assert refused.value.errors == errors
    session.rollback()
    assert session.query(Broadcast).count() == 0
    assert session.query(BroadcastVariant).count() == 0


def test_a_coupon_leaves_room_for_four_messages_and_a_past_time_is_refused(
        everyone, marketer, session, clock):
    coupon = _coupon(session)
    with pytest.raises(broadcasts.InvalidBroadcast) as refused:
        broadcasts.create_draft(name="x", segment_id=everyone.id, variants=[TEXT * 5],
                                coupon_definition_id=coupon.id, send_at=clock.now,
                                created_by=marketer)
    assert refused.value.errors == {
        "send_at": "配信日時は現在より後の日時を指定してください。",
        "variants": "パターンA: メッセージは1〜4件にしてください"
                    "（クーポンのお知らせが1件加わります）。"}
    assert session.query(Broadcast).count() == 0


def test_a_naive_send_time_is_business_time_stored_in_utc(draft, clock):
    from datetime import datetime

    broadcast = draft(send_at=datetime(2026, 11, 24, 18, 0))  # 18:00 in Tokyo
    assert broadcast.send_at.isoformat() == "2026-11-24T09:00:00+00:00"


def test_a_large_audience_needs_a_second_admin_to_approve(
        app, line_friends, draft, marketer, make, worker, session, linesim, monkeypatch):
    members = line_friends(3)
    settings = app.config["SETTINGS"]
    monkeypatch.setitem(app.config, "SETTINGS",
                        dataclasses.replace(settings, broadcast_approval_above=2))
    creator = make.console_user(role="admin")
    broadcast = broadcasts.create_draft(name="大型", segment_id=draft().segment_id,
                                        variants=[TEXT], created_by=creator)
    broadcasts.confirm(broadcast.id, creator)
    assert broadcast.status == "awaiting_approval"
    worker.call(release_due_broadcasts)
    assert received(linesim, members) == [0, 0, 0]

    for approver, error in [(marketer, "承認できるのは管理者だけです。"),
                            (creator, "作成・確定した人とは別の管理者が承認してください。")]:
        with pytest.raises(broadcasts.InvalidBroadcast) as refused:
            broadcasts.approve(broadcast.id, approver)
        assert refused.value.errors == {"approver": error}
    session.expire_all()
    assert session.get(Broadcast, broadcast.id).status == "awaiting_approval"

    second = make.console_user(role="admin")
    broadcasts.approve(broadcast.id, second)
    approved = session.get(Broadcast, broadcast.id)
    assert (approved.status, approved.approved_by_id, approved.created_by_id) == \
        ("scheduled", second.id, creator.id)
    worker.call(release_due_broadcasts)
    worker.call(form_batches, broadcast.id)
    assert received(linesim, members) == [1, 1, 1]


def test_the_forecast_uses_line_quota_figures(
        app, line_friends, draft, marketer, worker, session, linesim, monkeypatch):
    line_friends(8)
    linesim.configure(monthly_quota=5)
    broadcast = draft(variants=[TEXT * 3])
    assert broadcasts.forecast(broadcast.id) == {
        "recipients": 8, "messages_per_recipient": 3, "total_messages": 8, "quota_limit": 5,
        "quota_used": 0, "remaining": 5, "overage_messages": 3, "overage_yen": 9}

    linesim.configure(monthly_quota=30000)
    broadcasts.confirm(broadcast.id, marketer)
    worker.call(release_due_broadcasts)
    worker.call(form_batches, broadcast.id)
    after = broadcasts.forecast(broadcast.id)
    assert (after["quota_used"], after["remaining"]) == (8, 29992)
    assert linesim.counters()["quota_used"] == 8


def test_quiet_hours_defer_the_sending_to_the_morning(
        line_friends, draft, marketer, worker, session, linesim, clock):
    clock.set_tokyo(2026, 11, 24, 21, 30)
    members = line_friends(2)
    broadcast = draft()
    broadcasts.confirm(broadcast.id, marketer)
    worker.call(release_due_broadcasts)
    worker.call(form_batches, broadcast.id)
    worker.call(reconcile_broadcasts)
    assert linesim.calls(path_prefix=MULTICAST) == []
    assert broadcasts.progress(broadcast.id)["pending"] == 2

    clock.set_tokyo(2026, 11, 25, 9, 0)
    worker.call(reconcile_broadcasts)
    drain(worker.app, "campaigns")
    assert received(linesim, members) == [1, 1]


def _promotional_follow_up(member, key):
    return ledger.record_once(member_id=member.id, flow="rank_nudge", key=key,
                              messages=[{"type": "text", "text": key}], promotional=True).id


# A chunk reads the whole day's promotional messages in one pass; on a day of very many it
# counts for its own members instead (limit 0 forces that path).
@pytest.mark.parametrize("day_pass_limit", [gates.DAY_PASS_LIMIT, 0],
                         ids=["day-pass", "per-member"])
def test_one_daily_cap_covers_follow_ups_and_broadcasts(
        line_friends, draft, marketer, worker, session, linesim, clock, monkeypatch,
        day_pass_limit):
    monkeypatch.setattr(gates, "DAY_PASS_LIMIT", day_pass_limit)
    capped, fresh = line_friends(2)
    ids = [_promotional_follow_up(capped, f"promo:{n}")
           for n in range(gates.DAILY_PROMOTIONAL_CAP)]
    session.commit()
    worker.call(send_deliveries, ids)  # the capped member has had today's two

    broadcast = _sent(worker, draft, marketer)
    assert received(linesim, [capped, fresh]) == [0, 1]
    assert broadcasts.progress(broadcast.id)["skipped"] == {"daily_cap": 1}

    later = [_promotional_follow_up(fresh, f"later:{n}") for n in range(2)]
    session.commit()
    worker.call(send_deliveries, later)  # the broadcast counts: one more fits, not two
    session.expire_all()
    assert [session.get(Delivery, i).status for i in later] == ["sent", "skipped"]


def _coupon(session):
    coupon = CouponDefinition(code="WINTER", name="冬のクーポン", purpose="general",
                              discount_type=DiscountType.AMOUNT, discount_value=500)
    session.add(coupon)
    session.commit()
    return coupon


def test_each_recipient_gets_their_own_coupon_and_the_holdout_none(
        line_friends, draft, marketer, worker, session, linesim):
    members = line_friends(12)
    coupon = _coupon(session)
    broadcast = _sent(worker, draft, marketer, coupon_definition_id=coupon.id,
                      holdout_percent=25)
    rows = recipients(session, broadcast.id)
    reached = [row for row in rows if not row.holdout]
    issued = session.query(IssuedCoupon).all()
    assert sorted(c.member_id for c in issued) == sorted(row.member_id for row in reached)
    assert {c.issue_key for c in issued} == {
        f"broadcast:{broadcast.id}:member:{row.member_id}" for row in reached}
    assert all(row.issued_coupon_id for row in reached)
    assert all(row.issued_coupon_id is None for row in rows if row.holdout)
    first = next(m for m in members if m.id == reached[0].member_id)
    assert [m["message"]["text"] for m in linesim.inbox(first.line_user_id)] == \
        ["冬のセールのお知らせ", COUPON_NOTICE]


def test_product_taps_are_counted_per_variant_and_test_sends_not(
        line_friends, draft, marketer, worker, session, linesim, make, client):
    members = line_friends(2)
    shirt = make.product(name="シャツ", online_url="https://shop.example/shirt")
    broadcast = _sent(worker, draft, marketer,
                      variants=[[{"type": "products", "product_ids": [shirt.id]}]])
    carousel = linesim.inbox(members[0].line_user_id)[0]["message"]
    [link] = [a["uri"] for a in actions(carousel) if a["type"] == "uri"]
    answer = client.get(urlsplit(link).path)
    assert (answer.status_code, answer.headers["Location"]) == (302, "https://shop.example/shirt")

    broadcasts.send_test(broadcast.id, members[1].id)
    drain(worker.app, "followups")
    test_copy = [m for m in linesim.inbox(members[1].line_user_id)
                 if m["endpoint"] == "push"][0]["message"]
    [test_link] = [a["uri"] for a in actions(test_copy) if a["type"] == "uri"]
    client.get(urlsplit(test_link).path)
    session.expire_all()
    assert session.query(BroadcastVariant).one().clicks == 1


def test_a_multicast_line_refuses_fails_with_an_alert(line_friends, worker, session, linesim):
    [member] = line_friends(1)
    batch = multicast.add_batch(source="test:2", to=[member.line_user_id],
                                messages=[{"type": "text", "text": ""}])
    session.commit()
    batch_id = batch.id
    assert worker.call(multicast.send_batch, batch_id) == "failed"
    session.expire_all()
    assert session.get(MulticastBatch, batch_id).last_error.startswith("LINE API 400")
    assert session.query(CampaignAlert).filter_by(kind="refused").count() == 1
