"""A seeded broadcast A/B test with a holdout, and follow-up deliveries, whose results are
worked out by hand (see the comment on each purchase): shared by the attribution tests and
the console's results pages."""

from datetime import UTC, datetime, timedelta

from campaigns.models import Broadcast, BroadcastRecipient, BroadcastVariant
from coupons.models import CouponDefinition, DiscountType, IssuedCoupon
from line.models import Delivery, MulticastBatch
from purchases.models import Channel, Purchase, PurchaseStatus

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # the broadcast started (10:00 JST)
A_SENT = T0 + timedelta(hours=1)
B_SENT = T0 + timedelta(hours=2)
DAY = timedelta(days=1)


class Seed:
    """Rows for attribution tests, written straight to the tables the engine writes."""

    def __init__(self, session, make):
        self.session, self.make = session, make
        self.store = make.store()
        self.receipts = 0
        self.coupon_definition = None

    def add(self, row):
        self.session.add(row)
        self.session.flush()
        return row

    def broadcast(self, labels=("A", "B"), **fields):
        broadcast = self.add(Broadcast(**{"name": "冬のセール", "status": "completed",
                                          "started_at": T0, "frozen_at": T0 - timedelta(hours=1),
                                          "attribution_days": 7, "holdout_percent": 20,
                                          **fields}))
        variants = {label: self.add(BroadcastVariant(broadcast_id=broadcast.id, label=label,
                                                     content=[{"type": "text", "text": label}]))
                    for label in labels}
        return broadcast, variants

    def batch(self, broadcast, status="sent", sent_at=None):
        n = self.session.query(MulticastBatch).count()
        return self.add(MulticastBatch(source=f"broadcast:{broadcast.id}", retry_key=f"rk-{n}",
                                       to=[], messages=[], status=status, sent_at=sent_at))

    def recipient(self, broadcast, variant=None, batch=None, status=None, reason=None,
                  coupon=None):
        member = self.make.member()
        status = status or ("batched" if batch else "held_out" if variant is None else "pending")
        self.add(BroadcastRecipient(broadcast_id=broadcast.id, member_id=member.id,
                                    variant_id=variant.id if variant else None,
                                    holdout=variant is None, status=status, skip_reason=reason,
                                    batch_id=batch.id if batch else None,
                                    issued_coupon_id=coupon(member).id if coupon else None))
        return member

    def coupon(self, redeemed_at=None):
        def issue(member):
            if self.coupon_definition is None:
                self.coupon_definition = self.add(CouponDefinition(
                    code="WINTER", name="冬の500円引き", discount_type=DiscountType.AMOUNT,
                    discount_value=500))
            return self.add(IssuedCoupon(definition_id=self.coupon_definition.id,
                                         member_id=member.id, code=f"C{member.id:06d}",
                                         issue_key=f"broadcast:member:{member.id}",
                                         issued_at=T0, expires_at=T0 + 30 * DAY,
                                         redeemed_at=redeemed_at))
        return issue

    def purchase(self, member, at, total, channel=Channel.STORE,
                 status=PurchaseStatus.COMPLETED):
        self.receipts += 1
        return self.add(Purchase(channel=channel, store_id=self.store.id,
                                 receipt_number=f"R{self.receipts:05d}",
                                 member_id=member.id if member else None, purchased_at=at,
                                 total=total, status=status))

    def delivery(self, member, flow, sent_at, status="sent"):
        n = self.session.query(Delivery).count()
        return self.add(Delivery(delivery_key=f"{flow}:{n}", retry_key=f"d-{n}", flow=flow,
                                 member_id=member.id, status=status, sent_at=sent_at,
                                 promotional=True))


def seed_ab_test(seed: Seed, session) -> Broadcast:
    """Variant A (5 drawn, 3 delivered), B (2 drawn, 1 delivered, 1 failed), holdout of 4."""
    broadcast, v = seed.broadcast()
    v["A"].clicks = 3  # taps on A's product links
    batch_a = seed.batch(broadcast, sent_at=A_SENT)
    batch_b = seed.batch(broadcast, sent_at=B_SENT)
    batch_b_failed = seed.batch(broadcast, status="failed")

    a1 = seed.recipient(broadcast, v["A"], batch_a)
    seed.purchase(a1, A_SENT + DAY, 3000)  # in
    seed.purchase(a1, T0 + 2 * DAY, 2000, Channel.ONLINE)  # in
    seed.purchase(a1, T0 + timedelta(minutes=30), 9999)  # before its message: out
    seed.purchase(a1, A_SENT + 7 * DAY + timedelta(minutes=1), 5000)  # after the window: out
    a2 = seed.recipient(broadcast, v["A"], batch_a, coupon=seed.coupon(redeemed_at=T0 + 6 * DAY))
    seed.purchase(a2, T0 + 6 * DAY, 4000, Channel.ONLINE)  # in (used the coupon)
    seed.purchase(a2, T0 + 3 * DAY, 8000, status=PurchaseStatus.RETURNED)  # returned: out
    seed.recipient(broadcast, v["A"], batch_a, coupon=seed.coupon())  # bought nothing
    a4 = seed.recipient(broadcast, v["A"], status="skipped", reason="blocked")
    seed.purchase(a4, T0 + 3 * DAY, 1000)  # drawn for A: measured from the start, in
    seed.recipient(broadcast, v["A"], status="skipped", reason="cap")

    b1 = seed.recipient(broadcast, v["B"], batch_b)
    seed.purchase(b1, B_SENT + 7 * DAY - timedelta(minutes=1), 6000)  # last minute: in
    seed.purchase(b1, B_SENT + 7 * DAY, 7000)  # the window is half-open: out
    seed.recipient(broadcast, v["B"], batch_b_failed)

    h1 = seed.recipient(broadcast)
    seed.purchase(h1, T0 + DAY, 2500)  # in
    h2 = seed.recipient(broadcast)
    seed.purchase(h2, T0 - timedelta(hours=1), 3300)  # before the start: out
    seed.recipient(broadcast)
    h4 = seed.recipient(broadcast)
    seed.purchase(h4, T0 + 6 * DAY, 1500, Channel.ONLINE)  # in

    outsider = seed.make.member()
    seed.purchase(outsider, T0 + DAY, 50000)  # not in the broadcast
    seed.purchase(None, T0 + DAY, 40000)  # no member
    session.commit()
    return broadcast
