"""Transcripts: what a member types, and what the bot answers."""

import io
from datetime import timedelta

import zxingcpp
from PIL import Image

from core.clock import utcnow
from coupons.models import CouponDefinition, DiscountType
from coupons.service import issue_once
from line.texts import MessageTemplate
from members.models import Member
from purchases.models import Channel, Purchase
from tests.support.chat import fetch, flex_texts, image_urls, texts


def _member(shopper):
    hanako = shopper()
    hanako.adds_friend()
    return hanako


def test_card_command_shows_the_member_card_in_japanese_and_english(shopper):
    hanako = _member(shopper)
    for command in ("会員証", "card", "ＣＡＲＤ"):
        [card] = hanako.says(command)
        assert card["type"] == "flex"
        assert "デジタル会員証" in flex_texts(card)


def test_points_command_shows_the_balance_and_the_way_to_the_next_rank(shopper, session, make):
    hanako = _member(shopper)
    member = session.query(Member).one()
    member.points_balance = 120
    store = make.store()
    session.add(Purchase(channel=Channel.STORE, store_id=store.id, receipt_number="R-1",
                         member_id=member.id, purchased_at=utcnow(), total=12_000))
    session.commit()

    [answer] = hanako.says("ポイント")

    assert answer["text"] == ("現在のポイントは 120 ポイントです。\n"
                              "シルバー会員まで、あと 18,000 円のお買い物です。")


def test_coupons_command_lists_usable_coupons_with_scannable_barcodes(shopper, session, client):
    hanako = _member(shopper)
    definition = CouponDefinition(code="TENOFF", name="10%OFFクーポン", purpose="general",
                                  discount_type=DiscountType.PERCENT, discount_value=10)
    session.add(definition)
    session.flush()
    member = session.query(Member).one()
    coupon = issue_once(definition=definition, member_id=member.id, issue_key="test:1")
    session.commit()

    intro, carousel = hanako.says("クーポン")

    assert intro["text"].startswith("お使いいただけるクーポンです")
    assert carousel["contents"]["type"] == "carousel"
    assert "10%OFFクーポン" in flex_texts(carousel)
    png = fetch(client, image_urls(carousel)[0]).data
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [coupon.code]


def test_coupons_command_says_so_when_there_are_none(shopper):
    hanako = _member(shopper)
    assert texts(hanako.says("クーポン")) == ["いまお使いいただけるクーポンはありません。"]


def test_expired_coupons_are_not_offered(shopper, session):
    hanako = _member(shopper)
    definition = CouponDefinition(code="OLD", name="古いクーポン", purpose="general",
                                  discount_type=DiscountType.AMOUNT, discount_value=100)
    session.add(definition)
    session.flush()
    coupon = issue_once(definition=definition, member_id=session.query(Member).one().id,
                        issue_key="test:old")
    coupon.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    assert texts(hanako.says("クーポン")) == ["いまお使いいただけるクーポンはありません。"]


def test_anything_else_is_for_staff_and_the_answer_keeps_the_menu(shopper, clock):
    hanako = _member(shopper)
    [answer] = hanako.says("こんにちは")
    assert answer["text"].startswith("メッセージありがとうございます。スタッフが確認して")
    assert [i["action"]["text"] for i in answer["quickReply"]["items"]] == [
        "会員証", "ポイント", "クーポン", "本会員登録", "ヘルプ"]


def test_help_lists_the_commands(shopper):
    hanako = _member(shopper)
    [answer] = hanako.says("ヘルプ")
    assert "会員証" in answer["text"] and "退会" in answer["text"]


def test_a_marketer_edited_template_is_used_instead_of_the_default(shopper, session):
    session.add(MessageTemplate(key="help", body="{unused}ご用件をどうぞ"))
    session.commit()
    hanako = _member(shopper)
    assert texts(hanako.says("help")) == ["{unused}ご用件をどうぞ"]



def test_help_for_a_light_member_lists_every_command_with_products_and_restock(shopper):
    hanako = _member(shopper)
    [answer] = hanako.says("ヘルプ")
    for command in ("会員証", "ポイント", "クーポン", "「商品 商品コード」",
                    "「再入荷 商品コード」", "本会員登録", "退会"):
        assert command in answer["text"]


def test_help_for_a_full_member_does_not_offer_the_upgrade(shopper, session):
    hanako = _member(shopper)
    session.query(Member).one().membership = "full"
    session.commit()
    [answer] = hanako.says("ヘルプ")
    assert "本会員登録" not in answer["text"]
    assert "「商品 商品コード」" in answer["text"] and "「再入荷 商品コード」" in answer["text"]


def test_restock_or_product_alone_explains_how_to_ask(shopper):
    hanako = _member(shopper)
    for said, shown in (("再入荷", "再入荷"), ("restock", "再入荷"), ("商品", "商品")):
        [answer] = hanako.says(said)
        assert answer["text"].startswith(f"「{shown}」のあとに商品コード（値札やオンラインストア")
        assert f"例：{shown} 4901234567894" in answer["text"]
