"""Shopper-facing texts: Japanese defaults here, each overridable by marketers in the console.

Placeholders are {display_name} and the like: each text has its own (PLACEHOLDERS), only
those values are filled in, so a template can never reach into the program (unlike
str.format), and a text naming any other is refused when saved.
"""

import re
from datetime import datetime

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime

DEFAULTS = {
    "brand_name": "SHOP MEMBERS",
    "welcome": "{display_name}さん、友だち追加ありがとうございます！\n"
               "LINEがそのまま会員証になりました。お会計のときにこの画面のバーコードをご提示ください。",
    "welcome_back": "{display_name}さん、おかえりなさい！会員証はそのままお使いいただけます。",
    "welcome_coupon": "ご登録の特典として「{coupon_name}」をお送りしました。",
    "card_alt": "{display_name}さんの会員証（会員番号 {member_number}）",
    "points": "現在のポイントは {points} ポイントです。",
    "points_to_next_rank": "{next_rank}会員まで、あと {amount} 円のお買い物です。",
    "points_top_rank": "最上位の{rank}会員です。いつもありがとうございます！",
    "no_coupons": "いまお使いいただけるクーポンはありません。",
    "coupons_intro": "お使いいただけるクーポンです。お会計のときにバーコードをご提示ください。",
    "upgrade_invite": "本会員に登録すると、誕生日クーポンや限定セールのご案内をお届けします。"
                      "下のボタンから1分で登録できます。",
    "already_full": "{display_name}さんはすでに本会員です。いつもありがとうございます！",
    "upgrade_done": "本会員登録が完了しました！\n{benefits}",
    "full_benefits": "・お誕生日月にクーポンをプレゼント\n・限定セールのご案内\n"
                     "・オンラインストアと店舗の購入履歴をまとめて確認",
    "help": "ご利用いただけるメニューです。\n・会員証：バーコードを表示\n"
            "・ポイント：残高と次のランク\n・クーポン：使えるクーポン\n"
            "・「商品 商品コード」：在庫を確認\n"
            "・「再入荷 商品コード」：再入荷したらLINEでお知らせ\n"
            "・本会員登録：特典が増えます\n・退会：会員をやめる",
    "help_full": "ご利用いただけるメニューです。\n・会員証：バーコードを表示\n"
                 "・ポイント：残高と次のランク\n・クーポン：使えるクーポン\n"
                 "・「商品 商品コード」：在庫を確認\n"
                 "・「再入荷 商品コード」：再入荷したらLINEでお知らせ\n"
                 "・退会：会員をやめる",
    "product_usage": "「{command}」のあとに商品コード（値札やオンラインストアに載っているSKU"
                     "またはJAN）を付けて送ってください。例：{command} 4901234567894\n"
                     "在庫があればお知らせし、在庫切れのときは再入荷したらLINEでお知らせします。",
    "withdraw_confirm": "退会すると、ポイントとクーポンはすべて失効し、登録情報は削除されます。"
                        "本当に退会しますか？",
    "withdraw_done": "退会手続きが完了しました。ご利用ありがとうございました。",
    "withdraw_cancelled": "退会はしていません。引き続きご利用いただけます。",
    "receipt": "{display_name}さん、{place}でのお買い上げ（¥{total}）ありがとうございます。\n"
               "今回のポイント：+{earned} pt\nポイント残高：{balance} pt",
    "after_purchase": "{display_name}さん、本日はご来店ありがとうございました！"
                      "お買い上げの商品と相性のよいアイテムをご紹介します。",
    "second_purchase": "{display_name}さん、先日はありがとうございました。"
                       "次回のお買い物で使える「{coupon_name}」をお届けします。",
    "restock": "{display_name}さん、お待たせしました！「{product}」が{place}に再入荷しました。",
    "restock_requested": "「{product}」が再入荷したらLINEでお知らせします。",
    "restock_in_stock": "「{product}」は在庫があります（¥{price}）。",
    "product_not_found": "「{code}」に当たる商品が見つかりませんでした。"
                         "商品コード（SKUまたはJAN）をご確認ください。",
    "warranty": "{display_name}さん、「{product}」のメーカー保証は{date}で終了します。"
                "購入履歴と保証期限はこちら：{url}",
    "rank_nudge": "{display_name}さん、あと {amount} 円のお買い物で{next_rank}会員です！",
    "rank_up": "{display_name}さん、{rank}会員にランクアップしました！"
               "おめでとうございます。\n{benefits}",
    "winback_30": "{display_name}さん、お久しぶりです。新作が入荷しています。"
                  "ぜひお立ち寄りください。",
    "winback_90": "{display_name}さん、しばらくお会いできていませんね。"
                  "特別なクーポンをご用意しました。",
    "winback_180": "{display_name}さん、またお会いできるのを楽しみにしています。"
                   "お得なクーポンをお使いください。",
    "birthday": "{display_name}さん、お誕生日月おめでとうございます！"
                "日ごろの感謝をこめて「{coupon_name}」をお届けします。",
    "upgrade_prompt": "{display_name}さん、いつもありがとうございます。"
                      "本会員になると特典が増えます。",
    "not_member": "会員情報が見つかりません。友だち追加し直すと、新しい会員証をお作りします。",
    "inbox_received": "メッセージありがとうございます。スタッフが確認して、"
                      "このトークでお返事しますので少々お待ちください。",
    "inbox_after_hours": "メッセージありがとうございます。ただいま営業時間外のため、"
                         "{opens_at}から順番にお返事します。",
    "survey_question": "{display_name}さん、{store}でのお買い物はいかがでしたか？"
                       "満足度を5段階でお選びください（5がとても満足）。",
    "survey_ask_comment": "ご回答ありがとうございます！よろしければ、ご感想やご要望を"
                          "このトークにひとことお送りください。",
    "survey_ask_nps": "このお店を友人や家族にすすめる可能性はどのくらいありますか？"
                      "0〜10でお選びください。",
    "survey_thanks": "ご協力ありがとうございました。いただいた声はお店づくりに活かします。",
    "survey_already": "このお買い物のアンケートにはすでにご回答いただいています。"
                      "ありがとうございました。",
}


