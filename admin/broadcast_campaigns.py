"""Console: making and running a broadcast — the form, the page that previews it as the phone
shows it with its cost, a test send, confirm, approval, pause / resume / cancel, and the live
progress the page polls. Every change goes through campaigns.broadcasts; its Japanese errors
are shown as they are and change nothing."""

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select

from admin import broadcast_form, display
from admin.models import Role
from admin.query_args import is_possible_key
from campaigns import broadcasts
from campaigns.models import Broadcast, Segment
from catalog.models import Product
from core.extensions import db
from coupons.models import CouponDefinition
from line.client import LineApiError

LIVE_STATUSES = ("scheduled", "sending", "paused")
ACTIONS = {  # what each button does, who may press it, and what the page then says
    "confirm": (broadcasts.confirm, "確定しました。"),
    "pause": (broadcasts.pause, "一時停止しました。新しい送信は再開まで行いません。"),
    "resume": (broadcasts.resume, "再開しました。"),
    "cancel": (broadcasts.cancel, "中止しました。まだ送っていない人には送りません。"),
}


class CampaignPages:
    """Mixed into the broadcasts view: /new (?copy=<id> starts from a saved one), /<id>/edit
    (a draft, edited in place), /<id>, the actions and /<id>/progress.json."""

    @expose("/new", methods=["GET", "POST"])
    def new(self):
        form = broadcast_form.new_form(request.form if request.method == "POST" else None)
        original = find_broadcast(request.args.get("copy", 0, type=int))
        if original is not None and request.method == "GET":
            broadcast_form.fill_from(form, original)
        save = lambda arguments: broadcasts.create_draft(  # noqa: E731
            **arguments, created_by=current_user)
        return self._form_page(form, save, editing=None)

    @expose("/<int:broadcast_id>/edit", methods=["GET", "POST"])
    def edit(self, broadcast_id):
        broadcast = find_broadcast(broadcast_id) or abort(404)
        if broadcast.status != "draft":
            flash("下書きの配信だけを編集できます。確定後の変更はコピーして編集してください。",
                  "error")
            return redirect(url_for(".detail", broadcast_id=broadcast_id))
        form = broadcast_form.new_form(request.form if request.method == "POST" else None)
        if request.method == "GET":
            broadcast_form.fill_from(form, broadcast, copy=False)
        save = lambda arguments: broadcasts.update_draft(  # noqa: E731
            broadcast_id, **arguments, edited_by=current_user)
        return self._form_page(form, save, editing=broadcast)

    def _form_page(self, form, save, *, editing):
        """The form; on POST its arguments saved by `save`, or the errors shown by the fields."""
        general = []
        if request.method == "POST":
            arguments = broadcast_form.draft_arguments(form)
            if arguments is not None:
                try:
                    draft = save(arguments)
                    flash("下書きを保存しました。プレビューと費用を確認して確定してください。")
                    return redirect(url_for(".detail", broadcast_id=draft.id))
                except broadcasts.InvalidBroadcast as exc:
                    db.session.rollback()
                    general = broadcast_form.put_errors(form, exc.errors)
            flash("保存できませんでした。入力を確認してください。", "error")
        return self.render("admin/broadcast_form.html", form=form, general=general,
                           editing=editing, slots=broadcast_form.slots,
                           labels=broadcast_form.LABELS)

    @expose("/<int:broadcast_id>")
    def detail(self, broadcast_id):
        broadcast = find_broadcast(broadcast_id) or abort(404)
        return self.render("admin/broadcast_detail.html", broadcast=broadcast,
                           segment=db.session.get(Segment, broadcast.segment_id or 0),
                           coupon=db.session.get(CouponDefinition,
                                                 broadcast.coupon_definition_id or 0),
                           previews=_previews(broadcast), cost=_forecast(broadcast),
                           live=broadcast.status in LIVE_STATUSES,
                           is_admin=current_user.has_role(Role.ADMIN),
                           status_label=broadcasts.STATUS_LABELS.get)

    @expose("/<int:broadcast_id>/<any(confirm, pause, resume, cancel):action>",
            methods=["POST"])
    def act(self, broadcast_id, action):
        change, done = ACTIONS[action]
        return self._attempt(broadcast_id, lambda: change(broadcast_id, current_user), done)

    @expose("/<int:broadcast_id>/approve", methods=["POST"])
    def approve(self, broadcast_id):
        if not current_user.has_role(Role.ADMIN):
            return ("承認できるのは管理者だけです。", 403)
        return self._attempt(broadcast_id,
                             lambda: broadcasts.approve(broadcast_id, current_user),
                             "承認しました。配信を予約しました。")

    @expose("/<int:broadcast_id>/test", methods=["POST"])
    def test_send(self, broadcast_id):
        member = broadcast_form.member_matching(request.form.get("member"))
        if member is None:
            flash("その会員番号の会員は見つかりません。", "error")
            return redirect(url_for(".detail", broadcast_id=broadcast_id))
        label = request.form.get("label") or None
        return self._attempt(
            broadcast_id, lambda: broadcasts.send_test(broadcast_id, member.id, label=label),
            f"{member.display_name or member.member_number} さんにテスト送信しました。")

    @expose("/<int:broadcast_id>/progress.json")
    def progress_json(self, broadcast_id):
        if find_broadcast(broadcast_id) is None:
            abort(404)
        return jsonify(_progress(broadcasts.progress(broadcast_id)))

    def _attempt(self, broadcast_id, change, done: str):
        if find_broadcast(broadcast_id) is None:
            abort(404)
        try:
            change()
            flash(done)
        except broadcasts.InvalidBroadcast as exc:
            db.session.rollback()
            for message in exc.errors.values():
                flash(message, "error")
        return redirect(url_for(".detail", broadcast_id=broadcast_id))


