"""Editing a draft broadcast in the console: the form opens with the draft's settings and its
time in JST, saving changes the same broadcast (no copy), bad input is explained and changes
nothing, and a confirmed broadcast is not editable (copy it instead)."""

from datetime import UTC, datetime

import pytest

from campaigns.models import Broadcast, Segment
from tests.admin.test_console_broadcast_campaigns import EVERYONE, _create, _form, _press


@pytest.fixture
def marketer(client, login):
    return login(role="marketer")


@pytest.fixture
def segment(session, make):
    make.member()
    row = Segment(name="友だち全員", definition=EVERYONE)
    session.add(row)
    session.commit()
    return row


def test_the_edit_form_shows_the_draft_as_saved(client, marketer, segment, clock):
    broadcast_id = _create(client, segment, timing="at", send_at="2026-11-25T10:00",
                           holdout_percent="15")

    page = client.get(f"/admin/broadcasts/{broadcast_id}/edit").get_data(as_text=True)

    assert "下書きの編集：冬のセール" in page
    assert 'value="冬のセール"' in page and "（コピー）" not in page
    assert 'value="2026-11-25T10:00"' in page and 'value="15"' in page
    assert "冬のセールが始まりました</textarea>" in page
    assert f'action="/admin/broadcasts/{broadcast_id}/edit"' in page


def test_saving_the_edit_changes_the_same_draft(client, marketer, segment, session, clock):
    broadcast_id = _create(client, segment)
    detail = client.get(f"/admin/broadcasts/{broadcast_id}").get_data(as_text=True)
    assert f'href="/admin/broadcasts/{broadcast_id}/edit"' in detail and "コピーして編集" in detail

    answer = client.post(f"/admin/broadcasts/{broadcast_id}/edit", data=_form(
        client, segment, name="冬のセール第2弾", A1_value="第2弾です", timing="at",
        send_at="2026-11-27T18:30", B1_type="text", B1_value="B案です"))

    assert answer.status_code == 302 and answer.location.endswith(f"/{broadcast_id}")
    session.expire_all()
    broadcast = session.query(Broadcast).one()
    assert (broadcast.id, broadcast.name, broadcast.status) == (broadcast_id, "冬のセール第2弾",
                                                                "draft")
    assert broadcast.send_at == datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    assert [(v.label, v.content) for v in broadcast.variants] == [
        ("A", [{"type": "text", "text": "第2弾です"}]),
        ("B", [{"type": "text", "text": "B案です"}])]


@pytest.mark.parametrize("fields, message", [
    ({"name": ""}, "配信名を100文字以内で入力してください。"),
    ({"timing": "at", "send_at": "2026-11-24T09:00"},
     "配信日時は現在より後の日時を指定してください。"),
    ({"A1_type": "products", "A1_value": "NO-SUCH"}, "商品コードが見つかりません：NO-SUCH"),
])
def test_a_bad_edit_is_explained_and_changes_nothing(client, marketer, segment, session, clock,
                                                     fields, message):
    broadcast_id = _create(client, segment)

    answer = client.post(f"/admin/broadcasts/{broadcast_id}/edit",
                         data=_form(client, segment, **fields))

    assert answer.status_code == 200 and message in answer.get_data(as_text=True)
    session.expire_all()
    broadcast = session.get(Broadcast, broadcast_id)
    assert broadcast.name == "冬のセール"
    assert broadcast.variants[0].content == [{"type": "text", "text": "冬のセールが始まりました"}]


def test_a_confirmed_broadcast_is_not_editable(client, marketer, segment, session, clock,
                                               linesim, redis):
    broadcast_id = _create(client, segment, timing="at", send_at="2026-11-26T12:00")
    _press(client, broadcast_id, "confirm")

    page = client.get(f"/admin/broadcasts/{broadcast_id}/edit", follow_redirects=True)
    answer = client.post(f"/admin/broadcasts/{broadcast_id}/edit",
                         data=_form(client, segment, name="変更"), follow_redirects=True)

    assert "下書きの配信だけを編集できます。" in page.get_data(as_text=True)
    assert "下書きの配信だけを編集できます。" in answer.get_data(as_text=True)
    assert f"/admin/broadcasts/{broadcast_id}/edit" not in page.get_data(as_text=True)
    session.expire_all()
    assert session.get(Broadcast, broadcast_id).name == "冬のセール"


def test_the_edit_needs_the_csrf_token_and_a_console_role(client, login, segment, session,
                                                          clock):
    login(role="marketer")
    broadcast_id = _create(client, segment)
    data = _form(client, segment, name="変更")
    del data["csrf_token"]
    assert client.post(f"/admin/broadcasts/{broadcast_id}/edit", data=data).status_code == 400
    login(role="cashier")
    assert client.get(f"/admin/broadcasts/{broadcast_id}/edit").status_code == 403
    session.expire_all()
    assert session.get(Broadcast, broadcast_id).name == "冬のセール"
