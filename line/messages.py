"""Message builders: plain LINE message dicts (Flex, text), separate from the handlers."""

from coupons.links import coupon_image_url
from coupons.models import DiscountType, IssuedCoupon
from line.texts import render
from members.links import card_image_url, card_page_url, upgrade_url
from members.models import Member, Membership

GREEN = "#06C755"
MEMBERSHIP_LABELS = {Membership.LIGHT: "ライト会員", Membership.FULL: "本会員"}
RANK_LABELS = {"regular": "レギュラー", "silver": "シルバー", "gold": "ゴールド"}
BARCODE_ASPECT = "476:245"  # the EAN-13 PNG's pixel size (core.barcodes)
COUPON_ASPECT = "716:245"
MAX_COUPON_BUBBLES = 10  # LINE allows 12 per carousel


def quick_replies(member: Member | None = None) -> dict:
    labels = ["会員証", "ポイント", "クーポン"]
    if member is None or member.membership == Membership.LIGHT:
        labels.append("本会員登録")
    labels.append("ヘルプ")
    return {"items": [{"type": "action", "action": {"type": "message", "label": label,
                                                   "text": label}} for label in labels]}


def text(body: str, *, member: Member | None = None, with_menu: bool = True) -> dict:
    message = {"type": "text", "text": body}
    if with_menu:
        message["quickReply"] = quick_replies(member)
    return message


def _row(label: str, value: str) -> dict:
    return {"type": "box", "layout": "baseline", "spacing": "sm", "contents": [
        {"type": "text", "text": label, "size": "sm", "color": "#888888", "flex": 2},
        {"type": "text", "text": value, "size": "sm", "color": "#111111", "flex": 4,
         "wrap": True}]}


def _button(label: str, action: dict, primary: bool = False) -> dict:
    return {"type": "button", "style": "primary" if primary else "secondary", "height": "sm",
            "color": GREEN if primary else "#EEEEEE", "action": {"label": label, **action}}


def member_card(member: Member, *, coupon: IssuedCoupon | None = None) -> dict:
    """The digital member card: brand, name, membership, rank, points and the barcode."""
    name = member.display_name or "会員"
    body = [{"type": "text", "text": f"{name} さま", "weight": "bold", "size": "lg", "wrap": True},
            _row("会員種別", MEMBERSHIP_LABELS[member.membership]),
            _row("ランク", RANK_LABELS.get(member.rank, str(member.rank))),
            _row("ポイント", f"{member.points_balance:,} pt"),
            _row("会員番号", member.member_number)]
    if coupon is not None:
        body += [{"type": "separator", "margin": "md"}, _coupon_note(coupon)]
    open_card = {"type": "uri", "uri": card_page_url(member.id)}
    footer = [_button("会員証を開く（変わるコード）", open_card, primary=True),
              _button("クーポン", {"type": "message", "text": "クーポン"})]
    if member.membership == Membership.LIGHT:
        footer.append(_button("本会員登録", {"type": "message", "text": "本会員登録"}))
    bubble = {
        "type": "bubble",
        "header": {"type": "box", "layout": "vertical", "backgroundColor": GREEN, "contents": [
            {"type": "text", "text": render("brand_name"), "color": "#FFFFFF", "weight": "bold"},
            {"type": "text", "text": "デジタル会員証", "color": "#FFFFFF", "size": "xs"}]},
        "hero": {"type": "image", "url": card_image_url(member.id, "barcode"), "size": "full",
                 "aspectRatio": BARCODE_ASPECT, "aspectMode": "fit", "backgroundColor": "#FFFFFF"},
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
        "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": footer},
    }
    alt = render("card_alt", display_name=name, member_number=member.member_number)
    return {"type": "flex", "altText": alt[:1500], "contents": bubble,
            "quickReply": quick_replies(member)}