def find_broadcast(broadcast_id: int) -> Broadcast | None:
    """The broadcast a URL names; None for an id no row can have (past the column's range)."""
    if not is_possible_key(Broadcast, str(broadcast_id)):
        return None
    return db.session.get(Broadcast, broadcast_id)


def _progress(figures: dict) -> dict:
    """The engine's figures plus what the bar draws: shares of the total, in Japanese."""
    total = figures.get("total") or 0
    skipped = sum(figures.get("skipped", {}).values())
    share = {key: (round(100 * n / total, 1) if total else 0)
             for key, n in (("sent", figures["sent"]), ("skipped", skipped),
                            ("failed", figures["failed"]))}
    eta = figures.get("eta_seconds")
    return {**figures, "skipped_total": skipped, "percent": share,
            "status_label": broadcasts.STATUS_LABELS.get(figures["status"], figures["status"]),
            "summary": (f"送信済み {figures['sent']:,} ・ スキップ {skipped:,} ・ "
                        f"失敗 {figures['failed']:,} ／ 全 {total:,} 人"),
            "pace": (f"毎分 {figures.get('rate_per_min') or 0:,} 人"
                     + (f" ・ 残り約 {_duration(eta)}" if eta else ""))}


def _duration(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes // 60}時間{minutes % 60}分" if minutes >= 60 else f"{minutes}分"


def _forecast(broadcast: Broadcast) -> dict | None:
    """The cost forecast before sending; None once sent, or with the reason it is missing."""
    if broadcast.status not in ("draft", "awaiting_approval", "scheduled"):
        return None
    try:
        return broadcasts.forecast(broadcast.id)
    except LineApiError:
        return {"error": "LINEの送信上限を取得できませんでした。"
                         "しばらくしてから開き直してください。"}


def _previews(broadcast: Broadcast) -> list[tuple[str, list[dict]]]:
    """Each variant's messages as the phone shows them (products looked up once)."""
    wanted = {i for v in broadcast.variants for item in v.content
              if item.get("type") == "products" for i in item.get("product_ids", [])}
    products = {p.id: p for p in db.session.scalars(
        select(Product).where(Product.id.in_(wanted)))} if wanted else {}
    return [(v.label, [_bubble(item, products) for item in v.content]) for v in
            broadcast.variants]


def _bubble(item: dict, products: dict) -> dict:
    if item.get("type") == "products":
        return {"type": "products", "products": [
            {"name": products[i].name, "price": display.yen(products[i].price)}
            for i in item.get("product_ids", []) if i in products]}
    return item
