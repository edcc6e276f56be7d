"""Fifty registers redeem one coupon at the same moment, over real HTTP: exactly one wins."""

import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import select

from coupons.models import IssuedCoupon
from members.models import Member, PointEntry
from purchases.models import Purchase
from tests.pos.helpers import count, coupon_for, fresh, receipt

ATTEMPTS = 50


def test_fifty_concurrent_redemptions_of_one_coupon_give_one_success(
        live_server, session, register_and_key, tee, member):
    coupon = coupon_for(session, member, value=500)
    headers = {"Authorization": f"Bearer {register_and_key[1]}"}
    scanned = requests.post(f"{live_server.url}/api/v1/scan", json={"code": coupon.code},
                            headers=headers, timeout=30).json()
    start = threading.Barrier(ATTEMPTS)

    def attempt(n):
        body = receipt(f"R-{n}", member_token=scanned["member_token"], total=5500,
                       coupon_codes=[coupon.code])
        start.wait()
        answer = requests.post(f"{live_server.url}/api/v1/purchases", json=body,
                               headers=headers, timeout=60)
        return answer.status_code, answer.json()["error"]["code"] if answer.ok is False else None

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        results = list(pool.map(attempt, range(ATTEMPTS)))
    assert sorted(results, key=str) == [(200, None)] + [(422, "coupon_used")] * (ATTEMPTS - 1)
    assert count(session, Purchase) == 1 and count(session, PointEntry) == 1
    winner = session.scalar(select(Purchase))
    assert fresh(session, IssuedCoupon, coupon.id).redeemed_purchase_id == winner.id
    assert fresh(session, Member, member.id).points_balance == 55


def test_one_receipt_sent_by_ten_threads_at_once_is_stored_once(
        live_server, session, register_and_key, tee, member):
    headers = {"Authorization": f"Bearer {register_and_key[1]}"}
    body = receipt("R-SAME", member_number=member.member_number)
    start = threading.Barrier(10)

    def send(_):
        start.wait()
        answer = requests.post(f"{live_server.url}/api/v1/purchases", json=body,
                               headers=headers, timeout=60)
        return answer.status_code, answer.json()["purchase_id"]

    with ThreadPoolExecutor(10) as pool:
        results = set(pool.map(send, range(10)))
    assert len(results) == 1 and next(iter(results))[0] == 200
    assert count(session, Purchase) == 1 and count(session, PointEntry) == 1
