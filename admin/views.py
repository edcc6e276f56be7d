"""Flask-Admin base views: sign-in and role required everywhere, Flask-WTF CSRF on every form."""

import enum
import inspect
from datetime import datetime

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.typefmt import DEFAULT_FORMATTERS
from flask_admin.helpers import is_form_submitted
from flask_admin.model.typefmt import DETAIL_FORMATTERS
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import JSON

from admin import display
from admin.filters import ConsoleFilterConverter
from admin.forms import ConsoleForm, ConsoleModelConverter
from admin.labels import COLUMN_LABELS, YEN_COLUMNS, code_labels_of, enum_label
from admin.models import Role
from admin.query_args import MAX_PAGE, is_possible_key, without_nul

STAFF = (Role.ADMIN, Role.MARKETER)
def _yes_no(view, value: bool, name: str) -> Markup:
    """Flask-Admin's check / minus icon, its tooltip in Japanese (it says 'active: true')."""
    icon, answer = ("fa-check-circle", "はい") if value else ("fa-minus-circle", "いいえ")
    return Markup('<span class="fa {}" title="{}：{}"></span>').format(
        icon, view.get_column_name(name), answer)


# Checked in order, by isinstance (bool before int): enums in Japanese, moments in JST to the
# minute, yes / no in Japanese.
_JAPANESE_TYPES = {bool: _yes_no, enum.Enum: lambda view, value, name: enum_label(value),
                   datetime: lambda view, value, name: display.jst(value)}
EMPTY_LIST_MESSAGE = "まだデータがありません。"


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
        return self.render("admin/console_index.html", role_label=enum_label(current_user.role))


class SecureBaseView(BaseView):
    """A custom console page: signed-in staff only (roles may narrow it)."""

    roles = STAFF

    def is_accessible(self):
        return _allowed(self.roles)

    def inaccessible_callback(self, name, **kwargs):
        return _refuse()


class SecureModelView(ModelView):
    """A console model view, in Japanese without further work: column names from
    labels.COLUMN_LABELS (the view's column_labels win), str-enum values from
    labels.ENUM_LABELS, code columns from labels.CODE_LABELS, yen columns (labels.YEN_COLUMNS)
    as ¥1,234, moments in JST, and an empty list that says what to do (`empty_list_hint`)."""

    roles = STAFF
    form_base_class = ConsoleForm
    model_form_converter = ConsoleModelConverter
    filter_converter = ConsoleFilterConverter()
    column_type_formatters = {**DEFAULT_FORMATTERS, **_JAPANESE_TYPES}
    column_type_formatters_detail = {**DETAIL_FORMATTERS, **_JAPANESE_TYPES}
    page_size = 50
    can_view_details = True
    # What to do when the list is empty, e.g. "商品は「作成」から登録できます。"
    empty_list_hint = None
    # A domain function taking field values as keywords and answering {field: message}: the
    # form refuses what the domain would refuse, in the domain's words, next to the field.
    domain_check = None

    def __init__(self, model, session, *args, **kwargs):
        # Before Flask-Admin builds the list, filters and forms, which read these.
        self.column_labels = {**COLUMN_LABELS, **(self.column_labels or {})}
        self.column_formatters = {**self._yen_formatters(model), **(self.column_formatters or {})}
        self.column_choices = {**self._code_choices(model), **(self.column_choices or {})}
        self.form_choices = {**self._code_choices(model), **(self.form_choices or {})}
        super().__init__(model, session, *args, **kwargs)

    @staticmethod
    def _yen_formatters(model) -> dict:
        return {name: lambda view, context, row, name: display.yen(getattr(row, name))
                for name in YEN_COLUMNS if name in model.__table__.columns}

    @staticmethod
    def _code_choices(model) -> dict:
        table = model.__table__
        return {column.name: list(labels.items()) for column in table.columns
                if (labels := code_labels_of(table.name, column.name))}

    def get_empty_list_message(self) -> str:
        hint = self.empty_list_hint or ("「作成」から登録できます。" if self.can_create
                                        else "記録されると、ここに表示されます。")
        return f"{EMPTY_LIST_MESSAGE}{hint}"

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
