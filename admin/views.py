"""Flask-Admin base views: sign-in and role required everywhere, Flask-WTF CSRF on every form."""

import enum
import inspect

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, BaseView
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.typefmt import DEFAULT_FORMATTERS
from flask_admin.helpers import is_form_submitted
from flask_admin.model.typefmt import DETAIL_FORMATTERS
from flask_login import current_user
from sqlalchemy import JSON

from admin.filters import ConsoleFilterConverter
from admin.forms import ConsoleForm, ConsoleModelConverter
from admin.labels import enum_label
from admin.models import Role
from admin.query_args import MAX_PAGE, is_possible_key, without_nul

STAFF = (Role.ADMIN, Role.MARKETER)
_JAPANESE_ENUMS = {enum.Enum: lambda view, value, name: enum_label(value)}


def _allowed(roles) -> bool:
    return current_user.is_authenticated and current_user.has_role(*roles)


def _refuse():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return ("この画面を開く権限がありません。", 403)


class SecureIndexView(AdminIndexView):
    """The console's home (admin.dashboard.DashboardView builds on it): staff only."""

    roles = STAFF

    def is_accessible(self):
        return _allowed(self.roles)

    def inaccessible_callback(self, name, **kwargs):
        return _refuse()


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
    # A domain function taking field values as keywords and answering {field: message}: the
    # form refuses what the domain would refuse, in the domain's words, next to the field.
    domain_check = None

    def is_accessible(self):
        return _allowed(self.roles)

    def inaccessible_callback(self, name, **kwargs):
        return _refuse()

    def _get_list_extra_args(self):
        """The list's query string, limited to what the database can take."""
        args = super()._get_list_extra_args()
        args.page = min(max(args.page or 0, 0), MAX_PAGE)
        args.search = without_nul(args.search)
        args.filters = [(index, name, without_nul(value))
                        for index, name, value in args.filters or ()] or None
        return args

    def scaffold_sortable_columns(self):
        # Databases cannot order JSON (PostgreSQL refuses to): such columns do not sort.
        return {name: column for name, column in super().scaffold_sortable_columns().items()
                if not isinstance(getattr(column, "type", None), JSON)}

    def validate_form(self, form):
        valid = super().validate_form(form)
        if self.domain_check is None or not is_form_submitted():
            return valid
        names = inspect.signature(self.domain_check).parameters
        problems = self.domain_check(**{name: getattr(form, name).data if name in form else None
                                        for name in names})
        for name, message in problems.items():
            getattr(form, name).errors.append(message)
        return valid and not problems

    def get_one(self, id):
        """None for an id no row can have: Flask-Admin then says the record does not exist."""
        return super().get_one(id) if is_possible_key(self.model, id) else None


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
