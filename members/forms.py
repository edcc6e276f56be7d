"""The full-member (本会員) registration form.

Phones type full-width letters and digits (ｈａｎａ＠ｅｘａｍｐｌｅ．ｊｐ,
０９０－１２３４－５６７８) and half-width katakana: every text is NFKC-normalised before it is
checked.
"""

import re
import unicodedata
from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from core.clock import business_now

# Dashes people type in phone numbers that NFKC leaves alone (ー is the katakana long vowel).
PHONE_DASHES = str.maketrans({"ー": "-", "−": "-", "‐": "-", "‑": "-", "–": "-", "—": "-",
                              "―": "-"})
HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(ord("ぁ"), ord("ゖ") + 1)}
KATAKANA_NAME = r"^[ァ-ヺー・ ]+$"
OLDEST_BIRTHDAY = date(1900, 1, 1)


def nfkc(value):
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


def phone_text(value):
    value = nfkc(value)
    return value.translate(PHONE_DASHES) if isinstance(value, str) else value


def katakana(value):
    """Full-width katakana, single spaces: hiragana and half-width kana are accepted as typed."""
    value = nfkc(value)
    if not isinstance(value, str):
        return value
    return re.sub(r"\s+", " ", value.translate(HIRAGANA_TO_KATAKANA))


def not_in_the_future(form, field):
    if field.data is None:
        return
    if field.data > business_now().date():
        raise ValidationError("生年月日に未来の日付は指定できません。")
    if field.data < OLDEST_BIRTHDAY:
        raise ValidationError("生年月日をご確認ください。")


class UpgradeForm(FlaskForm):
    full_name = StringField("お名前", filters=[nfkc], validators=[
        DataRequired("お名前を入力してください。"), Length(max=100)])
    full_name_kana = StringField("フリガナ", filters=[katakana], validators=[
        DataRequired("フリガナを入力してください。"), Length(max=100),
        Regexp(KATAKANA_NAME, message="フリガナはカタカナで入力してください。")])
    email = EmailField("メールアドレス", filters=[nfkc], validators=[
        DataRequired("メールアドレスを入力してください。"),
        Email("メールアドレスの形式が正しくありません。", check_deliverability=False),
        Length(max=254)])
    birthday = DateField("生年月日（任意）", validators=[Optional(), not_in_the_future])
    phone = TelField("電話番号（任意）", filters=[phone_text], validators=[
        Optional(), Regexp(r"^[0-9+\-() ]{10,20}$", message="電話番号の形式が正しくありません。")])
    agree_terms = BooleanField("会員規約とプライバシーポリシーに同意します（必須）",
                               validators=[DataRequired("会員規約とプライバシーポリシーへの同意が"
                                                        "必要です。")])
    agree_marketing = BooleanField("お得な情報をLINEやメールで受け取る（任意）")

    def profile(self) -> dict:
        return {"full_name": self.full_name.data, "full_name_kana": self.full_name_kana.data,
                "email": self.email.data, "birthday": self.birthday.data,
                "phone": self.phone.data, "marketing_consent": bool(self.agree_marketing.data)}
