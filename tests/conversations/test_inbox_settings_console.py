"""チャット設定: business hours and keyword auto-replies, checked before saving."""

from datetime import time

from conversations import hours
from conversations.models import AutoReply
from tests.factories import csrf_token_from

PAGE = "/admin/inbox_settings/"


def _post(client, path, **data):
    token = csrf_token_from(client.get(PAGE).get_data(as_text=True))
    return client.post(PAGE.rstrip("/") + path, data={"csrf_token": token, **data})


def test_a_marketer_adds_and_changes_an_auto_reply(client, login, session):
    login("marketer")
    added = _post(client, "/auto-replies", keyword="駐車場", answer="提携駐車場は2時間無料です。",
                  active="y")
    assert added.status_code == 302
    row = session.query(AutoReply).one()
    changed = _post(client, f"/auto-replies/{row.id}", keyword="ＰＡＲＫＩＮＧ",
                    answer="提携駐車場は3時間無料です。", active="y")
    assert changed.status_code == 302
    session.expire_all()
    assert (row.keyword, row.answer, row.active) == ("parking", "提携駐車場は3時間無料です。",
                                                     True)
    assert "parking" in client.get(PAGE).get_data(as_text=True)


def test_bad_auto_replies_are_refused_with_a_reason_and_change_nothing(client, login, session):
    login("marketer")
    _post(client, "/auto-replies", keyword="営業時間", answer="10時から19時です。", active="y")

    empty = _post(client, "/auto-replies", keyword=" ", answer="")
    twice = _post(client, "/auto-replies", keyword="営業時間", answer="別の答え")
    too_long = _post(client, "/auto-replies", keyword="長文", answer="あ" * 5001)

    assert empty.status_code == twice.status_code == too_long.status_code == 400
    assert "キーワードを入力してください。" in empty.get_data(as_text=True)
    assert "返信文を入力してください。" in empty.get_data(as_text=True)
    assert "「営業時間」の自動応答はすでにあります。" in twice.get_data(as_text=True)
    assert "返信文は5,000文字以内で入力してください" in too_long.get_data(as_text=True)
    assert [r.answer for r in session.query(AutoReply)] == ["10時から19時です。"]


def test_an_auto_reply_can_be_deleted(client, login, session):
    login("admin")
    _post(client, "/auto-replies", keyword="駐車場", answer="あります。", active="y")
    row_id = session.query(AutoReply).one().id
    assert _post(client, f"/auto-replies/{row_id}/delete").status_code == 302
    assert session.query(AutoReply).count() == 0
    assert _post(client, f"/auto-replies/{row_id}/delete").status_code == 404


def test_business_hours_are_saved_and_bad_ones_refused(client, login, session):
    login("admin")
    saved = _post(client, "/hours", opens_at="09:30", closes_at="20:00", staff_mode_minutes="30")
    assert saved.status_code == 302
    session.expire_all()
    assert (hours.current().opens_at, hours.current().staff_mode_minutes) == (time(9, 30), 30)

    backwards = _post(client, "/hours", opens_at="20:00", closes_at="09:00",
                      staff_mode_minutes="30")
    garbage = _post(client, "/hours", opens_at="朝", closes_at="20:00", staff_mode_minutes="x")

    assert backwards.status_code == garbage.status_code == 400
    assert "受付終了は受付開始より後の時刻にしてください。" in backwards.get_data(as_text=True)
    assert "時刻は 10:00 の形で入力してください。" in garbage.get_data(as_text=True)
    assert "整数で入力してください。" in garbage.get_data(as_text=True)
    session.expire_all()
    assert hours.current().opens_at == time(9, 30)


def test_cashiers_cannot_open_the_settings(client, login, make):
    login("cashier", store_id=make.store().id)
    assert client.get(PAGE).status_code == 403
