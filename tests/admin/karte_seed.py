"""A member with something in every section of the member page (会員カルテ), made through the
domain services where they exist: a store sale and an online order with lines (one with a
warranty), points, three coupons (usable, used, expired), a follow-up that was clicked, a chat
reply, a broadcast receipt that was clicked, consents from the full-member form and a restock
request. Shared by the member page tests and the export tests."""

from dataclasses import dataclass
from datetime import timedelta

from campaigns.models import Broadcast, BroadcastRecipient, BroadcastVariant, DeliveryClick
from catalog.models import Product, StoreKind
from catalog.restock import request_notice
from coupons.models import CouponDefinition, DiscountType, IssuedCoupon
from line.models import Delivery, MulticastBatch
from members.service import upgrade_to_full
from purchases.models import Channel
from purchases.receipts import LineInput, Receipt
from purchases.service import record_purchase


@dataclass
class Karte:
    member: object
    store_receipt: str
    online_order: str
    coupons: dict  # state -> code
    broadcast_name: str


def _sale(store, number, at, lines, channel, member):
    receipt = Receipt(receipt_number=number, purchased_at=at,
                      lines=[LineInput(code=sku, quantity=q, unit_price=p) for sku, q, p in lines],
                      total=sum(q * p for _, q, p in lines), fingerprint=number)
    return record_purchase(store=store, receipt=receipt, member=member, channel=channel,
                           notify=False)


def _coupon(session, definition, member, code, issued_at, expires_at, redeemed_at=None):
    session.add(IssuedCoupon(definition_id=definition.id, member_id=member.id, code=code,
                             issue_key=f"karte:{code}", issued_at=issued_at,
                             expires_at=expires_at, redeemed_at=redeemed_at))


def seed_karte(session, make, now) -> Karte:
    member = make.member(display_name="山田花子")
    upgrade_to_full(member=member, full_name="山田 花子", email="hanako@example.com",
                    birthday=None, phone="09012345678", marketing_consent=True,
                    full_name_kana="ヤマダ ハナコ")
    shop = make.store(name="渋谷店")
    online = make.store(name="オンラインストア", kind=StoreKind.ONLINE)
    make.product(sku="KETTLE-1", name="電気ケトル", price=12800, warranty_months=12)
    make.product(sku="SOCKS-1", name="ウールソックス", price=1500)
    make.product(sku="MUG-1", name="マグカップ", price=2200)
    session.commit()
    _sale(shop, "R-1001", now - timedelta(days=20), [("KETTLE-1", 1, 12800), ("SOCKS-1", 2, 1500)],
          Channel.STORE, member)
    _sale(online, "ORD-2002", now - timedelta(days=5), [("MUG-1", 1, 2200)], Channel.ONLINE,
          member)
    request_notice(member_id=member.id, product_id=_product_id(session, "MUG-1"))

    definition = CouponDefinition(code="THANKS", name="感謝の500円引き",
                                  discount_type=DiscountType.AMOUNT, discount_value=500)
    session.add(definition)
    session.flush()
    _coupon(session, definition, member, "CP-USABLE", now - timedelta(days=1),
            now + timedelta(days=29))
    _coupon(session, definition, member, "CP-USED", now - timedelta(days=10),
            now + timedelta(days=20), redeemed_at=now - timedelta(days=5))
    _coupon(session, definition, member, "CP-EXPIRED", now - timedelta(days=60),
            now - timedelta(days=30))

    follow_up = Delivery(delivery_key=f"after_purchase:member:{member.id}", retry_key="karte-1",
                         member_id=member.id, flow="after_purchase", status="sent",
                         sent_at=now - timedelta(days=19), clicked_at=now - timedelta(days=18))
    reply = Delivery(delivery_key=f"chat:karte:{member.id}", retry_key="karte-2",
                     member_id=member.id, flow="chat", channel="reply", status="sent",
                     sent_at=now - timedelta(days=2))
    session.add_all([follow_up, reply])
    session.flush()
    session.add(DeliveryClick(delivery_id=follow_up.id, clicked_at=now - timedelta(days=18)))
    broadcast = Broadcast(name="冬のセールのお知らせ", status="completed",
                          started_at=now - timedelta(days=3))
    session.add(broadcast)
    session.flush()
    variant = BroadcastVariant(broadcast_id=broadcast.id, label="A",
                               content=[{"type": "text", "text": "冬のセール"}])
    batch = MulticastBatch(source=f"broadcast:{broadcast.id}", retry_key="karte-batch",
                           to=[member.line_user_id], messages=[], status="sent",
                           sent_at=now - timedelta(days=3))
    session.add_all([variant, batch])
    session.flush()
    session.add(BroadcastRecipient(broadcast_id=broadcast.id, member_id=member.id,
                                   variant_id=variant.id, status="batched", batch_id=batch.id,
                                   clicked_at=now - timedelta(days=3, hours=-1)))
    session.commit()
    return Karte(member=member, store_receipt="R-1001", online_order="ORD-2002",
                 coupons={"usable": "CP-USABLE", "used": "CP-USED", "expired": "CP-EXPIRED"},
                 broadcast_name="冬のセールのお知らせ")


def _product_id(session, sku):
    return session.query(Product).filter_by(sku=sku).one().id
