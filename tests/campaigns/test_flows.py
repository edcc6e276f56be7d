"""Flows: second-purchase coupon, restock, warranty, rank, win-back and upgrade prompts."""

import pytest

from campaigns.triggers import daily_sweep
from catalog.service import set_stock
from coupons.models import CouponDefinition, DiscountType, IssuedCoupon
from line.models import Delivery
from members.models import Membership
from tests.support.chat import flex_texts, texts


@pytest.fixture
def coupon_definitions(session):
    for code, purpose in (("SECOND", "f2"), ("COMEBACK", "winback")):
        session.add(CouponDefinition(code=code, name=f"{code}クーポン", purpose=purpose,
                                     discount_type=DiscountType.PERCENT, discount_value=10,
                                     valid_days=14))
    session.commit()


def _flows_sent(session, member_id):
    session.expire_all()
    return [d.flow for d in session.query(Delivery).filter_by(member_id=member_id,
                                                              status="sent")
            if d.flow not in ("welcome", "chat")]


def test_a_first_purchase_brings_a_second_purchase_coupon_three_days_later(
        member_of, buy, clock, follow_ups, session, coupon_definitions):
    hanako, member = member_of()
    buy(member, "CAP")
    hanako.new_messages()

    clock.advance(days=3)
    follow_ups()

    messages = hanako.new_messages()
    f2 = [m for m in messages if m.get("contents", {}).get("type") == "carousel"
          and "SECONDクーポン" in flex_texts(m)]
    assert len(f2) == 1
    assert session.query(IssuedCoupon).filter_by(member_id=member.id).count() == 1


def test_no_second_purchase_coupon_once_the_second_purchase_exists(
        member_of, buy, clock, follow_ups, session, coupon_definitions):
    _, member = member_of()
    buy(member, "CAP")
    clock.advance(days=1)
    buy(member, "CAP")
    clock.advance(days=3)
    follow_ups()
    assert "f2" not in _flows_sent(session, member.id)
    assert session.query(IssuedCoupon).filter_by(member_id=member.id).count() == 0


def test_a_shopper_asks_for_a_restock_notice_and_is_told_once(
        member_of, shop, products, follow_ups, session, worker):
    hanako, member = member_of()
    set_stock(store_id=shop.id, product_id=products["SHIRT"].id, quantity=0)
    session.commit()

    [offer] = hanako.says("再入荷 shirt")
    assert "在庫切れ" in "".join(flex_texts(offer))
    [thanks] = hanako.taps(f"action=restock&product={products['SHIRT'].id}")
    assert thanks["text"] == "「シャツ」が再入荷したらLINEでお知らせします。"

    for quantity in (5, 0, 5):  # back, sold out, back again: one notice for one request
        set_stock(store_id=shop.id, product_id=products["SHIRT"].id, quantity=quantity)
        session.commit()
        follow_ups()

    notices = [t for t in texts(hanako.new_messages()) if "再入荷しました" in t]
    assert notices == ["山田花子さん、お待たせしました！「シャツ」が渋谷店に再入荷しました。"]


def test_asking_about_a_product_in_stock_says_so(member_of, products):
    hanako, _ = member_of()
    assert texts(hanako.says("商品 TEE")) == ["「Tシャツ」は在庫があります（¥3,000）。"]
    assert texts(hanako.says("再入荷 NOPE"))[0].startswith("「nope」に当たる商品が見つかりません")


def test_warranty_expiry_is_announced_thirty_days_before_with_the_history_page(
        member_of, buy, clock, follow_ups, worker, session, client):
    hanako, member = member_of()
    buy(member, "EARBUDS")  # 12-month warranty, bought 2026-11-24
    hanako.new_messages()

    clock.set_tokyo(2027, 10, 24, 10, 0)  # 31 days before it ends
    worker.call(daily_sweep)
    follow_ups()
    assert "warranty" not in _flows_sent(session, member.id)

    clock.set_tokyo(2027, 10, 25, 10, 0)  # 30 days before
    worker.call(daily_sweep)
    worker.call(daily_sweep)
    follow_ups()

    [notice] = [t for t in texts(hanako.new_messages()) if "保証" in t]
    assert "「イヤホン」のメーカー保証は2027年11月24日で終了します" in notice
    page = client.get("/members/history/" + notice.rsplit("/members/history/", 1)[1])
    assert page.status_code == 200
    assert "保証 2027/11/24まで" in page.get_data(as_text=True)


