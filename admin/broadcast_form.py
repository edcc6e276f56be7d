"""The broadcast form (一斉配信の作成): what the marketer types, read into the arguments of
campaigns.broadcasts.create_draft. The domain checks the content; this only parses fields
(numbers, dates, product codes) into values, with Japanese errors next to the field."""

import re
from datetime import datetime

from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice

from campaigns.models import Segment
from catalog.models import Product
from core.clock import to_business_time
from core.extensions import db
from coupons.models import CouponDefinition
from members.models import Member

LABELS = "ABC"
SLOTS = 5  # LINE's messages per request
KINDS = [("", "（なし）"), ("text", "テキスト"), ("image", "画像（https:// のURL）"),
         ("products", "商品（商品コード・JANをカンマ区切り）")]
TIMINGS = [("now", "確定したらすぐ送る"), ("at", "日時を指定して送る（JST）")]
OVER_QUOTA = [("stop", "送信上限に達したら止める"),
              ("send_all", "上限を超えても全員に送る（追加料金）")]
SEND_AT_FORMAT = "%Y-%m-%dT%H:%M"


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class BroadcastForm(FlaskForm):
    name = StringField("配信名")
    segment_id = SelectField("配信対象（セグメント）", coerce=str)
    coupon_definition_id = SelectField("クーポン", coerce=str)
    holdout_percent = StringField("比較グループ（配信しない人の割合 %）", default="10")
    timing = RadioField("配信タイミング", choices=_choices(TIMINGS), default="now")
    send_at = StringField("配信日時（JST）", render_kw={"type": "datetime-local"})
    over_quota = SelectField("送信上限を超えるとき", choices=_choices(OVER_QUOTA), default="stop")


for _label in LABELS:
    for _slot in range(1, SLOTS + 1):
        setattr(BroadcastForm, f"{_label}{_slot}_type", SelectField(
            f"パターン{_label} メッセージ{_slot}", choices=_choices(KINDS), default=""))
        setattr(BroadcastForm, f"{_label}{_slot}_value", TextAreaField("内容"))


def new_form(formdata=None) -> BroadcastForm:
    form = BroadcastForm(formdata=formdata)
    if formdata is None:
        form.A1_type.data = "text"  # most broadcasts start with a text
    form.segment_id.choices = _choices([("", "選んでください")] + [
        (str(s.id), s.name) for s in db.session.scalars(select(Segment).order_by(Segment.name))])
    form.coupon_definition_id.choices = _choices([("", "クーポンなし")] + [
        (str(d.id), f"{d.name}（{d.code}）") for d in db.session.scalars(
            select(CouponDefinition).where(CouponDefinition.active.is_(True))
            .order_by(CouponDefinition.name))])
    return form


def slots(form: BroadcastForm, label: str) -> list[tuple]:
    """(type field, value field) for each message slot of one variant."""
    return [(form[f"{label}{n}_type"], form[f"{label}{n}_value"]) for n in range(1, SLOTS + 1)]


def draft_arguments(form: BroadcastForm) -> dict | None:
    """create_draft's keyword arguments, or None with the errors put on the fields."""
    args = {"name": form.name.data or "", "over_quota": form.over_quota.data,
            "segment_id": _int_or_none(form.segment_id.data) or 0,
            "coupon_definition_id": _int_or_none(form.coupon_definition_id.data),
            "holdout_percent": _percent(form.holdout_percent),
            "send_at": _send_at(form),
            "variants": [v for v in (_variant(form, label) for label in LABELS) if v]}
    failed = any(field.errors for field in form)
    return None if failed else args


def _variant(form: BroadcastForm, label: str) -> list[dict]:
    return [item for kind, value in slots(form, label)
            if (item := _message(kind.data, value)) is not None]


def _message(kind: str, value) -> dict | None:
    text = (value.data or "").replace("\x00", "")
    if kind == "text":
        return {"type": "text", "text": text}
    if kind == "image":
        return {"type": "image", "url": text.strip()}
    if kind == "products":
        return {"type": "products", "product_ids": _product_ids(text, value)}
    return None


def _product_ids(text: str, field) -> list[int]:
    codes = [c for c in re.split(r"[,、，\s]+", text) if c]
    found = dict(db.session.execute(
        select(Product.sku, Product.id).where(Product.sku.in_(codes))).all())
    found |= dict(db.session.execute(
        select(Product.jan, Product.id).where(Product.jan.in_(codes))).all())
    missing = [c for c in codes if c not in found]
    if missing:
        field.errors = [*field.errors, f"商品コードが見つかりません：{'、'.join(missing)}"]
    return [found[c] for c in codes if c in found]


def _percent(field) -> int | None:
    raw = (field.data or "0").strip()
    if not re.fullmatch(r"\d{1,3}", raw):
        field.errors = [*field.errors, "0〜50の整数で入力してください。"]
        return None
    return int(raw)


def _send_at(form: BroadcastForm) -> datetime | None:
    if form.timing.data != "at":
        return None
    try:
        return datetime.strptime((form.send_at.data or "").strip(), SEND_AT_FORMAT)
    except ValueError:
        form.send_at.errors = [*form.send_at.errors,
                               "配信日時を 2026-12-01 10:00 のように指定してください。"]
        return None


def _int_or_none(raw) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 10 else None


def put_errors(form: BroadcastForm, errors: dict[str, str]) -> list[str]:
    """The domain's errors next to their fields; those about no one field are returned."""
    general = []
    for name, message in errors.items():
        if name in form and name != "variants":
            form[name].errors = [*form[name].errors, message]
        else:
            general.append(message)
    return general


def member_matching(code: str) -> Member | None:
    """The member a test send goes to, by member number or LINE user id."""
    code = (code or "").strip().replace("\x00", "")
    if not code or len(code) > 40:
        return None
    return db.session.scalar(select(Member).where(
        or_(Member.member_number == code, Member.line_user_id == code)))


def fill_from(form: BroadcastForm, broadcast, *, copy: bool = True) -> None:
    """The form showing a saved broadcast's settings and messages: to make a copy of it (a new
    name, sent when confirmed) or to edit the draft itself (its name and time as they are)."""
    form.name.data = f"{broadcast.name}（コピー）"[:100] if copy else broadcast.name
    form.segment_id.data = str(broadcast.segment_id or "")
    form.coupon_definition_id.data = str(broadcast.coupon_definition_id or "")
    form.holdout_percent.data = str(broadcast.holdout_percent)
    form.over_quota.data = broadcast.over_quota
    form.timing.data = "at" if broadcast.send_at and not copy else "now"
    if broadcast.send_at and not copy:
        form.send_at.data = to_business_time(broadcast.send_at).strftime(SEND_AT_FORMAT)
    for variant in broadcast.variants:
        for (kind, value), item in zip(slots(form, variant.label), variant.content,
                                       strict=False):
            kind.data, value.data = item.get("type"), _shown(item)


def _shown(item: dict) -> str:
    if item.get("type") == "products":
        skus = dict(db.session.execute(select(Product.id, Product.sku).where(
            Product.id.in_(item.get("product_ids") or []))).all())
        return ", ".join(skus[i] for i in item.get("product_ids") or [] if i in skus)
    return item.get("text") or item.get("url") or ""
