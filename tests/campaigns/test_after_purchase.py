"""Flow: product recommendations an hour after a store purchase."""

from campaigns.models import DeliveryClick
from catalog.models import Stock
from line.models import Delivery
from tests.support.chat import actions, fetch, flex_texts


def _history(buy, member_of, together):
    """Other shoppers' baskets: what is bought together."""
    _, other = member_of("他のお客様")
    for basket in together:
        buy(other, *basket)


def test_an_hour_after_a_store_purchase_recommends_what_goes_with_it(
        member_of, buy, clock, follow_ups, session, client):
    hanako, member = member_of()
    _history(buy, member_of, [("TEE", "CHINO"), ("TEE", "CHINO"), ("TEE", "CAP")])
    buy(member, "TEE")
    follow_ups()  # the receipt comes at once
    assert "+30 pt" in hanako.new_messages()[0]["text"]

    clock.advance(minutes=59)
    follow_ups()
    assert hanako.new_messages() == []

    clock.advance(minutes=1)
    follow_ups()
    intro, carousel = hanako.new_messages()

    assert intro["text"].startswith("山田花子さん、本日はご来店ありがとうございました")
    names = [t for t in flex_texts(carousel) if not t.startswith("¥")]
    assert names[:2] == ["チノパン", "キャップ"]  # most often bought with a Tシャツ first
    assert "Tシャツ" not in names  # never what was just bought
    link = next(a["uri"] for a in actions(carousel) if a["type"] == "uri")
    answer = fetch(client, link)
    assert answer.status_code == 302
    assert answer.location == "https://shop.example/CHINO"
    assert session.query(DeliveryClick).count() == 1


def test_out_of_stock_products_are_never_recommended(member_of, buy, clock, follow_ups, session,
                                                      products):
    hanako, member = member_of()
    _history(buy, member_of, [("TEE", "CHINO")])
    session.query(Stock).filter_by(product_id=products["CHINO"].id).update({"quantity": 0})
    session.commit()
    buy(member, "TEE")
    follow_ups()  # the receipt comes at once
    assert "+30 pt" in hanako.new_messages()[0]["text"]

    clock.advance(minutes=60)
    follow_ups()

    names = flex_texts(hanako.new_messages()[1])
    assert "チノパン" not in names
    assert "シャツ" in names  # category best-seller fills in


def test_it_is_sent_once_even_if_the_sweep_and_the_worker_run_again(
        member_of, buy, clock, follow_ups, linesim, session):
    hanako, member = member_of()
    _history(buy, member_of, [("TEE", "CHINO")])
    buy(member, "TEE")
    clock.advance(minutes=60)
    for _ in range(3):
        follow_ups()

    sent = session.query(Delivery).filter_by(flow="after_purchase", member_id=member.id).all()
    assert [d.status for d in sent] == ["sent"]
    pushes = [c for c in linesim.calls(path_prefix="/v2/bot/message/push")
              if c["body"]["to"] == hanako.user_id]
    carousels = [c for c in pushes if any(m["type"] == "flex" for m in c["body"]["messages"])]
    assert len(carousels) == 1


def test_a_purchase_late_in_the_evening_waits_for_the_morning(
        member_of, buy, clock, follow_ups, session):
    hanako, member = member_of()
    _history(buy, member_of, [("TEE", "CHINO")])
    clock.set_tokyo(2026, 11, 24, 20, 30)
    buy(member, "TEE")
    follow_ups()  # the receipt comes at once
    assert "+30 pt" in hanako.new_messages()[0]["text"]

    clock.set_tokyo(2026, 11, 24, 21, 31)
    follow_ups()
    assert hanako.new_messages() == []

    clock.set_tokyo(2026, 11, 25, 9, 0)
    follow_ups()
    assert len(hanako.new_messages()) == 2
