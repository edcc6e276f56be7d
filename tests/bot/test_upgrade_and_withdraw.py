"""Transcripts: light → full member (本会員) from the chat, and 退会."""

from urllib.parse import urlsplit

import pytest

from bot.richmenu import setup_menus
from core.extensions import db
from line import ledger
from line.models import Delivery
from members.models import Consent, FollowStatus, Member, Membership
from members.service import MARKETING_VERSION, PRIVACY_VERSION, TERMS_VERSION
from tests.factories import csrf_token_from
from tests.support.chat import actions, fetch, flex_texts, texts

FORM = {"full_name": "山田 花子", "full_name_kana": "ヤマダ ハナコ", "email": "Hanako@Example.jp",
        "birthday": "1990-04-01", "phone": "090-1234-5678", "agree_terms": "y",
        "agree_marketing": "y"}


def _upgrade_link(hanako) -> str:
    [invite] = hanako.says("本会員登録")
    [button] = [a for a in actions(invite) if a["type"] == "uri"]
    return button["uri"]


def _submit(client, link, **changes):
    page = fetch(client, link)
    data = {**FORM, **changes, "csrf_token": csrf_token_from(page.get_data(as_text=True))}
    return client.post(urlsplit(link).path, data=data)


@pytest.fixture
def hanako(shopper, app):
    with app.app_context():
        setup_menus()
    member = shopper()
    member.adds_friend()
    return member


def test_upgrade_makes_a_full_member_switches_the_menu_and_congratulates(
        hanako, client, session, worker, linesim):
    link = _upgrade_link(hanako)
    assert fetch(client, link).status_code == 200

    answer = _submit(client, link)

    assert answer.status_code == 200
    assert "登録が完了しました" in answer.get_data(as_text=True)
    member = session.query(Member).one()
    assert member.membership == Membership.FULL
    assert (member.full_name, member.full_name_kana, member.email, member.phone) == (
        "山田 花子", "ヤマダ ハナコ", "hanako@example.jp", "090-1234-5678")
    consents = {(c.kind, c.text_version, c.granted) for c in session.query(Consent)}
    assert consents == {("terms", TERMS_VERSION, True), ("privacy", PRIVACY_VERSION, True),
                        ("marketing", MARKETING_VERSION, True)}

    worker.drain()
    congrats = hanako.new_messages()
    assert texts(congrats)[0].startswith("本会員登録が完了しました！")
    assert "本会員" in flex_texts(congrats[1])
    assert linesim.rich_menu_of(hanako.user_id)["name"] == "member-full"
    assert "本会員登録" not in [a["label"] for a in actions(congrats[1])]


def test_light_members_see_the_light_menu_by_default(hanako, linesim):
    assert linesim.rich_menu_of(hanako.user_id)["name"] == "member-light"


def test_invalid_email_and_missing_consent_are_explained_and_change_nothing(
        hanako, client, session):
    link = _upgrade_link(hanako)
    answer = _submit(client, link, email="not-an-email", agree_terms="")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "メールアドレスの形式が正しくありません。" in page
    assert "会員規約とプライバシーポリシーへの同意が必要です。" in page
    assert session.query(Member).one().membership == Membership.LIGHT
    assert session.query(Consent).count() == 0


def test_full_width_email_and_phone_are_accepted_and_stored_half_width(
        hanako, client, session):
    answer = _submit(client, _upgrade_link(hanako), email="ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ",
                     phone="０９０ー１２３４－５６７８")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    member = session.query(Member).one()
    assert (member.email, member.phone) == ("hanako@example.jp", "090-1234-5678")


def test_a_birthday_in_the_future_is_refused(hanako, client, session, clock):
    clock.set_tokyo(2026, 11, 24, 11, 0)
    answer = _submit(client, _upgrade_link(hanako), birthday="2026-11-25")
    assert answer.status_code == 400
    assert "生年月日に未来の日付は指定できません。" in answer.get_data(as_text=True)
    assert session.query(Member).one().membership == Membership.LIGHT
    assert _submit(client, _upgrade_link(hanako), birthday="2026-11-24").status_code == 200


@pytest.mark.parametrize("typed, stored", [("やまだ　はなこ", "ヤマダ ハナコ"),
                                           ("ﾔﾏﾀﾞ ﾊﾅｺ", "ヤマダ ハナコ")])
def test_furigana_typed_in_hiragana_or_half_width_is_stored_in_katakana(
        hanako, client, session, typed, stored):
    assert _submit(client, _upgrade_link(hanako), full_name_kana=typed).status_code == 200
    assert session.query(Member).one().full_name_kana == stored


@pytest.mark.parametrize("typed, error", [("山田 花子", "フリガナはカタカナで入力してください。"),
                                          ("", "フリガナを入力してください。")])
