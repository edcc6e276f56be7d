"""Console: segments (配信対象). The saved ones with their counts, and a builder of AND / OR
groups whose live count comes from a JSON endpoint as the marketer changes conditions."""

import json

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from admin.change_log import records_changes
from admin.labels import enum_label
from admin.views import SecureBaseView
from campaigns import segments
from campaigns.flows import FLOWS
from campaigns.models import Broadcast, Segment
from campaigns.segment_fields import FIELDS
from catalog.models import Product, Store
from core.clock import to_business_time
from core.extensions import db
from coupons.models import CouponDefinition

SAMPLE_SIZE = 10
STARTER = {"match": "all", "groups": [{"match": "all", "conditions": [
    {"field": "membership", "op": "is", "value": "light"}]}]}


class SegmentForm(FlaskForm):
    name = StringField("名前", validators=[
        DataRequired("名前を入力してください。"),
        Length(max=segments.MAX_NAME, message=f"名前は{segments.MAX_NAME}文字以内です。")])
    definition = HiddenField("条件")


class SegmentsView(SecureBaseView):

    @expose("/")
    def index(self):
        rows = db.session.scalars(select(Segment).order_by(Segment.name)).all()
        return self.render("admin/segments.html", updated=_updated_jst,
                           rows=[(row, _counts_or_none(row)) for row in rows])

    @expose("/new")
    def new(self):
        """A new segment; `definition` and `name` in the query string fill it in (links from
        the dashboard's figures), a definition that does not check out is replaced by the
        starter."""
        definition = _checked_or_starter(request.args.get("definition"))
        name = (request.args.get("name") or "")[:segments.MAX_NAME]
        return self._builder(SegmentForm(name=name, definition=json.dumps(definition)),
                             segment=None)

    @expose("/<int:segment_id>/edit")
    def edit(self, segment_id):
        segment = db.session.get(Segment, segment_id) or abort(404)
        form = SegmentForm(name=segment.name, definition=json.dumps(segment.definition))
        return self._builder(form, segment=segment)

    @expose("/save", methods=["POST"])
    @expose("/<int:segment_id>/save", methods=["POST"])
    @records_changes
    def save(self, segment_id=None):
        segment = db.session.get(Segment, segment_id) if segment_id else None
        if segment_id and segment is None:
            abort(404)
        form = SegmentForm()
        problems = [] if form.validate() else _form_errors(form)
        if not problems:
            try:
                saved = segments.save(name=form.name.data, definition=_parsed(form.definition.data),
                                      user_id=current_user.id, segment_id=segment_id)
                db.session.commit()
                flash(f"配信対象「{saved.name}」を保存しました。")
                return redirect(url_for(".index"))
            except segments.InvalidSegment as exc:
                db.session.rollback()
                problems = list(exc.errors.values())
        flash("保存できませんでした。入力を確認してください。", "error")
        return self._builder(form, segment=segment, problems=problems), 400

    @expose("/<int:segment_id>/delete", methods=["POST"])
    @records_changes
    def delete(self, segment_id):
        segment = db.session.get(Segment, segment_id) or abort(404)
        name = segment.name
        segments.delete(segment_id)
        db.session.commit()
        flash(f"配信対象「{name}」を削除しました。")
        return redirect(url_for(".index"))

    @expose("/count", methods=["POST"])
    def count(self):
        """The live count: {"matching", "reachable", "sample"}, or 400 with {"errors"}."""
        definition = request.get_json(silent=True)
        try:
            answer = segments.counts(definition if isinstance(definition, dict) else None)
            sample = segments.sample(definition, limit=SAMPLE_SIZE)
        except segments.InvalidSegment as exc:
            return jsonify(errors=exc.errors), 400
        return jsonify(**answer, sample=[_shown(member) for member in sample])

    def _builder(self, form, *, segment, problems=()):
        return self.render("admin/segment_builder.html", form=form, segment=segment,
                           problems=problems, catalogue=catalogue(),
                           matches=segments.MATCHES)


def _checked_or_starter(raw):
    try:
        return segments.check_definition(_parsed(raw)) if raw else STARTER
    except segments.InvalidSegment:
        return STARTER


def _counts_or_none(segment):
    try:
        return segments.counts(segment.definition)
    except segments.InvalidSegment:  # e.g. a store named in it was removed since
        return None


def _updated_jst(segment) -> str:
    return to_business_time(segment.updated_at).strftime("%Y-%m-%d %H:%M")


def _parsed(raw):
    try:
        return json.loads(raw or "")
    except ValueError:
        return None


def _form_errors(form) -> list[str]:
    return [message for field in form for message in field.errors]


def _shown(member) -> dict:
    return {"display_name": member.display_name or "（名前なし）",
            "member_number": member.member_number,
            "membership": enum_label(member.membership), "rank": enum_label(member.rank),
            "follow_status": enum_label(member.follow_status)}


def catalogue() -> dict:
    """What the builder offers: every field, its operators and parameters, and the choices of
    the parameters that name rows (stores, products, coupons, broadcasts) or categories."""
    fields = [{"key": field.key, "label": field.label, "ops": [
        {"key": op.key, "label": op.label, "params": [
            {"name": p.name, "kind": p.kind, "label": p.label, "min": p.minimum, "max": p.maximum,
             "choices": [list(choice) for choice in p.choices]} for p in op.params]}
        for op in field.ops]} for field in FIELDS.values()]
    return {"fields": fields, "options": _options()}


def _options() -> dict:
    rows = lambda query: [[key, label] for key, label in db.session.execute(query)]  # noqa: E731
    return {
        "store": rows(select(Store.id, Store.name).order_by(Store.code)),
        "product": rows(select(Product.id, Product.name).order_by(Product.name).limit(2000)),
        "category": [[c, c] for c in db.session.scalars(
            select(Product.category).distinct().order_by(Product.category))],
        "coupon": rows(select(CouponDefinition.id, CouponDefinition.name)
                       .order_by(CouponDefinition.name)),
        "broadcast": rows(select(Broadcast.id, Broadcast.name).order_by(Broadcast.id.desc())
                          .limit(200)),
        "flow": [[flow.key, flow.name] for flow in FLOWS.values()],
    }