# The values the product passes to each text: the only placeholders a text may use.
PLACEHOLDERS = {
    "card_alt": ("display_name", "member_number"),
    "welcome": ("display_name",), "welcome_back": ("display_name",),
    "welcome_coupon": ("coupon_name",),
    "points": ("points",), "points_to_next_rank": ("next_rank", "amount"),
    "points_top_rank": ("rank",),
    "already_full": ("display_name",), "upgrade_done": ("benefits",),
    "product_usage": ("command",),
    "receipt": ("display_name", "place", "total", "earned", "balance"),
    "after_purchase": ("display_name",), "second_purchase": ("display_name", "coupon_name"),
    "restock": ("display_name", "product", "place"), "restock_requested": ("product",),
    "restock_in_stock": ("product", "price"), "product_not_found": ("code",),
    "warranty": ("display_name", "product", "date", "url"),
    "rank_nudge": ("display_name", "amount", "next_rank"),
    "rank_up": ("display_name", "rank", "benefits"),
    "winback_30": ("display_name",), "winback_90": ("display_name",),
    "winback_180": ("display_name",),
    "upgrade_prompt": ("display_name", "url"),
    "birthday": ("display_name", "coupon_name"),
    "inbox_after_hours": ("opens_at",),
    "survey_question": ("display_name", "store"),
}


class TemplateError(ValueError):
    """A marketer's text that cannot be sent as it is; the message says why, in Japanese."""


class MessageTemplate(db.Model):
    __tablename__ = "message_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __str__(self) -> str:
        return self.key


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render(key: str, **values) -> str:
    """The text for `key` (the marketer's version if edited), placeholders filled in."""
    body = db.session.scalar(select(MessageTemplate.body).where(MessageTemplate.key == key))
    template = body if body is not None else DEFAULTS[key]
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)


def allowed_placeholders(key: str) -> tuple[str, ...]:
    return PLACEHOLDERS.get(key, ())


def check_placeholders(*, key: str, body: str) -> None:
    """Refuse a text naming a placeholder the product does not fill for it: the shopper would
    get "{foo}" as it is."""
    unknown = sorted(set(_PLACEHOLDER.findall(body)) - set(allowed_placeholders(key)))
    if not unknown:
        return
    named = "、".join(f"{{{name}}}" for name in unknown)
    allowed = "、".join(f"{{{name}}}" for name in allowed_placeholders(key))
    usable = (f"この文面で使えるのは {allowed} です。" if allowed
              else "この文面では差し込み項目は使えません。")
    raise TemplateError(f"{named} はこの文面では使えません。{usable}")


def save_override(*, key: str, body: str | None) -> None:
    """Store the marketer's text for `key`; None returns it to the default. A text with an
    unknown placeholder raises TemplateError and stores nothing. Caller commits."""
    if body is not None:
        check_placeholders(key=key, body=body)
    row = db.session.scalar(select(MessageTemplate).where(MessageTemplate.key == key))
    if body is None:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = MessageTemplate(key=key)
        db.session.add(row)
    row.body = body