def test_close_to_the_next_rank_gets_a_nudge_and_a_rank_up_gets_congratulations(
        member_of, buy, follow_ups, session, clock):
    hanako, member = member_of()
    for _ in range(4):
        buy(member, "EARBUDS")  # ¥48,000 — silver (¥30,000) reached on the 3rd
    clock.advance(minutes=1)  # the congratulations follow the receipts
    follow_ups()

    received = texts(hanako.new_messages())
    assert [t for t in received if "ランクアップしました" in t] == [
        "山田花子さん、シルバー会員にランクアップしました！おめでとうございます。\n"
        "お買い物ポイントが通常の1.5倍になります。"]

    for _ in range(4):
        buy(member, "EARBUDS")  # ¥96,000: ¥4,000 short of gold
    follow_ups()
    nudge = "山田花子さん、あと 4,000 円のお買い物でゴールド会員です！"
    assert nudge in texts(hanako.new_messages())


def test_win_back_follows_30_90_and_180_days_of_silence_and_a_purchase_ends_it(
        member_of, buy, clock, follow_ups, worker, session, coupon_definitions):
    hanako, member = member_of()
    buy(member, "CAP")
    hanako.new_messages()

    winback_words = ("お久しぶり", "しばらくお会い", "またお会い")
    sent = []
    for days in (29, 1, 60, 90):  # days 29, 30, 90, 180
        clock.advance(days=days)
        worker.call(daily_sweep)
        follow_ups()
        sent.append([t for t in texts(hanako.new_messages())
                     if any(word in t for word in winback_words)])
    assert sent[0] == []
    assert sent[1] == ["山田花子さん、お久しぶりです。新作が入荷しています。"
                       "ぜひお立ち寄りください。"]
    assert sent[2] == ["山田花子さん、しばらくお会いできていませんね。"
                       "特別なクーポンをご用意しました。"]
    assert len(sent[3]) == 1 and sent[3][0].startswith("山田花子さん、またお会いできる")

    buy(member, "CAP")  # a purchase ends it: nothing more for this period
    clock.advance(days=1)
    worker.call(daily_sweep)
    follow_ups()
    assert session.query(Delivery).filter_by(member_id=member.id, flow="winback").count() == 3


def test_light_members_are_invited_to_upgrade_after_two_purchases_and_only_once(
        member_of, buy, worker, follow_ups, session):
    hanako, member = member_of()
    buy(member, "CAP")
    worker.call(daily_sweep)
    follow_ups()
    assert "upgrade_prompt" not in _flows_sent(session, member.id)

    buy(member, "CAP")
    for _ in range(2):
        worker.call(daily_sweep)
        follow_ups()
    assert _flows_sent(session, member.id).count("upgrade_prompt") == 1


def test_full_members_are_not_invited(member_of, buy, worker, follow_ups, session):
    _, member = member_of()
    member.membership = Membership.FULL
    session.commit()
    buy(member, "CAP")
    buy(member, "CAP")
    worker.call(daily_sweep)
    follow_ups()
    assert "upgrade_prompt" not in _flows_sent(session, member.id)


def test_a_purchase_is_acknowledged_at_once_with_the_points_it_earned(
        member_of, buy, clock, follow_ups):
    hanako, member = member_of()
    clock.set_tokyo(2026, 11, 24, 21, 30)  # even after the shop's quiet hours begin
    buy(member, "EARBUDS")
    follow_ups()
    assert texts(hanako.new_messages()) == [
        "山田花子さん、渋谷店でのお買い上げ（¥12,000）ありがとうございます。\n"
        "今回のポイント：+120 pt\nポイント残高：120 pt"]