def test_furigana_is_required_and_in_kana(hanako, client, session, typed, error):
    answer = _submit(client, _upgrade_link(hanako), full_name_kana=typed)
    assert answer.status_code == 400
    assert error in answer.get_data(as_text=True)
    assert session.query(Member).one().membership == Membership.LIGHT


def test_the_form_links_the_versions_of_the_terms_and_privacy_policy_it_records(
        hanako, client):
    page = fetch(client, _upgrade_link(hanako)).get_data(as_text=True)
    for kind, version, title in (("terms", TERMS_VERSION, "会員規約"),
                                 ("privacy", PRIVACY_VERSION, "プライバシーポリシー")):
        path = f"/members/policies/{kind}/{version}"
        assert f'href="{path}"' in page
        text = client.get(path)
        assert text.status_code == 200
        assert title in text.get_data(as_text=True)
        assert f"{version} 版" in text.get_data(as_text=True)
        assert client.get(f"/members/policies/{kind}").location.endswith(path)
        assert client.get(f"/members/policies/{kind}/1999-01").status_code == 404
    terms = client.get(f"/members/policies/terms/{TERMS_VERSION}").get_data(as_text=True)
    assert "お誕生日クーポン" in terms  # what the form promises is in the terms


def test_an_email_already_registered_gets_a_clear_message(hanako, shopper, client, session):
    _submit(client, _upgrade_link(hanako))
    taro = shopper("山田太郎")
    taro.adds_friend()

    answer = _submit(client, _upgrade_link(taro), full_name="山田 太郎")

    assert answer.status_code == 400
    assert "このメールアドレスはすでに登録されています。" in answer.get_data(as_text=True)
    assert session.query(Member).filter_by(membership=Membership.FULL).count() == 1


def test_a_tampered_upgrade_link_is_refused(hanako, client):
    link = _upgrade_link(hanako)
    assert fetch(client, link[:-3] + "xyz").status_code == 410


def test_withdrawal_asks_first_then_erases_personal_data(hanako, session):
    [confirm] = hanako.says("退会")
    assert confirm["type"] == "template"

    replies = hanako.taps("action=withdraw_confirm")

    assert texts(replies) == ["退会手続きが完了しました。ご利用ありがとうございました。"]
    session.expire_all()
    member = session.query(Member).one()
    assert member.follow_status == FollowStatus.WITHDRAWN
    assert (member.line_user_id, member.display_name, member.email) == (None, None, None)
    assert texts(hanako.says("会員証"))[0].startswith("会員情報が見つかりません")


def _rows_mentioning(session, *needles) -> list[str]:
    """Every stored row, in every table, that contains one of `needles`."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in session.execute(table.select()):
            shown = repr(tuple(row))
            found += [f"{table.name}: {shown}" for needle in needles if needle in shown]
    return found


def test_withdrawal_leaves_neither_the_name_nor_the_line_id_in_any_ledger(hanako, session):
    hanako.says("会員証")  # more stored events, and messages that carry the name
    hanako.says("ポイント")
    hanako.says("退会")
    hanako.taps("action=withdraw_confirm")
    hanako.says("会員証")  # after 退会: answered, and kept no more than the rest

    session.expire_all()
    assert session.query(Delivery).count() >= 5  # the rows stay, as anonymous outcomes
    assert _rows_mentioning(session, "山田花子", hanako.user_id) == []


def test_cancelling_withdrawal_changes_nothing(hanako, session):
    hanako.says("退会")
    assert texts(hanako.taps("action=withdraw_cancel")) == [
        "退会はしていません。引き続きご利用いただけます。"]
    assert session.query(Member).one().follow_status == FollowStatus.FOLLOWED


def test_messages_queued_before_a_block_are_never_sent(hanako, session, worker, linesim):
    member = session.query(Member).one()
    ledger.push_once(member_id=member.id, flow="test", key="test:queued",
                     messages=[{"type": "text", "text": "queued"}])
    session.commit()  # queued on the worker, not yet sent

    hanako.blocks()
    worker.drain()

    assert session.query(Delivery).filter_by(delivery_key="test:queued").one().status == "skipped"
    assert linesim.calls(path_prefix="/v2/bot/message/push") == []


def test_setting_the_menus_up_again_moves_full_members_to_the_new_full_menu(
        hanako, client, session, worker, linesim, app):
    _submit(client, _upgrade_link(hanako))
    worker.drain()
    old_menu = linesim.rich_menu_of(hanako.user_id)["richMenuId"]

    with app.app_context():
        created = setup_menus()

    assert created["full"] != old_menu
    assert linesim.rich_menu_of(hanako.user_id)["richMenuId"] == created["full"]
