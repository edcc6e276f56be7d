"""Console list filters on enum columns: the right rows, with Japanese labels."""

import json
import re

import pytest

from core.clock import utcnow
from purchases.models import Channel, Purchase, PurchaseStatus


def _filter_groups(client, url):
    """The filter menu as the page offers it: {group label: [{arg, operation, options}]}."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', html, re.S)
    return json.loads(match.group(1))


def _filtered(client, url, group, value):
    """The list page filtered with `group` equals `value`."""
    equals = next(f for f in _filter_groups(client, url)[group] if f["operation"] == "等しい")
    answer = client.get(f"{url}?flt1_{equals['arg']}={value}")
    assert answer.status_code == 200
    return equals["options"], answer.get_data(as_text=True)


@pytest.fixture
def members(make):
    make.member(display_name="ライトさん")
    make.member(display_name="本会員さん", membership="full", rank="gold")
    make.member(display_name="ブロックさん", follow_status="blocked", rank="silver")


@pytest.mark.parametrize("group, value, shown, hidden, labels", [
    ("会員種別", "full", ["本会員さん"], ["ライトさん", "ブロックさん"], ["ライト会員", "本会員"]),
    ("ランク", "silver", ["ブロックさん"], ["ライトさん", "本会員さん"],
     ["レギュラー", "シルバー", "ゴールド"]),
    ("友だち状態", "blocked", ["ブロックさん"], ["ライトさん", "本会員さん"],
     ["友だち", "ブロック中", "退会済み"]),
])
def test_member_filters_return_the_matching_members_under_japanese_labels(
        client, login, members, group, value, shown, hidden, labels):
    login(role="marketer")
    options, html = _filtered(client, "/admin/member/", group, value)
    assert all(name in html for name in shown)
    assert not any(name in html for name in hidden)
    assert [label for _, label in options] == labels


def test_member_list_shows_membership_in_japanese(client, login, members):
    login(role="marketer")
    html = client.get("/admin/member/").get_data(as_text=True)
    assert "本会員" in html and "ゴールド" in html and "ブロック中" in html


@pytest.fixture
def purchases(make, session):
    store = make.store()
    for number, channel, status in [("R-STORE-OK", Channel.STORE, PurchaseStatus.COMPLETED),
                                    ("R-WEB-OK", Channel.ONLINE, PurchaseStatus.COMPLETED),
                                    ("R-STORE-BACK", Channel.STORE, PurchaseStatus.RETURNED)]:
        session.add(Purchase(channel=channel, status=status, store_id=store.id, total=1000,
                             receipt_number=number, purchased_at=utcnow()))
    session.commit()


@pytest.mark.parametrize("group, value, shown, hidden, labels", [
    ("チャネル", "online", ["R-WEB-OK"], ["R-STORE-OK", "R-STORE-BACK"], ["店舗", "オンライン"]),
    ("状態", "returned", ["R-STORE-BACK"], ["R-STORE-OK", "R-WEB-OK"], ["完了", "返品", "取消"]),
])
def test_purchase_filters_return_the_matching_purchases_under_japanese_labels(
        client, login, purchases, group, value, shown, hidden, labels):
    login(role="marketer")
    options, html = _filtered(client, "/admin/purchase/", group, value)
    assert all(number in html for number in shown)
    assert not any(number in html for number in hidden)
    assert [label for _, label in options] == labels


def test_time_filters_take_the_time_typed_as_tokyo_time(client, login, make):
    from datetime import UTC, datetime

    make.member(display_name="朝の会員", joined_at=datetime(2026, 11, 24, 1, 30, tzinfo=UTC))
    login(role="marketer")
    after = next(f for f in _filter_groups(client, "/admin/member/")["登録日時"]
                 if f["operation"] == "より大きい")

    def joined_after(tokyo_time):
        url = f"/admin/member/?flt1_{after['arg']}=2026-11-24 {tokyo_time}"
        return "朝の会員" in client.get(url).get_data(as_text=True)

    assert joined_after("10:00:00")  # joined 10:30 in Tokyo
    assert not joined_after("11:00:00")
