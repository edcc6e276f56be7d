"""What each follow-up says, written at send time from the member's situation then.
Each builder returns the messages, or None when the reason to send has gone."""


from sqlalchemy import func, select

from campaigns import recommendations
from campaigns.links import tracked_url
from catalog.models import Product
from core.extensions import db
from coupons import service as coupons
from line import messages
from line.texts import render
from members.links import history_page_url, upgrade_url
from members.models import Member, Membership
from purchases.models import Purchase, PurchaseLine, PurchaseStatus
from purchases.rank_progress import progress_to_next_rank

PLACEHOLDER_IMAGE = "/static/product-placeholder.png"


def receipt(delivery, member: Member, params: dict):
    """Thanks for the purchase, with the points it earned and the new balance."""
    from members.points import earned_for_purchase

    purchase = db.session.get(Purchase, delivery.context["purchase_id"])
    if purchase is None or purchase.status != PurchaseStatus.COMPLETED:
        return None
    place = "オンラインストア" if purchase.channel == "online" else purchase.store.name
    body = render("receipt", display_name=_name(member), place=place,
                  total=f"{purchase.total:,}",
                  earned=f"{earned_for_purchase(purchase_id=purchase.id):,}",
                  balance=f"{member.points_balance:,}")
    return [messages.text(body, member=member)]


def after_purchase(delivery, member: Member, params: dict):
    products = recommendations.for_purchase(purchase_id=delivery.context["purchase_id"],
                                            limit=params["products"])
    if not products:
        return None
    bubbles = [_product_bubble(delivery.id, p) for p in products]
    intro = render("after_purchase", display_name=_name(member))
    return [messages.text(intro, with_menu=False),
            {"type": "flex", "altText": "おすすめの商品",
             "quickReply": messages.quick_replies(member),
             "contents": {"type": "carousel", "contents": bubbles}}]


def _product_bubble(delivery_id: int, product: Product) -> dict:
    from core.signing import public_url

    image = product.image_url or public_url(PLACEHOLDER_IMAGE)
    bubble = {"type": "bubble", "size": "kilo",
              "hero": {"type": "image", "url": image, "size": "full", "aspectRatio": "1:1",
                       "aspectMode": "cover"},
              "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
                  {"type": "text", "text": product.name, "weight": "bold", "wrap": True},
                  {"type": "text", "text": f"¥{product.price:,}", "color": "#666666"}]}}
    if product.online_url:  # a tracked link to the online shop, where there is one
        link = tracked_url(delivery_id=delivery_id, product_id=product.id)
        bubble["footer"] = {"type": "box", "layout": "vertical", "contents": [{
            "type": "button", "style": "primary", "color": messages.GREEN, "height": "sm",
            "action": {"type": "uri", "label": "オンラインストアで見る", "uri": link}}]}
    return bubble


def second_purchase(delivery, member: Member, params: dict):
    # Exactly one purchase must stand now: with a second they came back on their own; with
    # none the first was voided or returned, and a coupon is no reward for an undone sale.
    if completed_purchases(member.id) != 1:
        return None
    return _coupon_gift(member, purpose="f2", template="second_purchase",
                        issue_key=f"f2:member:{member.id}")


def _coupon_gift(member: Member, *, purpose: str, template: str, issue_key: str):
    """A text and the member's own coupon of the active definition for `purpose` (issued once
    per `issue_key`), or None while no such definition is active."""
    definition = coupons.get_active_definition(purpose=purpose)
    if definition is None:
        return None
    coupon = coupons.issue_once(definition=definition, member_id=member.id, issue_key=issue_key)
    return [messages.text(render(template, display_name=_name(member),
                                 coupon_name=definition.name), with_menu=False),
            messages.coupon_carousel([coupon], member=member)]


def restock(delivery, member: Member, params: dict):
    product = db.session.get(Product, delivery.context["product_id"])
    if product is None or not product.active:
        return None
    place = delivery.context.get("store_name") or "オンラインストア・店舗"
    body = render("restock", display_name=_name(member), product=product.name, place=place)
    return [messages.text(body, member=member)]


def warranty(delivery, member: Member, params: dict):
    line = db.session.get(PurchaseLine, delivery.context["line_id"])
    if line is None or line.warranty_ends_on is None \
            or line.purchase.status != PurchaseStatus.COMPLETED:
        return None
    product = db.session.get(Product, line.product_id)
    body = render("warranty", display_name=_name(member), product=product.name,
                  date=line.warranty_ends_on.strftime("%Y年%-m月%-d日"),
                  url=history_page_url(member.id))
    return [messages.text(body, member=member)]


def rank_nudge(delivery, member: Member, params: dict):
    progress = progress_to_next_rank(member)
    if progress is None or progress.next_rank.value != delivery.context["next_rank"]:
        return None
    if progress.spend_needed > params["within_yen"]:
        return None
    body = render("rank_nudge", display_name=_name(member), amount=f"{progress.spend_needed:,}",
                  next_rank=messages.RANK_LABELS[progress.next_rank])
    return [messages.text(body, member=member)]


def rank_up(delivery, member: Member, params: dict):
    if member.rank.value != delivery.context["to"]:
        return None
    body = render("rank_up", display_name=_name(member),
                  rank=messages.RANK_LABELS[member.rank], benefits=rank_benefits(member))
    return [messages.text(body, member=member), messages.member_card(member)]


def rank_benefits(member: Member) -> str:
    from members.points import get_loyalty_settings

    settings = get_loyalty_settings()
    pct = getattr(settings, f"{member.rank.value}_multiplier_pct")
    return f"お買い物ポイントが通常の{pct / 100:g}倍になります。"


def winback(delivery, member: Member, params: dict):
    if last_purchase_id(member.id) != delivery.context["last_purchase_id"]:
        return None  # a purchase since ends the win-back
    days = delivery.context["stage"]
    replies = [messages.text(render(f"winback_{days}", display_name=_name(member)),
                             member=member)]
    definition = coupons.get_active_definition(purpose="winback")
    if params["with_coupon"] and definition is not None:
        coupon = coupons.issue_once(definition=definition, member_id=member.id,
                                    issue_key=f"winback:{days}:{delivery.context['last_purchase_id']}"
                                              f":member:{member.id}")
        replies.append(messages.coupon_carousel([coupon], member=member))
    return replies


def upgrade_prompt(delivery, member: Member, params: dict):
    if member.membership == Membership.FULL:
        return None
    body = render("upgrade_prompt", display_name=_name(member), url=upgrade_url(member.id))
    return [messages.text(body, with_menu=False), messages.upgrade_invite(member)]


def birthday(delivery, member: Member, params: dict):
    """The birthday-month coupon: only while they are a full member born in that month."""
    if member.membership != Membership.FULL or member.birthday is None \
            or member.birthday.month != delivery.context["month"]:
        return None
    return _coupon_gift(member, purpose="birthday", template="birthday",
                        issue_key=f"birthday:{delivery.context['year']}:member:{member.id}")


def completed_purchases(member_id: int) -> int:
    return db.session.scalar(select(func.count(Purchase.id)).where(
        Purchase.member_id == member_id, Purchase.status == PurchaseStatus.COMPLETED))


def last_purchase_id(member_id: int) -> int | None:
    return db.session.scalar(select(Purchase.id).where(
        Purchase.member_id == member_id, Purchase.status == PurchaseStatus.COMPLETED)
        .order_by(Purchase.purchased_at.desc(), Purchase.id.desc()).limit(1))


def _name(member: Member) -> str:
    return member.display_name or "お客様"
