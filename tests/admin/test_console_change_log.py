"""Console pages that are not model views record their changes in the audit trail as the model
views do: segments, shopper texts, chat settings' auto-replies, with who and before -> after;
a change refused (and rolled back) leaves no record."""

import json

from audit.models import AuditEvent
from campaigns.models import Segment
from conversations.models import AutoReply
from tests.factories import csrf_token_from

LIGHT = {"match": "all", "groups": [{"match": "all", "conditions": [
    {"field": "membership", "op": "is", "value": "light"}]}]}


def _token(client, page):
    return csrf_token_from(client.get(page).get_data(as_text=True))


def _events(session, table):
    session.expire_all()
    return session.query(AuditEvent).filter_by(target_table=table).order_by(AuditEvent.id).all()


def test_a_segment_saved_renamed_and_deleted_is_recorded(client, login, session):
    marketer = login(role="marketer")
    token = _token(client, "/admin/segments/new")
    client.post("/admin/segments/save",
                data={"csrf_token": token, "name": "ライト", "definition": json.dumps(LIGHT)})
    segment_id = session.query(Segment).one().id
    client.post(f"/admin/segments/{segment_id}/save",
                data={"csrf_token": token, "name": "ライト会員", "definition": json.dumps(LIGHT)})
    client.post(f"/admin/segments/{segment_id}/delete", data={"csrf_token": token})

    create, update, delete = _events(session, "segments")
    assert [(e.kind, e.actor_id, e.actor_role, e.target_id) for e in (create, update, delete)] \
        == [(kind, marketer.id, "marketer", str(segment_id))
            for kind in ("create", "update", "delete")]
    assert create.changes["name"] == [None, "ライト"]
    assert update.changes == {"name": ["ライト", "ライト会員"]}
    assert delete.changes["name"] == ["ライト会員", None]


def test_a_refused_segment_leaves_no_record(client, login, session):
    login(role="marketer")
    token = _token(client, "/admin/segments/new")
    answer = client.post("/admin/segments/save", data={
        "csrf_token": token, "name": "壊れた条件", "definition": json.dumps(
            {"match": "all", "groups": [{"match": "all", "conditions": [
                {"field": "rank", "op": "is", "value": "platinum"}]}]})})

    assert answer.status_code == 400
    assert session.query(Segment).count() == 0
    assert _events(session, "segments") == []


def test_an_auto_reply_added_and_changed_in_chat_settings_is_recorded(client, login, session):
    admin = login(role="admin")
    page = "/admin/inbox_settings/"
    client.post(page + "auto-replies", data={"csrf_token": _token(client, page),
                                             "keyword": "駐車場", "answer": "2時間無料です。",
                                             "active": "y"})
    reply = session.query(AutoReply).one()
    client.post(page + f"auto-replies/{reply.id}",
                data={"csrf_token": _token(client, page), "keyword": "駐車場",
                      "answer": "3時間無料です。", "active": "y"})

    create, update = _events(session, "conversation_auto_replies")
    assert (create.kind, create.actor_email, create.target_id) == ("create", admin.email,
                                                                   str(reply.id))
    assert update.kind == "update" and update.changes == {
        "answer": ["2時間無料です。", "3時間無料です。"]}


def test_a_shopper_text_edited_in_the_console_is_recorded(client, login, session):
    marketer = login(role="marketer")
    page = "/admin/message_templates/"
    client.post(page + "welcome", data={"csrf_token": _token(client, page),
                                        "body": "{display_name}さん、ようこそ！"})

    [event] = [e for e in session.query(AuditEvent).all() if e.actor_id == marketer.id
               and e.kind in ("create", "update")]
    assert "{display_name}さん、ようこそ！" in json.dumps(event.changes, ensure_ascii=False)
