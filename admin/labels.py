"""The console's words: Japanese labels for columns, stored values and shopper texts, kept in
one place so that every view, present and future, says the same thing the same way.

SecureModelView (admin/views.py) applies them to every model view by itself:
- COLUMN_LABELS: a column's name in lists, details, filters and forms (a view's own
  column_labels win);
- ENUM_LABELS: how a value of a str-enum column reads, in cells, filter options and selects;
- CODE_LABELS: the same for plain string columns holding codes, keyed "table.column";
- YEN_COLUMNS: integer columns holding yen, shown as ¥1,234.
Custom pages' templates have enum_label, code_label, flow_label and fmt (admin/display.py:
fmt.jst, fmt.yen, ...) as globals.
"""

import enum

from admin.models import Role
from campaigns.flows import FLOWS
from catalog.models import StoreKind
from coupons.models import DiscountType
from coupons.rules import PURPOSES
from line.messages import MEMBERSHIP_LABELS, RANK_LABELS
from members.models import FollowStatus, Membership, Rank
from purchases.models import Channel, PurchaseStatus

ENUM_LABELS: dict[type[enum.Enum], dict] = {
    Membership: MEMBERSHIP_LABELS,  # the words the chat uses
    Rank: {Rank(value): label for value, label in RANK_LABELS.items()},
    FollowStatus: {FollowStatus.FOLLOWED: "友だち", FollowStatus.BLOCKED: "ブロック中",
                   FollowStatus.WITHDRAWN: "退会済み"},
    Channel: {Channel.STORE: "店舗", Channel.ONLINE: "オンライン"},
    PurchaseStatus: {PurchaseStatus.COMPLETED: "完了", PurchaseStatus.RETURNED: "返品",
                     PurchaseStatus.VOIDED: "取消"},
    StoreKind: {StoreKind.SHOP: "店舗", StoreKind.ONLINE: "オンラインストア"},
    DiscountType: {DiscountType.AMOUNT: "円引き", DiscountType.PERCENT: "％引き"},
    Role: {Role.ADMIN: "管理者", Role.MARKETER: "マーケター", Role.CASHIER: "レジ担当"},
}

DELIVERY_STATUSES = {"pending": "送信待ち", "sending": "送信中", "sent": "送信済み",
                     "failed": "失敗", "skipped": "見送り"}
WEBHOOK_STATUSES = {"pending": "処理待ち", "processing": "処理中", "done": "処理済み",
                    "ignored": "対象外", "superseded": "より新しいイベントで処理済み",
                    "failed": "失敗", "rejected": "不正なイベント"}
WEBHOOK_EVENT_TYPES = {"follow": "友だち追加", "unfollow": "ブロック", "message": "メッセージ",
                       "postback": "ボタン操作", "rejected": "不正なイベント"}
DELIVERY_CHANNELS = {"reply": "応答", "push": "プッシュ", "multicast": "一斉送信"}
ALERT_KINDS = {"quota": "送信上限", "refused": "LINEが拒否", "setting": "設定エラー",
               "job_failed": "ジョブ失敗"}

CODE_LABELS: dict[str, dict[str, str]] = {
    "deliveries.status": DELIVERY_STATUSES,
    "deliveries.channel": DELIVERY_CHANNELS,
    "webhook_events.status": WEBHOOK_STATUSES,
    "webhook_events.event_type": WEBHOOK_EVENT_TYPES,
    "campaign_alerts.kind": ALERT_KINDS,
    "coupon_definitions.purpose": PURPOSES,
}

# Deliveries the product sends outside the follow-up flows (those name themselves).
OTHER_DELIVERY_FLOWS = {"upgrade-congrats": "本会員登録のお祝い", "broadcast_test": "テスト配信"}

YEN_COLUMNS = {"price", "total", "unit_price", "discount", "line_total", "coupon_discount",
               "minimum_spend", "silver_threshold", "gold_threshold", "spend_365",
               "spend_total"}

