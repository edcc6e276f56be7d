"""What a shopper hears after a purchase: the receipt first (before any rank-up news), and
recommendations that leave out what they already bought, in a shop or online."""


from catalog.models import StoreKind
from tests.support.chat import flex_texts, texts


def test_the_receipt_arrives_before_the_rank_up_it_caused(member_of, buy, clock, follow_ups):
    hanako, member = member_of()
    hanako.new_messages()

    buy(member, "EARBUDS", "EARBUDS", "EARBUDS")  # ¥36,000 at once: silver
    follow_ups()
    clock.advance(minutes=1)
    follow_ups()

    received = texts(hanako.new_messages())
    receipt = next(i for i, text in enumerate(received) if "お買い上げ" in text)
    rank_up = next(i for i, text in enumerate(received) if "ランクアップしました" in text)
    assert receipt < rank_up


def test_what_the_member_bought_online_days_ago_is_not_recommended(
        member_of, buy, clock, follow_ups, make):
    hanako, member = member_of()
    _, other = member_of("他のお客様")
    for basket in [("TEE", "CHINO"), ("TEE", "CHINO"), ("TEE", "CAP")]:
        buy(other, *basket)  # チノパン is what goes with a Tシャツ most
    online = make.store(kind=StoreKind.ONLINE, code="ONLINE", name="オンラインストア")
    clock.advance(days=-3)
    buy(member, "CHINO", store=online)  # ... but she bought one online three days ago
    clock.advance(days=3)
    buy(member, "TEE")
    follow_ups()
    hanako.new_messages()

    clock.advance(minutes=60)
    follow_ups()

    [carousel] = [m for m in hanako.new_messages() if m.get("altText") == "おすすめの商品"]
    names = [t for t in flex_texts(carousel) if not t.startswith("¥")]
    assert "チノパン" not in names and "Tシャツ" not in names
    assert names[0] == "キャップ"
