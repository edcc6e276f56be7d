"""A small shop whose dashboard figures are worked out by hand (see the comments), shared by
the figure tests and the dashboard's browser test. Now is 2026-11-24 11:00 JST (the `clock`
fixture's start): the months shown are 2025-12 .. 2026-11.

Members (joined, upgraded, state now) and their completed purchases:
  A  2026-09-05, full 2026-09-15 (10 days)  store ¥10,000 09-10, store ¥5,000 09-25,
                                            online ¥20,000 11-01 (a follow-up 10-28 before it)
  B  2026-09-20, full 2026-10-10 (20 days)  online ¥3,000 10-01, store ¥4,000 11-20
  C  2026-10-03, light, blocked 11-10       store ¥2,000 10-05 (¥9,000 10-06 returned)
  D  2026-10-15, light                      -
  E  2025-06-01, full 2025-07-01            store ¥50,000 2025-06-10, ¥40,000 2025-12-10,
                                            ¥20,000 2026-01-15
  F  2026-11-02, withdrawn 11-20            -
"""

from datetime import datetime
from itertools import count
from zoneinfo import ZoneInfo

from line.models import Delivery
from members.models import FollowStatus, Membership
from purchases.models import Channel, Purchase, PurchaseStatus

TOKYO = ZoneInfo("Asia/Tokyo")
_receipts = count(1)


def jst(*fields) -> datetime:
    return datetime(*fields, tzinfo=TOKYO)


class Shop:
    def __init__(self, session, make):
        self.session, self.make = session, make
        self.shop = make.store(name="渋谷店")
        self.online = make.store(name="オンラインストア", kind="online")
        self.members = {}

    def member(self, name, joined, upgraded=None, **fields):
        member = self.make.member(display_name=f"会員{name}", joined_at=joined,
                                  upgraded_at=upgraded,
                                  membership=Membership.FULL if upgraded else Membership.LIGHT,
                                  **fields)
        self.members[name] = member
        return member

    def buy(self, name, at, total, channel=Channel.STORE, status=PurchaseStatus.COMPLETED):
        store = self.shop if channel == Channel.STORE else self.online
        self.session.add(Purchase(channel=channel, store_id=store.id, total=total,
                                  receipt_number=f"R{next(_receipts)}", status=status,
                                  member_id=self.members[name].id, purchased_at=at))
        self.session.flush()


def seed_shop(session, make) -> Shop:
    shop = Shop(session, make)
    shop.member("A", jst(2026, 9, 5, 12), jst(2026, 9, 15, 12))
    shop.member("B", jst(2026, 9, 20, 12), jst(2026, 10, 10, 12))
    shop.member("C", jst(2026, 10, 3, 12), follow_status=FollowStatus.BLOCKED,
                blocked_at=jst(2026, 11, 10, 12))
    shop.member("D", jst(2026, 10, 15, 12))
    shop.member("E", jst(2025, 6, 1, 12), jst(2025, 7, 1, 12))
    shop.member("F", jst(2026, 11, 2, 12), follow_status=FollowStatus.WITHDRAWN,
                withdrawn_at=jst(2026, 11, 20, 12), line_user_id=None)
    shop.buy("A", jst(2026, 9, 10, 15), 10_000)
    shop.buy("A", jst(2026, 9, 25, 15), 5_000)
    shop.buy("A", jst(2026, 11, 1, 15), 20_000, Channel.ONLINE)
    shop.buy("B", jst(2026, 10, 1, 15), 3_000, Channel.ONLINE)
    shop.buy("B", jst(2026, 11, 20, 15), 4_000)
    shop.buy("C", jst(2026, 10, 5, 15), 2_000)
    shop.buy("C", jst(2026, 10, 6, 15), 9_000, status=PurchaseStatus.RETURNED)
    shop.buy("E", jst(2025, 6, 10, 15), 50_000)
    shop.buy("E", jst(2025, 12, 10, 15), 40_000)
    shop.buy("E", jst(2026, 1, 15, 15), 20_000)
    # A follow-up to A, tapped, and A's online purchase 4 days later within its 7-day window.
    session.add(Delivery(delivery_key="after_purchase:member:A", flow="after_purchase",
                         member_id=shop.members["A"].id, retry_key="rk-dashboard-a",
                         status="sent", sent_at=jst(2026, 10, 28, 12),
                         clicked_at=jst(2026, 10, 28, 13)))
    session.commit()
    return shop
