"""`flask demo seed`: stores, registers, products, stock, coupons, chat auto-replies and the
demo admin.

Idempotent: running it again adds nothing twice.
"""

import os

import click
from flask.cli import AppGroup
from sqlalchemy import select

from admin import users
from admin.models import Role
from catalog.models import Product, Stock, Store, StoreKind
from conversations import auto_replies
from conversations.models import AutoReply
from core.extensions import db
from coupons.models import CouponDefinition, DiscountType
from pos.models import Register

demo_cli = AppGroup("demo", help="Demo data.")

STORES = [("SHIBUYA", "渋谷店", StoreKind.SHOP), ("UMEDA", "梅田店", StoreKind.SHOP),
          ("ONLINE", "オンラインストア", StoreKind.ONLINE)]
PRODUCTS = [
    # sku, jan, name, category, price, warranty months
    ("TS-001", "4901234567894", "オーガニックコットンTシャツ", "tops", 2990, 0),
    ("TS-002", "4901234567801", "リネンシャツ", "tops", 5990, 0),
    ("PT-001", "4901234567818", "ストレッチチノパンツ", "bottoms", 4990, 0),
    ("JK-001", "4901234567825", "ライトダウンジャケット", "outer", 8990, 0),
    ("SN-001", "4901234567832", "キャンバススニーカー", "shoes", 6990, 0),
    ("EP-001", "4901234567849", "ワイヤレスイヤホン", "audio", 12800, 12),
    ("SP-001", "4901234567856", "ポータブルスピーカー", "audio", 9800, 12),
    ("CB-001", "4901234567863", "USB-C充電ケーブル", "accessories", 1480, 6),
    ("PB-001", "4901234567870", "モバイルバッテリー", "accessories", 3980, 12),
    ("SW-001", "4901234567887", "スマートウォッチ", "wearables", 24800, 24),
]
COUPONS = [
    ("WELCOME", "友だち追加ありがとうクーポン", "welcome", DiscountType.AMOUNT, 500, 3000, 30),
    ("SECOND", "2回目のお買い物クーポン", "f2", DiscountType.PERCENT, 10, 0, 14),
    ("BIRTHDAY", "お誕生日クーポン", "birthday", DiscountType.AMOUNT, 1000, 3000, 31),
]
AUTO_REPLIES = [
    ("営業時間", "各店舗の営業時間は10:00〜20:00です"
                 "（オンラインストアは24時間ご利用いただけます）。"),
    ("駐車場", "渋谷店・梅田店ともに提携駐車場があります。2,000円以上のお買い物で2時間無料です。"),
]


@demo_cli.command("seed")
def seed():
    """Load demo data (idempotent)."""
    stores = {code: _get_or_create(Store, code=code, name=name, kind=kind)
              for code, name, kind in STORES}
    db.session.flush()
    for store in stores.values():
        if store.kind == StoreKind.SHOP:
            _get_or_create(Register, store_id=store.id, code="R1", name="1番レジ")
    public = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    for sku, jan, name, category, price, warranty in PRODUCTS:
        product = _get_or_create(Product, sku=sku, jan=jan, name=name, category=category,
                                 price=price, warranty_months=warranty)
        # Tiles drawn for the demo (static/demo), and an online shop that is only an example.
        product.image_url = f"{public}/static/demo/{sku}.png"
        product.online_url = f"https://shop.example.jp/products/{sku}"
        db.session.flush()
        for store in stores.values():
            _get_or_create(Stock, store_id=store.id, product_id=product.id, quantity=20)
    for code, name, purpose, kind, value, minimum, days in COUPONS:
        _get_or_create(CouponDefinition, code=code, name=name, purpose=purpose,
                       discount_type=kind, discount_value=value, minimum_spend=minimum,
                       valid_days=days)
    _ensure_auto_replies()
    _ensure_demo_admin()
    _ensure_demo_cashier(stores["SHIBUYA"])
    db.session.commit()
    click.echo("demo data ready")


def _get_or_create(model, **fields):
    keys = {k: fields[k] for k in _natural_key(model)}
    row = db.session.scalar(select(model).filter_by(**keys))
    if row is None:
        row = model(**fields)
        db.session.add(row)
    return row


def _natural_key(model):
    return {Store: ("code",), Register: ("store_id", "code"), Product: ("sku",),
            Stock: ("store_id", "product_id"), CouponDefinition: ("code",)}[model]


def _ensure_auto_replies():
    for keyword, answer in AUTO_REPLIES:
        if db.session.scalar(select(AutoReply.id).where(AutoReply.keyword == keyword)) is None:
            auto_replies.save(keyword=keyword, answer=answer)


def _ensure_demo_admin():
    if users.get_by_email(email="admin@example.com") is None:
        users.create(email="admin@example.com", password=os.environ["CONSOLE_PASSWORD"],
                     role=Role.ADMIN)


def _ensure_demo_cashier(store):
    # The register page (/pos/) of 渋谷店; its API key comes from `flask pos issue-key`.
    if users.get_by_email(email="cashier@example.com") is None:
        users.create(email="cashier@example.com", password=os.environ["CONSOLE_PASSWORD"],
                     role=Role.CASHIER, store_id=store.id)
