"""操作ログ: the audit trail, admins only, read-only: filter it, read it, export it as CSV.
The console offers no way to change it (and the database would refuse: audit/models.py)."""

import csv
import io

from flask import Response, abort, stream_with_context
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from flask_login import current_user
from markupsafe import Markup, escape

from admin.views import AdminOnlyModelView
from audit import record_export
from audit.changes import CHANGED
from audit.labels import (
    KIND_LABELS,
    REASON_LABELS,
    ROLE_LABELS,
    action_label,
    kind_label,
    role_label,
)
from audit.models import AuditEvent
from core.clock import to_business_time

TABLE_LABELS = {
    "members": "会員", "products": "商品", "stock": "在庫", "stores": "店舗", "registers": "レジ",
    "coupon_definitions": "クーポン定義", "issued_coupons": "発行済みクーポン",
    "purchases": "購買", "loyalty_settings": "ポイント・ランク設定",
    "console_users": "コンソールユーザー", "broadcasts": "一斉配信", "deliveries": "配信ログ",
    "campaign_alerts": "配信アラート", "webhook_events": "Webhookイベント",
    "segments": "配信対象", "audit_events": "操作ログ",
}
DETAIL_LABELS = {"reason": "理由", "name": "名前", "reachable": "配信可能人数",
                 "recipients": "配信人数", "member_id": "会員ID", "variant": "パターン",
                 "register": "レジ", "key_prefix": "キーの接頭辞", "erased": "消去したもの",
                 "webhook_events": "Webhookイベント数", "dataset": "データ", "format": "形式",
                 "rows": "件数"}
CSV_COLUMNS = ("occurred_at", "kind", "action", "actor_email", "actor_role", "target_table",
               "target_id", "changes", "ip", "detail")
LABELS = {"occurred_at": "日時（JST）", "kind": "種類", "action": "操作",
          "actor_email": "操作者", "actor_id": "操作者ID", "actor_role": "役割",
          "target_table": "対象", "target_id": "対象ID", "changes": "変更内容（前 → 後）",
          "ip": "IPアドレス", "detail": "詳細", "id": "番号"}
EXPORT_BATCH = 1000


def jst_seconds(moment) -> str:
    return to_business_time(moment).strftime("%Y-%m-%d %H:%M:%S")


def changes_text(changes: dict | None, labels: dict | None = None) -> list[str]:
    """One line per changed field: `価格（円）: 3000 → 3500` (the field as its console view
    calls it); secrets and personal data only as having changed."""
    labels = labels or {}
    return [f"{str(labels.get(field, field))}: {_value(before)} → {_value(after)}"
            for field, (before, after) in (changes or {}).items()]


def detail_text(detail: dict | None) -> list[str]:
    return [f"{DETAIL_LABELS.get(key, key)}: {_detail_value(value)}"
            for key, value in (detail or {}).items() if value not in (None, "", [])]


def _value(value) -> str:
    if value is None:
        return "（なし）"
    return "（変更あり・内容は記録しません）" if value == CHANGED else str(value)


def _detail_value(value) -> str:
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return REASON_LABELS.get(value, str(value)) if isinstance(value, str) else str(value)


def _plain(view, row, name: str) -> str:
    """A column as text: the CSV's value and, escaped, the page's."""
    value = getattr(row, name)
    if name == "occurred_at":
        return jst_seconds(value)
    if name == "kind":
        return kind_label(value)
    if name == "action":
        return action_label(value)
    if name == "actor_role":
        return role_label(value)
    if name == "target_table":
        return TABLE_LABELS.get(value, value or "")
    if name == "changes":
        return "; ".join(changes_text(value, view.field_labels(row.target_table)))
    if name == "detail":
        return "; ".join(detail_text(value))
    return "" if value is None else str(value)


def _lines(lines: list[str]) -> Markup:
    return Markup("<br>").join(escape(line) for line in lines)


class AuditEventView(AdminOnlyModelView):
    can_create = can_edit = can_delete = False
    can_export = True
    export_types = ["csv"]
    can_view_details = True
    column_default_sort = ("id", True)
    column_list = CSV_COLUMNS
    column_details_list = ("id", *CSV_COLUMNS, "actor_id")
    column_sortable_list = ("occurred_at", "kind", "actor_email", "target_table")
    column_labels = LABELS
    column_filters = (
        filters.FilterEqual(AuditEvent.kind, "種類", options=[
            (kind.value, label) for kind, label in KIND_LABELS.items()]),
        filters.FilterLike(AuditEvent.actor_email, "操作者"),
        filters.FilterEqual(AuditEvent.actor_role, "役割", options=[
            (role.value, label) for role, label in ROLE_LABELS.items()]),
        filters.FilterEqual(AuditEvent.target_table, "対象", options=list(TABLE_LABELS.items())),
        "occurred_at",
    )
    column_formatters = {
        **{name: (lambda view, context, row, name: _plain(view, row, name))
           for name in CSV_COLUMNS},
        "changes": lambda view, context, row, name: _lines(
            changes_text(row.changes, view.field_labels(row.target_table))),
        "detail": lambda view, context, row, name: _lines(detail_text(row.detail)),
    }
    column_formatters_detail = column_formatters
    _labels_by_table: dict[str, dict] | None = None

    def field_labels(self, table: str | None) -> dict:
        """What the console's view of `table` calls each field (empty for other tables)."""
        if self._labels_by_table is None:
            self._labels_by_table = {}
            for view in self.admin._views:
                model_table = getattr(getattr(view, "model", None), "__table__", None)
                if model_table is not None:
                    self._labels_by_table.setdefault(model_table.name, {}).update(
                        view.column_labels or {})  # lazy texts: read in the page's language
        return self._labels_by_table.get(table, {})

    # No route may change the trail: each answers 404 (no such page) whatever is sent.
    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        abort(404)

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        abort(404)

    @expose("/delete/", methods=("POST",))
    def delete_view(self):
        abort(404)

    @expose("/action/", methods=("POST",))
    def action_view(self):
        abort(404)

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self):
        abort(404)

    def _export_csv(self, return_url):
        """The filtered trail as CSV, streamed in batches (UTF-8 with BOM, for Excel), and
        recorded as an export itself."""
        args = self._get_list_extra_args()
        sort = self._get_column_by_idx(args.sort)
        count, query = self.get_list(0, sort[0] if sort else None, args.sort_desc, args.search,
                                     args.filters, execute=False, page_size=0)
        record_export(current_user, "audit_events", "csv", count)
        return Response(stream_with_context(_csv_lines(self, query)), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=audit_events.csv"})


def _csv_lines(view, query):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow([LABELS[name] for name in CSV_COLUMNS])
    try:
        for row in query.yield_per(EXPORT_BATCH):
            writer.writerow([_plain(view, row, name) for name in CSV_COLUMNS])
            if buffer.tell() > 64_000:
                yield _drain(buffer)
    finally:
        # The read (a server-side cursor on PostgreSQL) ends with the stream, also when the
        # client goes away, whatever becomes of the request's context.
        query.session.close()
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
