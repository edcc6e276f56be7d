"""Scanning at the till: card codes and coupons tell the register who the shopper is."""

from datetime import timedelta

from core import clock
from core.clock import utcnow
from members.cards import rotating_code
from members.models import FollowStatus, Membership
from tests.pos.helpers import card_member, coupon_for


def test_static_card_shows_rank_points_name_and_usable_coupons(api, session, member):
    coupon = coupon_for(session, member, value=500)
    answer = api.scan(member.member_number)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["kind"] == "static"
    assert body["member"] == {"member_number": member.member_number, "name": "やまだ",
                              "membership": "light", "rank": "regular", "points_balance": 0}
    assert [(c["code"], c["discount_value"]) for c in body["coupons"]] == [(coupon.code, 500)]
    assert body["member_token"]


def test_full_members_show_their_full_name_light_members_only_their_display_name(api, make):
    full = card_member(make, display_name="hana", full_name="山田花子",
                       membership=Membership.FULL)
    light = card_member(make, display_name="taro", full_name="山田太郎")
    assert api.scan(full.member_number).get_json()["member"]["name"] == "山田花子"
    assert api.scan(light.member_number).get_json()["member"]["name"] == "taro"


def test_rotating_code_works_once(api, member):
    code = rotating_code(member)
    first = api.scan(code)
    assert (first.status_code, first.get_json()["kind"]) == (200, "rotating")
    replay = api.scan(code)
    assert replay.status_code == 422
    assert replay.get_json()["error"]["code"] == "replayed_code"


def test_a_screenshot_of_an_old_rotating_code_is_stale(api, member):
    old = rotating_code(member, at=utcnow() - timedelta(minutes=5))
    answer = api.scan(old)
    assert answer.get_json()["error"]["code"] == "stale_code"


def test_store_that_refuses_static_codes_says_so(api, session, shop, member):
    shop.accepts_static_code = False
    session.commit()
    answer = api.scan(member.member_number)
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "static_code_not_accepted"
    assert api.scan(rotating_code(member)).status_code == 200


def test_withdrawn_member_and_unknown_codes_are_refused_not_crashed(api, session, member):
    member.follow_status = FollowStatus.WITHDRAWN
    session.commit()
    assert api.scan(member.member_number).get_json()["error"]["code"] == "member_unavailable"
    assert api.scan("2900000000000").get_json()["error"]["code"] == "unknown_code"
    assert api.scan("hello").status_code == 404
    assert api.scan("CAAAAAAAAAAA").get_json()["error"]["code"] == "coupon_unknown"


def test_scanning_a_coupon_identifies_its_member(api, session, member):
    coupon = coupon_for(session, member)
    body = api.scan(coupon.code).get_json()
    assert body["kind"] == "coupon"
    assert body["scanned_coupon"] == coupon.code
    assert body["member"]["member_number"] == member.member_number


def test_expired_and_used_coupons_are_refused(api, session, member):
    expired = coupon_for(session, member, expires_in=timedelta(days=1))
    used = coupon_for(session, member)
    used.redeemed_at = utcnow()
    session.commit()
    later = utcnow() + timedelta(days=2)
    clock.set_now_source(lambda: later)
    assert api.scan(expired.code).get_json()["error"]["code"] == "coupon_expired"
    assert api.scan(used.code).get_json()["error"]["code"] == "coupon_used"


def test_malformed_scan_request_is_a_400(api):
    assert api.call("POST", "/api/v1/scan", data="{not json").status_code == 400
    assert api.call("POST", "/api/v1/scan", json={"kode": "x"}).status_code == 400
