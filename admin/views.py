"""Flask-Admin base views: sign-in and role required everywhere, Flask-WTF CSRF on every form."""

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.model.filters import convert
from flask_login import current_user
from flask_wtf import FlaskForm

from admin.models import Role

STAFF = (Role.ADMIN, Role.MARKETER)


class ConsoleFilterConverter(FilterConverter):
    """Lets list filters work on our UTCDateTime columns like on plain DateTime."""

    @convert("UTCDateTime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


class ConsoleForm(FlaskForm):
    """Flask-Admin forms carry the same CSRF token the global CSRFProtect checks."""


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
    filter_converter = ConsoleFilterConverter()
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
