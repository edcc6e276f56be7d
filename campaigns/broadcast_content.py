"""What a broadcast says: the marketer's content per variant (text, image, products), checked
when the draft is saved and built into LINE messages when a batch is formed. A multicast is one
message for all its recipients, so nothing in it is personal: product links are tracked per
variant, and a coupon is each recipient's own but only announced (it waits in their クーポン)."""

from sqlalchemy import select

from campaigns.content import PLACEHOLDER_IMAGE
from campaigns.links import broadcast_tracked_url
from catalog.links import is_safe_shop_link
from catalog.models import Product
from core.extensions import db
from core.signing import public_url
from line import messages

MAX_VARIANTS = 3
MAX_MESSAGES = 5  # LINE's limit per request
MAX_TEXT = 5000
MAX_PRODUCTS = 10  # LINE allows 12 bubbles per carousel
LABELS = "ABC"
COUPON_NOTICE = ("🎁 クーポンをお届けしました。トークの「クーポン」からご確認ください。"
                 "（お一人さま1回限り）")


def check_variants(variants, *, with_coupon: bool) -> list[str]:
    """Problems with the variants' content (Japanese), or an empty list."""
    if not isinstance(variants, list) or not 1 <= len(variants) <= MAX_VARIANTS:
        return [f"メッセージは1〜{MAX_VARIANTS}パターン（A/B/C）で作成してください。"]
    room = MAX_MESSAGES - (1 if with_coupon else 0)
    problems = []
    for label, content in zip(LABELS, variants, strict=False):
        problems += [f"パターン{label}: {p}" for p in _check_content(content, room, with_coupon)]
    return problems


def _check_content(content, room: int, with_coupon: bool) -> list[str]:
    if not isinstance(content, list) or not 1 <= len(content) <= room:
        note = "（クーポンのお知らせが1件加わります）" if with_coupon else ""
        return [f"メッセージは1〜{room}件にしてください{note}。"]
    return [problem for item in content for problem in _check_item(item)]


def _check_item(item) -> list[str]:
    kind = item.get("type") if isinstance(item, dict) else None
    if kind == "text":
        body = item.get("text")
        if not isinstance(body, str) or not body.strip():
            return ["テキストが空です。"]
        return [] if len(body) <= MAX_TEXT else [f"テキストは{MAX_TEXT:,}文字以内にしてください。"]
    if kind == "image":
        url = item.get("url")
        return [] if isinstance(url, str) and url.startswith("https://") \
            else ["画像のURLは https:// で始まるものを指定してください。"]
    if kind == "products":
        return _check_products(item.get("product_ids"))
    return ["メッセージの種類はテキスト・画像・商品のいずれかです。"]


def _check_products(ids) -> list[str]:
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_PRODUCTS \
            or not all(isinstance(i, int) for i in ids):
        return [f"商品は1〜{MAX_PRODUCTS}点選んでください。"]
    found = set(db.session.scalars(select(Product.id).where(
        Product.id.in_(ids), Product.active.is_(True))))
    missing = [i for i in ids if i not in found]
    if missing:
        return [f"商品（ID {', '.join(map(str, missing))}）が見つからないか販売終了です。"]
    return []


def build(variant, *, with_coupon: bool, test: bool = False) -> list[dict]:
    """The variant's LINE messages (the same for every recipient drawn for it)."""
    built = [_message(item, variant.id, test) for item in variant.content]
    if with_coupon:
        built.append(messages.text(COUPON_NOTICE, with_menu=False))
    return built


def _message(item: dict, variant_id: int, test: bool) -> dict:
    if item["type"] == "text":
        return messages.text(item["text"], with_menu=False)
    if item["type"] == "image":
        return {"type": "image", "originalContentUrl": item["url"], "previewImageUrl": item["url"]}
    products = db.session.scalars(select(Product).where(Product.id.in_(item["product_ids"]))).all()
    ordered = sorted(products, key=lambda p: item["product_ids"].index(p.id))
    bubbles = [_product_bubble(p, variant_id, test) for p in ordered]
    return {"type": "flex", "altText": "おすすめの商品",
            "contents": {"type": "carousel", "contents": bubbles}}


def _product_bubble(product: Product, variant_id: int, test: bool) -> dict:
    bubble = {"type": "bubble", "size": "kilo",
              "hero": {"type": "image", "url": product.image_url or public_url(PLACEHOLDER_IMAGE),
                       "size": "full", "aspectRatio": "1:1", "aspectMode": "cover"},
              "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
                  {"type": "text", "text": product.name, "weight": "bold", "wrap": True},
                  {"type": "text", "text": f"¥{product.price:,}", "color": "#666666"}]}}
    if is_safe_shop_link(product.online_url):
        link = broadcast_tracked_url(variant_id=variant_id, product_id=product.id, test=test)
        bubble["footer"] = {"type": "box", "layout": "vertical", "contents": [{
            "type": "button", "style": "primary", "color": messages.GREEN, "height": "sm",
            "action": {"type": "uri", "label": "オンラインストアで見る", "uri": link}}]}
    return bubble
