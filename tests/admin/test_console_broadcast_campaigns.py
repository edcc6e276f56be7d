"""Making and running a broadcast in the console: the form (Japanese errors, nothing saved on
bad input, CSRF), the preview and cost, a test send, confirm, two-person approval, pause /
resume / cancel, and the progress JSON the page polls."""

import dataclasses
from datetime import UTC, datetime

import pytest

from campaigns.models import Broadcast, Segment
from line.models import Delivery
from tests.campaigns.attribution_seed import Seed, seed_ab_test
from tests.factories import csrf_token_from

EVERYONE = {"match": "all", "groups": [{"match": "all", "conditions": [
    {"field": "follow_status", "op": "is", "value": "followed"}]}]}


@pytest.fixture
def segment(session, make):
    for _ in range(3):
        make.member()
    row = Segment(name="友だち全員", definition=EVERYONE)
    session.add(row)
    session.commit()
    return row


@pytest.fixture
def marketer(client, login):
    return login(role="marketer")


def _token(client, url="/admin/broadcasts/new"):
    return csrf_token_from(client.get(url).get_data(as_text=True))


def _form(client, segment, **fields):
    data = {"csrf_token": _token(client), "name": "冬のセール", "segment_id": str(segment.id),
            "coupon_definition_id": "", "holdout_percent": "10", "timing": "now",
            "send_at": "", "over_quota": "stop", "A1_type": "text",
            "A1_value": "冬のセールが始まりました"}
    return {**data, **fields}


def _create(client, segment, **fields):
    answer = client.post("/admin/broadcasts/new", data=_form(client, segment, **fields))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return int(answer.location.rstrip("/").split("/")[-1])


def _press(client, broadcast_id, action):
    token = _token(client)  # one token per session: the page may have no form left
    return client.post(f"/admin/broadcasts/{broadcast_id}/{action}",
                       data={"csrf_token": token}, follow_redirects=True)


def test_a_marketer_saves_a_draft_with_two_variants_and_a_time_in_jst(
        client, marketer, segment, make, session, clock, linesim):
    scarf = make.product(sku="SCARF-1", name="ウールマフラー", price=4980)
    broadcast_id = _create(client, segment, A2_type="products", A2_value="SCARF-1",
                           B1_type="text", B1_value="マフラー入荷しました", timing="at",
                           send_at="2026-11-25T10:00", over_quota="send_all")

    broadcast = session.get(Broadcast, broadcast_id)
    assert (broadcast.name, broadcast.status, broadcast.holdout_percent,
            broadcast.over_quota) == ("冬のセール", "draft", 10, "send_all")
    assert broadcast.send_at == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 10:00 JST
    assert [(v.label, v.content) for v in broadcast.variants] == [
        ("A", [{"type": "text", "text": "冬のセールが始まりました"},
               {"type": "products", "product_ids": [scarf.id]}]),
        ("B", [{"type": "text", "text": "マフラー入荷しました"}])]

    page = client.get(f"/admin/broadcasts/{broadcast_id}").get_data(as_text=True)
    assert "下書き" in page and "2026-11-25 10:00" in page
    assert "冬のセールが始まりました" in page and "ウールマフラー" in page and "¥4,980" in page
    assert 'data-field="recipients">3人' in page  # 3 followed members, forecast from LINE
    assert "確定する" in page and "テスト送信" in page


def test_a_form_without_its_csrf_token_is_refused_and_saves_nothing(
        client, marketer, segment, session, clock):
    data = _form(client, segment)
    del data["csrf_token"]

    assert client.post("/admin/broadcasts/new", data=data).status_code == 400
    assert session.query(Broadcast).count() == 0


@pytest.mark.parametrize("fields, message", [
    ({"name": ""}, "配信名を100文字以内で入力してください。"),
    ({"segment_id": ""}, "配信対象（セグメント）を選んでください。"),
    ({"holdout_percent": "abc"}, "0〜50の整数で入力してください。"),
    ({"holdout_percent": "80"}, "0〜50%で指定してください。"),
    ({"timing": "at", "send_at": "来週"}, "配信日時を 2026-12-01 10:00 のように指定してください。"),
    ({"timing": "at", "send_at": "2026-11-24T09:00"},
     "配信日時は現在より後の日時を指定してください。"),
    ({"A2_type": "products", "A2_value": "NO-SUCH, 、"}, "商品コードが見つかりません：NO-SUCH"),
    ({"A1_type": "image", "A1_value": "http://example.com/a.png"},
     "画像のURLは https:// で始まるものを指定してください。"),
    ({"A1_type": "", "A1_value": ""}, "メッセージは1〜3パターン"),
    ({"A1_value": "\x00"}, "テキストが空です。"),
])
def test_bad_input_is_explained_in_japanese_and_nothing_is_saved(
        client, marketer, segment, session, clock, fields, message):
    answer = client.post("/admin/broadcasts/new", data=_form(client, segment, **fields))

    assert answer.status_code == 200
    assert message in answer.get_data(as_text=True)
    assert session.query(Broadcast).count() == 0


