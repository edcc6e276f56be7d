"""The full-member (本会員) registration form."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp


class UpgradeForm(FlaskForm):
    full_name = StringField("お名前", validators=[DataRequired("お名前を入力してください。"),
                                               Length(max=100)])
    email = EmailField("メールアドレス", validators=[
        DataRequired("メールアドレスを入力してください。"),
        Email("メールアドレスの形式が正しくありません。", check_deliverability=False),
        Length(max=254)])
    birthday = DateField("生年月日（任意）", validators=[Optional()])
    phone = TelField("電話番号（任意）", validators=[
        Optional(), Regexp(r"^[0-9+\-() ]{10,20}$", message="電話番号の形式が正しくありません。")])
    agree_terms = BooleanField("会員規約に同意します（必須）",
                               validators=[DataRequired("会員規約への同意が必要です。")])
    agree_marketing = BooleanField("お得な情報をLINEやメールで受け取る（任意）")

    def profile(self) -> dict:
        return {"full_name": self.full_name.data, "email": self.email.data,
                "birthday": self.birthday.data, "phone": self.phone.data,
                "marketing_consent": bool(self.agree_marketing.data)}
