"""The console's menu: one declarative view per domain table."""

from pathlib import Path

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from admin import display, member_360
from admin.audit import AuditEventView
from admin.broadcasts import BroadcastsView, EffectsView
from admin.catalog import CatalogImportView, StockView
from admin.dashboard import DashboardView
from admin.display import yen
from admin.exports import ExportView
from admin.filters import MemberFilter
from admin.follow_ups import AlertView, DeliveryLogView, FlowsView
from admin.inbox import InboxView
from admin.inbox_settings import InboxSettingsView
from admin.labels import enum_label
from admin.message_templates import MessageTemplateView
from admin.models import ConsoleUser, Role
from admin.registers import LoyaltySettingsView, OnlineOrderImportView, RegisterKeysView
from admin.segments import SegmentsView
from admin.surveys import SurveysView
from admin.system import SystemView
from admin.views import AdminOnlyModelView, SecureModelView
from audit.models import AuditEvent
from bot.models import WebhookEvent
from catalog.links import product_link_problems
from catalog.models import Product, Stock, Store
from core.extensions import db
from coupons.models import CouponDefinition, DiscountType, IssuedCoupon
from coupons.rules import PURPOSES, definition_problems
from line.models import CampaignAlert, Delivery
from members.models import LoyaltySettings, Member
from pos.models import Register
from purchases.models import Purchase

# Japanese for the few Flask-Admin texts its own compiled catalogue lacks.
TRANSLATIONS = Path(__file__).parent / "translations"


class MemberView(SecureModelView):
    can_create = False
    can_delete = False
    details_template = "admin/member_360.html"
    column_list = ("member_number", "display_name", "membership", "rank", "follow_status",
                   "points_balance", "joined_at")
    column_searchable_list = ("member_number", "display_name", "email")
    column_filters = ("membership", "rank", "follow_status", "joined_at")
    empty_list_hint = "LINE公式アカウントを友だち追加した人が、ライト会員としてここに並びます。"
    column_exclude_list = ("card_secret",)
    column_details_exclude_list = ("card_secret",)
    form_columns = ("display_name",)

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            member = kwargs["model"]
            kwargs.update(karte=member_360.karte_of(member.id), labels=member_360,
                          show=display, enum_label=enum_label,
                          lists={endpoint: member_360.list_of_member_url(
                              self.admin, endpoint, member.member_number)
                              for endpoint in ("purchase", "issuedcoupon", "delivery")})
        return super().render(template, **kwargs)


class ProductView(SecureModelView):
    column_list = ("sku", "jan", "name", "category", "price", "warranty_months", "active")
    column_searchable_list = ("sku", "jan", "name")
    column_filters = ("category", "active")
    column_labels = {"sku": "SKU（品番）", "jan": "JAN（バーコード）", "name": "商品名",
                     "active": "販売中", "created_at": "登録日時"}
    form_excluded_columns = ("created_at",)
    empty_list_hint = "「作成」で1件ずつ、または 商品 → CSV取り込み でまとめて登録できます。"
    domain_check = staticmethod(product_link_problems)


class CouponDefinitionView(SecureModelView):
    column_list = ("code", "name", "purpose", "discount_type", "discount_value", "valid_days",
                   "active")
    column_searchable_list = ("code", "name")
    column_labels = {"name": "名前", "description": "説明",
                     "discount_type": "割引の種類", "discount_value": "割引（円または％）",
                     "minimum_spend": "最低購入金額（円）", "valid_days": "有効日数",
                     "reinstate_on_return": "返品時に戻す"}
    column_formatters = {"discount_value": lambda view, context, row, name: _discount(row)}
    form_choices = {"purpose": list(PURPOSES.items())}
    form_excluded_columns = ("created_at",)
    empty_list_hint = ("「作成」でクーポンを定義すると、友だち追加・2回目購入・誕生日などの"
                       "配信で使えます。")
    domain_check = staticmethod(definition_problems)


def _discount(definition) -> str:
    if definition.discount_type == DiscountType.PERCENT:
        return f"{definition.discount_value}%"
    return yen(definition.discount_value)


class IssuedCouponView(SecureModelView):
    can_create = can_edit = can_delete = False
    column_list = ("code", "definition", "member", "issued_at", "expires_at", "redeemed_at")
    column_searchable_list = ("code",)
    column_filters = (MemberFilter(IssuedCoupon.member_id), "issued_at", "expires_at",
                      "redeemed_at")
    column_labels = {"code": "クーポンコード", "definition": "クーポン定義", "member": "会員",
                     "issued_at": "発行日時", "expires_at": "有効期限", "redeemed_at": "利用日時"}
    column_formatters = {"member": member_360.member_link}
    empty_list_hint = "会員にクーポンが配られると、ここに並びます（クーポン定義を先に作成します）。"


