"""Console views of the register: API keys (admins), loyalty settings, online order upload."""

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select

from admin.models import Role
from admin.views import STAFF, SecureBaseView, SecureModelView
from core.extensions import db
from pos import keys, online
from pos.models import Register


class RegisterKeysView(SecureBaseView):
    """Issue and revoke register API keys; a new key is shown once and never stored."""

    roles = (Role.ADMIN,)

    @expose("/")
    def index(self):
        registers = db.session.scalars(select(Register).order_by(Register.store_id,
                                                                 Register.code))
        return self.render("admin/register_keys.html", registers=list(registers), new_key=None)

    @expose("/<int:register_id>/issue", methods=["POST"])
    def issue(self, register_id):
        register = db.get_or_404(Register, register_id)
        key = keys.issue_api_key(register=register, actor=current_user)
        db.session.commit()
        # Rendered, not flashed: a flash would put the plaintext key in the session cookie.
        return self.render("admin/register_keys.html", registers=[register], new_key=key)

    @expose("/<int:register_id>/revoke", methods=["POST"])
    def revoke(self, register_id):
        keys.revoke_api_key(register=db.get_or_404(Register, register_id), actor=current_user)
        db.session.commit()
        flash("APIキーを無効にしました。")
        return redirect(url_for(".index"))


class LoyaltySettingsView(SecureModelView):
    roles = STAFF
    can_delete = False
    can_view_details = False
    column_list = ("yen_per_point", "silver_threshold", "gold_threshold",
                   "regular_multiplier_pct", "silver_multiplier_pct", "gold_multiplier_pct",
                   "updated_at")
    form_excluded_columns = ("updated_at",)
    column_labels = {"yen_per_point": "1ptあたりの金額(円)",
                     "silver_threshold": "シルバー(年間円)", "gold_threshold": "ゴールド(年間円)",
                     "regular_multiplier_pct": "レギュラー倍率%",
                     "silver_multiplier_pct": "シルバー倍率%",
                     "gold_multiplier_pct": "ゴールド倍率%"}


class OnlineOrderImportView(SecureBaseView):
    roles = STAFF

    @expose("/", methods=["GET", "POST"])
    def index(self):
        report = None
        upload = request.files.get("file")
        if request.method == "POST" and upload:
            report = online.import_orders_csv(text=upload.read().decode("utf-8-sig"),
                                              notify=request.form.get("notify") == "1")
        return self.render("admin/csv_upload.html", title="オンライン注文CSV取り込み",
                           notify_option=True,
                           columns="order_id, ordered_at, member_number, email, sku, jan, "
                                   "quantity, unit_price, discount, total, payment_method",
                           report=report)
