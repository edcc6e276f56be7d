"""The member page (会員カルテ) shows every record of one member, in Japanese, and the lists of
purchases, coupons and deliveries name members and filter by them."""

import re
from datetime import timedelta

from purchases.models import Purchase
from purchases.warranty import warranty_end
from tests.admin.karte_seed import seed_karte


def _page(client, member):
    answer = client.get(f"/admin/member/details/?id={member.id}")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def _section(html, name):
    match = re.search(rf'<section id="{name}".*?</section>', html, re.S)
    assert match, f"no section {name}"
    return match.group(0)


def test_the_member_page_shows_every_section_of_a_member(client, login, session, make, clock):
    karte = seed_karte(session, make, clock.now)
    login(role="marketer")

    html = _page(client, karte.member)

    card = _section(html, "card")
    assert karte.member.member_number in card
    for shown in ("本会員", "友だち", "レギュラー", "山田花子"):
        assert shown in card
    purchases = _section(html, "purchases")
    assert purchases.index("ORD-2002") < purchases.index("R-1001")  # newest first
    for shown in ("電気ケトル", "ウールソックス", "マグカップ", "¥15,800", "¥2,200", "オンライン",
                  "店舗"):
        assert shown in purchases
    points = _section(html, "points")
    assert "+158 pt" in points and "+22 pt" in points and "購入で付与" in points
    coupons = _section(html, "coupons")
    for code, state in (("CP-USABLE", "利用可能"), ("CP-USED", "利用済み"),
                        ("CP-EXPIRED", "期限切れ")):
        assert re.search(rf"{code}</td><td>{state}<", coupons), code
    messages = _section(html, "messages")
    for shown in ("店舗購入後のおすすめ", "チャットの返信", "冬のセールのお知らせ（A）", "一斉配信",
                  "送信済み"):
        assert shown in messages
    assert len(re.findall(r'data-testid="message"', messages)) == 3
    consents = _section(html, "consents")
    for kind in ("会員規約", "プライバシーポリシー", "お知らせ配信"):
        assert kind in consents
    assert karte.member.consents[0].text_version in consents
    assert "マグカップ" in _section(html, "restock")
    ends = warranty_end(clock.now - timedelta(days=20), 12)
    warranties = _section(html, "warranties")
    assert "電気ケトル" in warranties and ends.strftime("%Y年%m月%d日") in warranties
    assert "ウールソックス" not in warranties


def test_times_on_the_member_page_are_jst_without_microseconds(client, login, session, make,
                                                                clock):
    clock.set_tokyo(2026, 11, 24, 23, 45)  # still the 24th in Tokyo, the 24th 14:45 in UTC
    karte = seed_karte(session, make, clock.now)
    login(role="marketer")

    html = _page(client, karte.member)

    assert "<th>登録日時</th><td>2026-11-24 23:45</td>" in _section(html, "card")
    assert "2026-11-19 23:45" in _section(html, "purchases")  # the online order, 5 days before
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+", html)


def test_an_empty_member_page_says_what_is_missing(client, login, session, make):
    member = make.member()
    login(role="marketer")

    html = _page(client, member)

    for empty in ("購買はまだありません", "ポイントの増減はまだありません",
                  "発行されたクーポンはありません", "送ったメッセージはまだありません",
                  "同意の記録はありません", "再入荷のお知らせ希望はありません",
                  "保証のある商品の購入はありません"):
        assert empty in html


def test_lists_name_the_member_and_link_to_the_member_page(client, login, session, make, clock):
    karte = seed_karte(session, make, clock.now)
    login(role="marketer")
    link = f'href="/admin/member/details/?id={karte.member.id}">山田花子</a>'

    for url in ("/admin/purchase/", "/admin/issuedcoupon/", "/admin/delivery/"):
        html = client.get(url).get_data(as_text=True)
        assert link in html, url
        assert "会員ID" not in html


def test_lists_filter_by_member_from_the_member_page(client, login, session, make, clock):
    karte = seed_karte(session, make, clock.now)
    other = make.member(display_name="佐藤一郎")
    seed_other_purchase(session, make, other, clock.now)
    login(role="marketer")
    links = re.findall(r'href="([^"]+)">[^<]*この会員を絞り込む', _page(client, karte.member))
    assert len(links) == 3

    for link in links:
        html = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
        assert "山田花子" in html and "佐藤一郎" not in html
    purchases = client.get("/admin/purchase/").get_data(as_text=True)
    assert "佐藤一郎" in purchases


def seed_other_purchase(session, make, member, now):
    store = make.store()
    session.add(Purchase(channel="store", store_id=store.id, receipt_number="OTHER-1",
                         member_id=member.id, purchased_at=now, total=100))
    session.commit()
