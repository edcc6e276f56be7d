"""Console views of the register: API keys (admins), loyalty settings, online order upload."""

from flask import flash, redirect, request, url_for
from flask_admin import expose
from sqlalchemy import select

from admin.display import yen
from admin.labels import enum_label
from admin.models import Role
from admin.views import STAFF, SecureBaseView, SecureModelView
from core.extensions import db
from members import points
from members.models import Rank
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
        key = keys.issue_api_key(register=register)
        db.session.commit()
        # Rendered, not flashed: a flash would put the plaintext key in the session cookie.
        return self.render("admin/register_keys.html", registers=[register], new_key=key)

    @expose("/<int:register_id>/revoke", methods=["POST"])
    def revoke(self, register_id):
        keys.revoke_api_key(register=db.get_or_404(Register, register_id))
        db.session.commit()
        flash("APIキーを無効にしました。")
        return redirect(url_for(".index"))


class LoyaltySettingsView(SecureModelView):
    """The rules in force (the saved row, or the defaults until one is saved) and their form;
    there is one row, so a second 'create' edits it."""

    roles = STAFF
    can_delete = False
    can_view_details = False
    form_excluded_columns = ("updated_at",)

    @expose("/")
    def index_view(self):
        settings = points.get_loyalty_settings()
        change_url = (self.get_url(".edit_view", id=settings.id) if settings.id
                      else self.get_url(".create_view"))
        return self.render("admin/loyalty_settings.html", settings=settings,
                           ranks=_rank_rules(settings), change_url=change_url)

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        saved = points.get_loyalty_settings()
        if saved.id:
            return redirect(self.get_url(".edit_view", id=saved.id))
        return super().create_view()


def _rank_rules(settings) -> list[tuple[str, str, int]]:
    """(rank, the 12-month spend that earns it, its points multiplier in %) per rank."""
    return [
        (enum_label(Rank.REGULAR), f"{yen(settings.silver_threshold)} 未満",
         settings.regular_multiplier_pct),
        (enum_label(Rank.SILVER), f"{yen(settings.silver_threshold)} 以上",
         settings.silver_multiplier_pct),
        (enum_label(Rank.GOLD), f"{yen(settings.gold_threshold)} 以上",
         settings.gold_multiplier_pct),
    ]


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
