"""The segment console: the list with counts, the builder's live count (JSON, with the CSRF
token), saving by name with Japanese errors that save nothing, editing and deleting; marketers
and admins only."""

import json

import pytest

from campaigns.models import Segment
from members.models import FollowStatus, Membership, Rank
from tests.factories import csrf_token_from

BASE = "/admin/segments"
LIGHT = {"match": "all", "groups": [{"match": "all", "conditions": [
    {"field": "membership", "op": "is", "value": "light"}]}]}


@pytest.fixture
def members(make):
    make.member(display_name="花子", membership=Membership.FULL, rank=Rank.GOLD)
    make.member(display_name="太郎")
    make.member(display_name="ブロック", follow_status=FollowStatus.BLOCKED)


def _token(client) -> str:
    return csrf_token_from(client.get(f"{BASE}/new").get_data(as_text=True))


def _count(client, definition, token):
    return client.post(f"{BASE}/count", data=json.dumps(definition),
                       headers={"Content-Type": "application/json", "X-CSRFToken": token})


def test_the_live_count_answers_matching_reachable_and_a_sample_in_japanese(
        client, login, members):
    login(role="marketer")
    answer = _count(client, LIGHT, _token(client))
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["matching"], body["reachable"]) == (2, 1)
    assert {(m["display_name"], m["membership"], m["rank"]) for m in body["sample"]} == {
        ("太郎", "ライト会員", "レギュラー"), ("ブロック", "ライト会員", "レギュラー")}


def test_the_live_count_explains_a_bad_condition(client, login, members):
    login(role="marketer")
    bad = {"match": "all", "groups": [{"match": "all", "conditions": [
        {"field": "rank", "op": "is", "value": "platinum"}]}]}
    answer = _count(client, bad, _token(client))
    assert answer.status_code == 400
    assert "ランクを一覧から選んでください" in answer.get_json()["errors"]["groups.0.conditions.0"]


def test_the_live_count_needs_the_csrf_token(client, login, members):
    login(role="marketer")
    assert _count(client, LIGHT, "forged").status_code == 400
    assert client.post(f"{BASE}/count", json=LIGHT).status_code == 400


def test_signed_out_visitors_are_sent_to_sign_in_and_cashiers_are_refused(client, login):
    for url in (f"{BASE}/", f"{BASE}/new"):
        answer = client.get(url)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    login(role="cashier")
    assert client.get(f"{BASE}/").status_code == 403
    assert client.get(f"{BASE}/new").status_code == 403


def test_cashier_cannot_count_or_save(client, login, session):
    login(role="cashier")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert _count(client, LIGHT, token).status_code == 403
    answer = client.post(f"{BASE}/save", data={"csrf_token": token, "name": "x",
                                               "definition": json.dumps(LIGHT)})
    assert answer.status_code == 403
    assert session.query(Segment).count() == 0


def test_a_segment_is_saved_listed_with_its_counts_edited_and_deleted(
        client, login, session, members):
    login(role="admin")
    builder = client.get(f"{BASE}/new").get_data(as_text=True)
    assert "グループを追加" in builder and "会員種別" in builder
    answer = client.post(f"{BASE}/save", data={
        "csrf_token": csrf_token_from(builder), "name": "ライト会員",
        "definition": json.dumps(LIGHT)})
    assert answer.status_code == 302
    segment = session.query(Segment).one()
    listing = client.get(f"{BASE}/").get_data(as_text=True)
    assert "ライト会員" in listing and "2人" in listing and "1人" in listing

    edit = client.get(f"{BASE}/{segment.id}/edit").get_data(as_text=True)
    full = {"match": "all", "groups": [{"match": "any", "conditions": [
        {"field": "membership", "op": "is", "value": "full"}]}]}
    answer = client.post(f"{BASE}/{segment.id}/save", data={
        "csrf_token": csrf_token_from(edit), "name": "本会員", "definition": json.dumps(full)})
    assert answer.status_code == 302
    session.expire_all()
    assert (segment.name, segment.definition) == ("本会員", full)

    answer = client.post(f"{BASE}/{segment.id}/delete",
                         data={"csrf_token": csrf_token_from(edit)})
    assert answer.status_code == 302
    assert session.query(Segment).count() == 0


@pytest.mark.parametrize(("name", "definition", "message"), [
    ("", LIGHT, "名前を入力してください。"),
    ("ライト", {"match": "all", "groups": []}, "条件を1つ以上追加してください。"),
    ("ライト", "not json", "条件の形式が正しくありません。"),
    ("ライト", {"match": "all", "groups": [{"match": "all", "conditions": [
        {"field": "birthday_month", "op": "is", "value": 13}]}]}, "1以上12以下の整数"),
])
def test_a_bad_segment_is_refused_in_japanese_and_nothing_is_saved(
        client, login, session, name, definition, message):
    login(role="marketer")
    token = _token(client)
    raw = definition if isinstance(definition, str) else json.dumps(definition)
    answer = client.post(f"{BASE}/save", data={"csrf_token": token, "name": name,
                                               "definition": raw})
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert session.query(Segment).count() == 0


def test_a_duplicate_name_changes_neither_segment(client, login, session):
    login(role="marketer")
    token = _token(client)
    for name in ("A", "B"):
        client.post(f"{BASE}/save", data={"csrf_token": token, "name": name,
                                          "definition": json.dumps(LIGHT)})
    b = session.query(Segment).filter_by(name="B").one()
    answer = client.post(f"{BASE}/{b.id}/save", data={"csrf_token": token, "name": "A",
                                                       "definition": json.dumps(LIGHT)})
    assert answer.status_code == 400
    assert "同じ名前の配信対象がすでにあります。" in answer.get_data(as_text=True)
    assert sorted(s.name for s in session.query(Segment)) == ["A", "B"]


def test_a_form_without_the_csrf_token_saves_nothing(client, login, session):
    login(role="marketer")
    answer = client.post(f"{BASE}/save", data={"name": "ライト", "definition": json.dumps(LIGHT)})
    assert answer.status_code == 400
    assert session.query(Segment).count() == 0


@pytest.mark.browser
def test_the_builder_counts_live_as_conditions_change_and_saves(browser, live_server, make,
                                                                  session, members):
    from playwright.sync_api import expect

    from tests.factories import PASSWORD
    from tests.support.browser import sign_in

    marketer = make.console_user(role="marketer")
    page = browser.new_page()
    sign_in(page, live_server.url, marketer.email, PASSWORD, lands_on="/admin/")
    page.goto(f"{live_server.url}{BASE}/new")
    matching, reachable = page.locator("#count-matching"), page.locator("#count-reachable")
    expect(matching).to_have_text("2")
    expect(reachable).to_have_text("1")
    page.locator(".condition select").nth(2).select_option("full")  # 会員種別 が 本会員
    expect(matching).to_have_text("1")
    expect(page.locator("#sample tbody")).to_contain_text("花子")

    page.click("#add-group")  # a second group, overall "any": light members join in
    page.locator("#overall-match").select_option("any")
    expect(matching).to_have_text("3")

    page.fill("#name", "本会員またはライト会員")
    page.click("#segment-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}{BASE}/")
    saved = session.query(Segment).one()
    assert saved.definition["match"] == "any" and len(saved.definition["groups"]) == 2
    page.close()
