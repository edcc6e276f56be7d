"""Flask-Admin base views: sign-in and role required everywhere, Flask-WTF CSRF on every form."""

import enum

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.typefmt import DEFAULT_FORMATTERS
from flask_admin.model.typefmt import DETAIL_FORMATTERS
from flask_login import current_user

from admin.filters import ConsoleFilterConverter
from admin.forms import ConsoleForm, ConsoleModelConverter
from admin.labels import enum_label
from admin.models import Role

STAFF = (Role.ADMIN, Role.MARKETER)
_JAPANESE_ENUMS = {enum.Enum: lambda view, value, name: enum_label(value)}


def _allowed(roles) -> bool:
    return current_user.is_authenticated and current_user.has_role(*roles)


def _refuse():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return ("この画面を開く権限がありません。", 403)


class SecureIndexView(AdminIndexView):
    roles = STAFF

    def is_accessible(self):
        return _allowed(self.roles)

    def inaccessible_callback(self, name, **kwargs):
        return _refuse()

    @expose("/")
    def index(self):
        return self.render("admin/console_index.html")


class SecureBaseView(BaseView):
    """A custom console page: signed-in staff only (roles may narrow it)."""

    roles = STAFF

    def is_accessible(self):
        return _allowed(self.roles)

    def inaccessible_callback(self, name, **kwargs):
        return _refuse()


class SecureModelView(ModelView):
    roles = STAFF
    form_base_class = ConsoleForm
    model_form_converter = ConsoleModelConverter
    filter_converter = ConsoleFilterConverter()
    column_type_formatters = {**DEFAULT_FORMATTERS, **_JAPANESE_ENUMS}
    column_type_formatters_detail = {**DETAIL_FORMATTERS, **_JAPANESE_ENUMS}
    page_size = 50
    can_view_details = True

    def is_accessible(self):
        return _allowed(self.roles)

    def inaccessible_callback(self, name, **kwargs):
        return _refuse()


class AdminOnlyModelView(SecureModelView):
    roles = (Role.ADMIN,)


def require_sign_in_for_console(app) -> None:
    """Every /admin URL, present and future (static files included), needs a signed-in user;
    per-view roles are checked on top of this by is_accessible."""

    @app.before_request
    def _guard_console():
        if request.path.startswith("/admin") and not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return None