def _coupon_note(coupon: IssuedCoupon) -> dict:
    return {"type": "box", "layout": "vertical", "margin": "md", "contents": [
        {"type": "text", "text": "🎁 " + coupon.definition.name, "weight": "bold", "size": "sm",
         "wrap": True, "color": GREEN},
        {"type": "text", "text": discount_label(coupon) + "・" + expiry_label(coupon),
         "size": "xs", "color": "#666666", "wrap": True}]}


def discount_label(coupon: IssuedCoupon) -> str:
    definition = coupon.definition
    value = definition.discount_value
    percent = definition.discount_type == DiscountType.PERCENT
    label = f"{value}%OFF" if percent else f"{value:,}円引き"
    if definition.minimum_spend:
        label += f"（{definition.minimum_spend:,}円以上のお買い物）"
    return label


def expiry_label(coupon: IssuedCoupon) -> str:
    from core.clock import to_business_time

    return to_business_time(coupon.expires_at).strftime("%Y年%-m月%-d日まで")


def coupon_carousel(coupons: list[IssuedCoupon], *, member: Member) -> dict:
    bubbles = [_coupon_bubble(c) for c in coupons[:MAX_COUPON_BUBBLES]]
    return {"type": "flex", "altText": f"使えるクーポン {len(coupons)} 枚",
            "contents": {"type": "carousel", "contents": bubbles},
            "quickReply": quick_replies(member)}


def _coupon_bubble(coupon: IssuedCoupon) -> dict:
    return {
        "type": "bubble", "size": "kilo",
        "header": {"type": "box", "layout": "vertical", "backgroundColor": GREEN, "contents": [
            {"type": "text", "text": coupon.definition.name, "color": "#FFFFFF",
             "weight": "bold", "wrap": True}]},
        "hero": {"type": "image", "url": coupon_image_url(coupon.id), "size": "full",
                 "aspectRatio": COUPON_ASPECT, "aspectMode": "fit", "backgroundColor": "#FFFFFF"},
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
            {"type": "text", "text": discount_label(coupon), "weight": "bold", "wrap": True},
            {"type": "text", "text": expiry_label(coupon), "size": "xs", "color": "#666666"},
            {"type": "text", "text": coupon.code, "size": "xs", "color": "#999999"}]},
    }


def upgrade_invite(member: Member) -> dict:
    bubble = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": [
            {"type": "text", "text": "本会員登録のご案内", "weight": "bold", "size": "lg"},
            {"type": "text", "text": render("upgrade_invite"), "wrap": True, "size": "sm"},
            {"type": "text", "text": render("full_benefits"), "wrap": True, "size": "sm",
             "color": "#555555"}]},
        "footer": {"type": "box", "layout": "vertical", "contents": [
            _button("本会員に登録する", {"type": "uri", "uri": upgrade_url(member.id)},
                    primary=True)]},
    }
    return {"type": "flex", "altText": "本会員登録のご案内", "contents": bubble,
            "quickReply": quick_replies(member)}


def withdraw_confirmation() -> dict:
    return {"type": "template", "altText": "退会の確認",
            "template": {"type": "confirm", "text": render("withdraw_confirm")[:240], "actions": [
                {"type": "postback", "label": "退会する", "data": "action=withdraw_confirm",
                 "displayText": "退会する"},
                {"type": "postback", "label": "やめる", "data": "action=withdraw_cancel",
                 "displayText": "やめる"}]}}


def restock_offer(product) -> dict:
    """An out-of-stock product with the button to be told when it is back."""
    bubble = {"type": "bubble", "size": "kilo",
              "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
                  {"type": "text", "text": product.name, "weight": "bold", "wrap": True},
                  {"type": "text", "text": f"¥{product.price:,}・在庫切れ", "color": "#C62828",
                   "size": "sm"}]},
              "footer": {"type": "box", "layout": "vertical", "contents": [
                  _button("再入荷したら知らせる",
                          {"type": "postback", "data": f"action=restock&product={product.id}",
                           "displayText": "再入荷したら知らせて"}, primary=True)]}}
    return {"type": "flex", "altText": f"{product.name}は在庫切れです", "contents": bubble}