def test_confirm_then_pause_resume_and_cancel_from_the_page(
        client, marketer, segment, session, clock, linesim, redis):
    broadcast_id = _create(client, segment, timing="at", send_at="2026-11-26T12:00")

    assert "確定しました。" in _press(client, broadcast_id, "confirm").get_data(as_text=True)
    assert session.get(Broadcast, broadcast_id).status == "scheduled"
    _press(client, broadcast_id, "pause")
    session.expire_all()
    assert session.get(Broadcast, broadcast_id).status == "paused"
    _press(client, broadcast_id, "resume")
    session.expire_all()
    assert session.get(Broadcast, broadcast_id).status == "scheduled"
    page = _press(client, broadcast_id, "cancel").get_data(as_text=True)
    session.expire_all()
    assert session.get(Broadcast, broadcast_id).status == "cancelled"
    assert "中止しました。" in page

    again = _press(client, broadcast_id, "cancel").get_data(as_text=True)
    assert "完了または中止済みの配信は中止できません。" in again


def test_a_large_broadcast_waits_for_another_admin_to_approve(
        app, client, login, make, segment, session, clock, linesim, redis, monkeypatch):
    monkeypatch.setitem(app.config, "SETTINGS", dataclasses.replace(
        app.config["SETTINGS"], broadcast_approval_above=2))
    login(role="marketer")
    broadcast_id = _create(client, segment)
    _press(client, broadcast_id, "confirm")
    assert session.get(Broadcast, broadcast_id).status == "awaiting_approval"
    page = client.get(f"/admin/broadcasts/{broadcast_id}").get_data(as_text=True)
    assert "管理者の承認待ちです。" in page and 'data-action="approve"' not in page

    token = _token(client, f"/admin/broadcasts/{broadcast_id}")
    refused = client.post(f"/admin/broadcasts/{broadcast_id}/approve",
                          data={"csrf_token": token})
    assert refused.status_code == 403

    login(role="admin")
    assert "承認しました。" in _press(client, broadcast_id, "approve").get_data(as_text=True)
    session.expire_all()
    assert session.get(Broadcast, broadcast_id).status == "scheduled"


def test_a_test_send_goes_to_the_member_chosen_by_number(
        client, marketer, segment, make, session, clock, linesim, redis):
    staff = make.member(display_name="店長")
    broadcast_id = _create(client, segment)
    token = _token(client, f"/admin/broadcasts/{broadcast_id}")

    page = client.post(f"/admin/broadcasts/{broadcast_id}/test",
                       data={"csrf_token": token, "member": staff.member_number, "label": "A"},
                       follow_redirects=True).get_data(as_text=True)
    assert "店長 さんにテスト送信しました。" in page
    assert session.query(Delivery).filter_by(member_id=staff.id,
                                             flow="broadcast_test").count() == 1

    unknown = client.post(f"/admin/broadcasts/{broadcast_id}/test",
                          data={"csrf_token": token, "member": "0000"},
                          follow_redirects=True).get_data(as_text=True)
    assert "その会員番号の会員は見つかりません。" in unknown
    assert session.query(Delivery).count() == 1


def test_progress_json_gives_the_bar_its_shares_and_pace(client, marketer, session, make,
                                                         clock):
    broadcast = seed_ab_test(Seed(session, make), session)
    broadcast.status, broadcast.recipients_total = "sending", 11
    session.commit()

    figures = client.get(f"/admin/broadcasts/{broadcast.id}/progress.json").get_json()

    assert (figures["total"], figures["sent"], figures["failed"], figures["skipped_total"],
            figures["held_out"]) == (11, 4, 1, 2, 4)
    assert figures["percent"] == {"sent": 36.4, "skipped": 18.2, "failed": 9.1}
    assert figures["status_label"] == "配信中"
    assert figures["summary"] == "送信済み 4 ・ スキップ 2 ・ 失敗 1 ／ 全 11 人"
    assert client.get("/admin/broadcasts/999/progress.json").status_code == 404


@pytest.mark.parametrize("url", ["/admin/broadcasts/new", "/admin/broadcasts/1",
                                 "/admin/broadcasts/1/progress.json"])
def test_cashiers_may_not_make_or_watch_broadcasts(client, login, url):
    login(role="cashier")

    assert client.get(url).status_code == 403


def test_copy_and_edit_starts_the_form_from_a_saved_broadcast(
        client, marketer, segment, make, session, clock, linesim):
    make.product(sku="SCARF-1", name="ウールマフラー")
    original = _create(client, segment, A2_type="products", A2_value="SCARF-1",
                       holdout_percent="15")

    page = client.get(f"/admin/broadcasts/new?copy={original}").get_data(as_text=True)

    assert 'value="冬のセール（コピー）"' in page and 'value="15"' in page
    assert "冬のセールが始まりました</textarea>" in page and "SCARF-1</textarea>" in page
    assert f'<option selected value="{segment.id}">' in page


@pytest.mark.parametrize("method, url", [
    ("GET", "/admin/broadcasts/{id}"), ("GET", "/admin/broadcasts/{id}/results"),
    ("GET", "/admin/broadcasts/{id}/progress.json"), ("POST", "/admin/broadcasts/{id}/cancel"),
    ("POST", "/admin/broadcasts/{id}/approve"), ("GET", "/admin/broadcasts/new?copy={id}"),
])
@pytest.mark.parametrize("broadcast_id", [999, 2**31, 10**20])
def test_a_broadcast_no_row_can_be_is_not_found(client, login, method, url, broadcast_id):
    login(role="admin")
    data = {"csrf_token": _token(client)} if method == "POST" else None

    answer = client.open(url.format(id=broadcast_id), method=method, data=data)

    assert answer.status_code == (200 if "copy" in url else 404)