COLUMN_LABELS = {
    "id": "ID", "code": "コード", "name": "名前", "email": "メールアドレス", "active": "有効",
    "status": "状態", "kind": "種類", "message": "内容", "error": "エラー",
    "last_error": "最後のエラー", "attempts": "試行回数", "role": "権限", "store": "店舗",
    "store_id": "店舗", "product": "商品", "product_id": "商品", "member": "会員",
    "member_id": "会員", "quantity": "数量", "channel": "チャネル", "flow": "配信の種類",
    "created_at": "作成日時", "updated_at": "更新日時",
    # members
    "member_number": "会員番号", "display_name": "表示名", "membership": "会員種別",
    "rank": "ランク", "follow_status": "友だち状態", "points_balance": "ポイント",
    "joined_at": "登録日時", "full_name": "氏名", "full_name_kana": "フリガナ",
    "phone": "電話番号", "birthday": "誕生日", "line_user_id": "LINEユーザーID",
    "upgraded_at": "本会員登録日時", "blocked_at": "ブロック日時",
    "follow_status_at": "友だち状態の変更日時", "withdrawn_at": "退会日時",
    # catalogue and purchases
    "sku": "SKU", "jan": "JAN", "category": "カテゴリ", "price": "価格",
    "warranty_months": "保証（月）", "image_url": "画像URL",
    "online_url": "オンラインストアの商品ページ",
    "accepts_static_code": "印刷の会員番号を受け付ける",
    "receipt_number": "レシート番号", "purchased_at": "購入日時", "total": "合計",
    "payment_method": "支払い方法", "coupon_discount": "クーポン値引き",
    "request_fingerprint": "受信内容の指紋", "register": "レジ", "register_id": "レジ",
    # coupons
    "definition": "クーポン", "purpose": "用途", "issued_at": "発行日時",
    "expires_at": "有効期限", "redeemed_at": "利用日時", "issue_key": "発行キー",
    "redeemed_purchase_id": "利用した購買",
    # deliveries and LINE
    "send_after": "送信予定", "sent_at": "送信日時", "clicked_at": "クリック日時",
    "delivery_key": "配信キー", "retry_key": "再送キー", "promotional": "販促メッセージ",
    "messages": "メッセージ", "context": "配信の内容", "claimed_by": "送信中のジョブ",
    "lease_until": "送信の期限", "attempts_not_accepted": "LINEが受けなかった試行",
    "line_request_id": "LINEのリクエストID", "paused_until": "送信停止の期限",
    "resolved_at": "解決日時", "webhook_event_id": "WebhookイベントID",
    "event_type": "イベントの種類", "is_redelivery": "再送", "payload": "内容（JSON）",
    "event_time": "イベント日時", "received_at": "受信日時", "due_at": "処理予定",
    "processed_at": "処理日時",
    # registers and console users
    "api_key_prefix": "APIキーの先頭", "api_key_hash": "APIキーのハッシュ",
    "api_key_created_at": "APIキー発行日時", "api_key_revoked_at": "APIキー無効化日時",
    "last_login_at": "最終ログイン", "password_hash": "パスワードのハッシュ",
    "session_version": "セッション世代",
    # loyalty settings
    "yen_per_point": "1ptあたりの金額（円）", "silver_threshold": "シルバーになる年間購入額",
    "gold_threshold": "ゴールドになる年間購入額",
    "regular_multiplier_pct": "レギュラーのポイント倍率（%）",
    "silver_multiplier_pct": "シルバーのポイント倍率（%）",
    "gold_multiplier_pct": "ゴールドのポイント倍率（%）",
}

# The console's name for each shopper text (メッセージ文面), in the order of line.texts.
TEXT_TITLES = {
    "brand_name": "ブランド名（会員証の見出し）", "welcome": "友だち追加のあいさつ",
    "welcome_back": "ブロック解除のあいさつ", "welcome_coupon": "ウェルカムクーポンのお知らせ",
    "card_alt": "会員証の代替テキスト", "points": "ポイント残高",
    "points_to_next_rank": "次のランクまで", "points_top_rank": "最上位ランク",
    "no_coupons": "使えるクーポンなし", "coupons_intro": "クーポン一覧の前置き",
    "upgrade_invite": "本会員登録のご案内", "already_full": "すでに本会員",
    "upgrade_done": "本会員登録の完了", "full_benefits": "本会員の特典",
    "help": "ヘルプ（ライト会員）", "help_full": "ヘルプ（本会員）",
    "product_usage": "商品・再入荷コマンドの使い方", "unknown": "わからない言葉への返事",
    "withdraw_confirm": "退会の確認", "withdraw_done": "退会の完了",
    "withdraw_cancelled": "退会の取りやめ", "receipt": "お買い上げ・ポイント通知",
    "after_purchase": "店舗購入後のおすすめ", "second_purchase": "2回目購入クーポン",
    "restock": "再入荷のお知らせ", "restock_requested": "再入荷お知らせの受付",
    "restock_in_stock": "在庫ありの返事", "product_not_found": "商品が見つからない",
    "warranty": "保証期限のお知らせ", "rank_nudge": "ランクアップまであと少し",
    "rank_up": "ランクアップのお祝い", "winback_30": "休眠復帰（30日）",
    "winback_90": "休眠復帰（90日）", "winback_180": "休眠復帰（180日）",
    "birthday": "お誕生日月クーポン", "upgrade_prompt": "本会員登録のおすすめ",
    "not_member": "会員情報が見つからない",
}


def enum_label(value: enum.Enum) -> str:
    return ENUM_LABELS.get(type(value), {}).get(value, str(value.value))


def enum_choices(enum_class: type[enum.Enum]) -> list[tuple[str, str]]:
    """(stored value, label) for a select: what the database holds, in Japanese."""
    return [(member.value, enum_label(member)) for member in enum_class]


def code_labels_of(table: str, column: str) -> dict[str, str] | None:
    return CODE_LABELS.get(f"{table}.{column}")


def code_label(column: str, code: str | None) -> str:
    """A plain code in Japanese: code_label("deliveries.status", "sent") == "送信済み"."""
    if code is None:
        return "—"
    return CODE_LABELS.get(column, {}).get(code, code)


def flow_label(key: str | None) -> str:
    """A delivery's flow as marketers know it: the follow-up's name, 一斉配信, ..."""
    if key is None:
        return "—"
    if key in FLOWS:
        return FLOWS[key].name
    if key.startswith("winback") and "winback" in FLOWS:
        return FLOWS["winback"].name
    return OTHER_DELIVERY_FLOWS.get(key, key)


def text_title(key: str) -> str:
    return TEXT_TITLES.get(key, key)
