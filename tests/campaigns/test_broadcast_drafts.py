"""Editing a draft in place (campaigns.broadcasts.update_draft): settings and messages
replaced after the same checks as a new draft, only while it is a draft; a refused edit is
explained in Japanese and changes nothing."""

from datetime import UTC, datetime

import pytest

from campaigns import broadcasts
from campaigns.models import Broadcast, BroadcastVariant, Segment
from coupons.models import CouponDefinition, DiscountType

TEXT = [{"type": "text", "text": "冬のセールのお知らせ"}]


@pytest.fixture
def other_segment(session):
    segment = Segment(name="ライト会員", definition={"match": "all", "groups": [
        {"match": "all", "conditions": [{"field": "membership", "op": "is", "value": "light"}]}]})
    session.add(segment)
    session.commit()
    return segment


@pytest.fixture
def coupon(session):
    definition = CouponDefinition(code="WINTER", name="冬の500円引き",
                                  discount_type=DiscountType.AMOUNT, discount_value=500)
    session.add(definition)
    session.commit()
    return definition


def _edit(broadcast_id, segment, **changes):
    arguments = {"name": "冬のセール（改）", "segment_id": segment.id,
                 "variants": [[{"type": "text", "text": "A案"}], [{"type": "text", "text": "B案"}]],
                 "holdout_percent": 20, "send_at": datetime(2026, 11, 25, 10, 0),
                 "over_quota": "send_all", **changes}
    return broadcasts.update_draft(broadcast_id, **arguments)


def _as_saved(session, broadcast_id):
    session.expire_all()
    broadcast = session.get(Broadcast, broadcast_id)
    return (broadcast.name, broadcast.segment_id, broadcast.holdout_percent,
            broadcast.coupon_definition_id, broadcast.send_at, broadcast.over_quota,
            [(v.label, v.content) for v in broadcast.variants])


def test_a_draft_is_edited_in_place(draft, other_segment, coupon, marketer, session, clock):
    broadcast = draft(variants=[TEXT, TEXT, TEXT])
    a_id = broadcast.variants[0].id

    _edit(broadcast.id, other_segment, coupon_definition_id=coupon.id, edited_by=marketer)

    assert _as_saved(session, broadcast.id) == (
        "冬のセール（改）", other_segment.id, 20, coupon.id,
        datetime(2026, 11, 25, 1, 0, tzinfo=UTC), "send_all",
        [("A", [{"type": "text", "text": "A案"}]), ("B", [{"type": "text", "text": "B案"}])])
    assert session.get(Broadcast, broadcast.id).status == "draft"
    assert session.get(Broadcast, broadcast.id).variants[0].id == a_id  # same row, new content
    assert session.query(BroadcastVariant).count() == 2  # C removed


def test_an_edit_can_add_variants_and_clear_the_time(draft, everyone, session, clock):
    broadcast = draft(send_at=datetime(2026, 11, 26, 12, 0))

    _edit(broadcast.id, everyone, send_at=None,
          variants=[TEXT, [{"type": "text", "text": "B"}], [{"type": "text", "text": "C"}]])

    saved = _as_saved(session, broadcast.id)
    assert saved[4] is None
    assert [label for label, _ in saved[6]] == ["A", "B", "C"]


@pytest.mark.parametrize(("changes", "errors"), [
    ({"name": ""}, {"name": "配信名を100文字以内で入力してください。"}),
    ({"segment_id": 999}, {"segment_id": "配信対象（セグメント）を選んでください。"}),
    ({"send_at": datetime(2026, 11, 24, 9, 0)},
     {"send_at": "配信日時は現在より後の日時を指定してください。"}),
    ({"variants": [[{"type": "text", "text": ""}]]}, {"variants": "パターンA: テキストが空です。"}),
])
def test_a_bad_edit_is_refused_in_japanese_and_changes_nothing(
        draft, everyone, session, clock, changes, errors):
    broadcast = draft(variants=[TEXT, TEXT])
    before = _as_saved(session, broadcast.id)

    with pytest.raises(broadcasts.InvalidBroadcast) as refused:
        _edit(broadcast.id, everyone, **changes)

    assert refused.value.errors == errors
    assert _as_saved(session, broadcast.id) == before


def test_only_a_draft_can_be_edited(draft, everyone, marketer, session, clock, linesim):
    broadcast = draft(send_at=datetime(2026, 11, 26, 12, 0))
    broadcasts.confirm(broadcast.id, marketer)
    before = _as_saved(session, broadcast.id)

    with pytest.raises(broadcasts.InvalidBroadcast) as refused:
        _edit(broadcast.id, everyone)

    assert refused.value.errors == {"status": "下書きの配信だけを編集できます。"}
    assert _as_saved(session, broadcast.id) == before
    assert session.get(Broadcast, broadcast.id).status == "scheduled"


def test_an_unknown_broadcast_is_refused(everyone, session, clock):
    with pytest.raises(broadcasts.InvalidBroadcast) as refused:
        _edit(12345, everyone)
    assert refused.value.errors == {"broadcast": "配信が見つかりません。"}
