"""Chat commands: a table from what the shopper types (Japanese first, English aliases) or
taps (postbacks) to the handler that answers. Anything else is for staff (bot.conversation)."""

import enum
import unicodedata
from collections.abc import Callable
from urllib.parse import parse_qs

from bot import erasure, survey_chat
from catalog import restock
from catalog.models import Product
from core.extensions import db
from coupons.service import usable_coupons
from line import messages
from line.texts import render
from members.models import Member, Membership
from purchases.rank_progress import progress_to_next_rank


class Postback(enum.StrEnum):
    WITHDRAW_CONFIRM = "withdraw_confirm"
    WITHDRAW_CANCEL = "withdraw_cancel"
    RESTOCK = "restock"
    SURVEY_RATING = "survey_rating"
    SURVEY_SKIP = "survey_skip"
    SURVEY_NPS = "survey_nps"


def show_card(member: Member) -> list[dict]:
    return [messages.member_card(member)]


def show_points(member: Member) -> list[dict]:
    lines = [render("points", points=f"{member.points_balance:,}")]
    progress = progress_to_next_rank(member)
    if progress is None:
        lines.append(render("points_top_rank", rank=messages.RANK_LABELS[member.rank]))
    else:
        lines.append(render("points_to_next_rank", amount=f"{progress.spend_needed:,}",
                            next_rank=messages.RANK_LABELS[progress.next_rank]))
    return [messages.text("\n".join(lines), member=member)]


def show_coupons(member: Member) -> list[dict]:
    coupons = usable_coupons(member_id=member.id)
    if not coupons:
        return [messages.text(render("no_coupons"), member=member)]
    return [messages.text(render("coupons_intro"), with_menu=False),
            messages.coupon_carousel(coupons, member=member)]


def invite_upgrade(member: Member) -> list[dict]:
    if member.membership == Membership.FULL:
        return [messages.text(render("already_full", display_name=member.display_name or ""),
                              member=member)]
    return [messages.upgrade_invite(member)]


def show_help(member: Member) -> list[dict]:
    key = "help_full" if member.membership == Membership.FULL else "help"
    return [messages.text(render(key), member=member)]


def explain_product_code(member: Member, command: str) -> list[dict]:
    """「再入荷」 alone: how to ask about a product."""
    return [messages.text(render("product_usage", command=command), member=member)]


def confirm_withdraw(member: Member) -> list[dict]:
    return [messages.withdraw_confirmation()]


def ask_about_product(member: Member, code: str) -> list[dict]:
    """「再入荷 TS-001」: stock now, or a button to be told when it is back."""
    product = restock.find_product(code)
    if product is None:
        return [messages.text(render("product_not_found", code=code[:30]), member=member)]
    if restock.total_stock(product.id) > 0:
        return [messages.text(render("restock_in_stock", product=product.name,
                                     price=f"{product.price:,}"), member=member)]
    return [messages.restock_offer(product)]


def request_restock(member: Member, params: dict) -> list[dict]:
    product_id = int(params.get("product", ["0"])[0] or 0)
    product = db.session.get(Product, product_id)
    if product is None:
        return [messages.text(render("product_not_found", code=str(product_id)), member=member)]
    store = params.get("store", [""])[0]
    restock.request_notice(member_id=member.id, product_id=product.id,
                           store_id=int(store) if store.isdigit() else None)
    return [messages.text(render("restock_requested", product=product.name), member=member)]


def withdraw(member: Member, params: dict | None = None) -> list[dict]:
    erasure.withdraw_member(member)
    db.session.flush()
    return [messages.text(render("withdraw_done"), with_menu=False)]


def cancel_withdraw(member: Member, params: dict | None = None) -> list[dict]:
    return [messages.text(render("withdraw_cancelled"), member=member)]


COMMANDS = {
    ("会員証", "カード", "card", "member card"): show_card,
    ("ポイント", "points", "point"): show_points,
    ("クーポン", "coupons", "coupon"): show_coupons,
    ("本会員登録", "本会員", "会員登録", "upgrade", "register"): invite_upgrade,
    ("ヘルプ", "help", "menu", "メニュー"): show_help,
    ("退会", "withdraw", "unsubscribe"): confirm_withdraw,
}
_BY_WORD = {word: handler for words, handler in COMMANDS.items() for word in words}
# Commands followed by an argument: 「再入荷 TS-001」; alone, they explain themselves.
PREFIX_COMMANDS = {"再入荷": ask_about_product, "商品": ask_about_product,
                   "restock": ask_about_product}
SHOWN_AS = {"restock": "再入荷"}

POSTBACKS = {
    Postback.WITHDRAW_CONFIRM: withdraw,
    Postback.WITHDRAW_CANCEL: cancel_withdraw,
    Postback.RESTOCK: request_restock,
    Postback.SURVEY_RATING: survey_chat.take_rating,
    Postback.SURVEY_SKIP: survey_chat.skip_comment,
    Postback.SURVEY_NPS: survey_chat.take_nps,
}


def normalise(text: str) -> str:
    """Full-width/half-width and case variants of a command all match (ＨＥＬＰ, Help)."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def command_for(text: str) -> Callable[[Member], list[dict]] | None:
    """The command the shopper typed, ready to answer, or None (free text: for staff)."""
    word = normalise(text)
    handler = _BY_WORD.get(word)
    if handler is not None:
        return handler
    if word in PREFIX_COMMANDS:
        return lambda member: explain_product_code(member, SHOWN_AS.get(word, word))
    for prefix, with_argument in PREFIX_COMMANDS.items():
        if word.startswith(prefix) and word[len(prefix):].strip():
            return _slower(lambda member, p=prefix, f=with_argument:
                           f(member, word[len(p):].strip()))
    return None


def _slower(handler):
    """Marks an answer that takes a moment (a stock lookup): the chat shows LINE's loading
    animation meanwhile."""
    handler.slower = True
    return handler



def answer_postback(member: Member, data: str) -> list[dict] | None:
    params = parse_qs(data)
    try:
        handler = POSTBACKS[Postback(params.get("action", [""])[0])]
    except ValueError:
        return None
    return handler(member, params)