class PurchaseView(SecureModelView):
    can_create = can_edit = can_delete = False
    column_list = ("channel", "store", "receipt_number", "member", "purchased_at", "total",
                   "status")
    column_filters = (MemberFilter(Purchase.member_id), "channel", "status", "purchased_at")
    column_labels = {"channel": "チャネル", "store": "店舗", "receipt_number": "レシート番号",
                     "member": "会員", "purchased_at": "購入日時", "total": "合計",
                     "status": "状態"}
    column_formatters = {"member": member_360.member_link,
                         "total": lambda view, context, row, name: yen(row.total)}
    empty_list_hint = ("レジ（レジAPI）で会計するか、購買 → オンライン注文取り込み で"
                       "CSVを読み込むと、ここに並びます。")


class ReadOnlyLedgerView(SecureModelView):
    can_create = can_edit = can_delete = False
    column_exclude_list = ("payload",)
    empty_list_hint = "LINEからWebhookが届くと、ここに記録されます。"


class StoreView(AdminOnlyModelView):
    column_list = ("code", "name", "kind", "accepts_static_code")
    column_labels = {"code": "店舗コード", "name": "店舗名", "kind": "店舗の種類"}
    empty_list_hint = "「作成」で店舗（オンラインストアも1店舗として）を登録してください。"


class RegisterView(AdminOnlyModelView):
    column_list = ("store", "code", "name", "api_key_prefix", "api_key_created_at",
                   "api_key_revoked_at")
    form_columns = ("store", "code", "name")
    column_labels = {"code": "レジコード", "name": "レジ名"}
    empty_list_hint = "「作成」でレジを登録し、設定 → レジAPIキー でキーを発行してください。"


class ConsoleUserView(AdminOnlyModelView):
    column_list = ("email", "role", "active", "last_login_at")
    form_columns = ("email", "role", "active")
    can_create = False  # passwords are set through `flask users create`
    column_exclude_list = column_details_exclude_list = ("password_hash", "session_version")
    empty_list_hint = ("ユーザーはサーバーで `flask users create メールアドレス --role 権限` "
                       "で作成します。")


def build_console() -> Admin:
    console = Admin(name="LINE会員コンソール", url="/admin",
                    index_view=DashboardView(name="ダッシュボード", url="/admin"),
                    theme=Bootstrap4Theme(base_template="admin/console_base.html"),
                    translations_path=str(TRANSLATIONS))
    session = db  # Flask-Admin 2 takes the extension, not its session
    console.add_view(MemberView(Member, session, name="会員", category="会員"))
    console.add_view(InboxView(name="チャット", endpoint="inbox"))
    console.add_view(InboxSettingsView(name="チャット設定", category="設定",
                                       endpoint="inbox_settings"))
    console.add_view(ProductView(Product, session, name="商品", category="商品"))
    console.add_view(StockView(Stock, session, name="在庫", category="商品"))
    console.add_view(CatalogImportView(name="CSV取り込み", category="商品",
                                       endpoint="catalogimport"))
    console.add_view(CouponDefinitionView(CouponDefinition, session, name="クーポン定義",
                                          category="クーポン"))
    console.add_view(IssuedCouponView(IssuedCoupon, session, name="発行済みクーポン",
                                      category="クーポン"))
    console.add_view(PurchaseView(Purchase, session, name="購買", category="購買"))
    console.add_view(OnlineOrderImportView(name="オンライン注文取り込み", category="購買",
                                           endpoint="onlineorders"))
    console.add_view(LoyaltySettingsView(LoyaltySettings, session, name="ポイント・ランク設定",
                                         category="会員"))
    console.add_view(FlowsView(name="フォローアップ", category="配信", endpoint="flows"))
    console.add_view(BroadcastsView(name="一斉配信", category="配信", endpoint="broadcasts"))
    console.add_view(EffectsView(name="効果比較", category="配信", endpoint="effects"))
    console.add_view(SurveysView(name="アンケート", category="配信", endpoint="surveys"))
    console.add_view(SegmentsView(name="配信対象", category="配信", endpoint="segments"))
    console.add_view(DeliveryLogView(Delivery, session, name="配信ログ", category="配信"))
    console.add_view(AlertView(CampaignAlert, session, name="配信アラート", category="配信"))
    console.add_view(ReadOnlyLedgerView(WebhookEvent, session, name="Webhookイベント",
                                        category="配信", endpoint="webhookevent"))
    console.add_view(StoreView(Store, session, name="店舗", category="設定"))
    console.add_view(RegisterView(Register, session, name="レジ", category="設定"))
    console.add_view(RegisterKeysView(name="レジAPIキー", category="設定", endpoint="registerkeys"))
    console.add_view(ConsoleUserView(ConsoleUser, session, name="コンソールユーザー",
                                     category="設定"))
    console.add_view(MessageTemplateView(name="メッセージ文面", category="配信",
                                         endpoint="message_templates"))
    console.add_view(ExportView(name="データ出力", category="設定", endpoint="exports"))
    console.add_view(SystemView(name="システム", category="設定", endpoint="system"))
    console.add_view(AuditEventView(AuditEvent, session, name="操作ログ", category="設定",
                                    endpoint="auditevent"))
    return console


__all__ = ["build_console", "Role"]
