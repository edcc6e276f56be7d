"""What can be exported: each dataset's columns (JSON key, CSV header in Japanese, whether it
is personal data) and the domain queries whose rows it streams, one after another."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select

from campaigns import records as campaign_records
from coupons import records as coupon_records
from members import records as member_records
from purchases import records as purchase_records

MEMBER_NUMBER = "member_number"
MEMBER_KEY = "member_key"  # what a pseudonymised row has instead of the member number


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    personal: bool = False  # dropped from pseudonymised rows


@dataclass(frozen=True)
class Part:
    query: Callable[[], Select]
    shape: Callable[[object], dict] = lambda row: row._asdict()


@dataclass(frozen=True)
class Dataset:
    key: str
    name: str
    columns: tuple[Column, ...]
    parts: tuple[Part, ...]
    aggregate: bool = False  # no row is about one member: anyone who may export takes it as is
    description: str = ""

    def columns_for(self, pseudonymised: bool) -> tuple[Column, ...]:
        if not pseudonymised:
            return self.columns
        return tuple(Column(MEMBER_KEY, "会員キー（仮名）") if c.key == MEMBER_NUMBER else c
                     for c in self.columns if not c.personal)


def _c(key: str, header: str, personal: bool = False) -> Column:
    return Column(key, header, personal)


MEMBER = _c(MEMBER_NUMBER, "会員番号")
_CONSENT_KINDS = (("terms", "会員規約"), ("privacy", "プライバシーポリシー"),
                  ("marketing", "お知らせ配信"))
_CONSENTS = tuple(column for kind, label in _CONSENT_KINDS
                  for column in (_c(f"{kind}_granted", f"{label}の同意"),
                                 _c(f"{kind}_version", f"{label}の版"),
                                 _c(f"{kind}_at", f"{label}の同意日時")))

MEMBERS = Dataset(
    "members", "会員（同意と規約の版つき）",
    (MEMBER, _c("line_user_id", "LINEユーザーID", True), _c("display_name", "表示名", True),
     _c("full_name", "氏名", True), _c("full_name_kana", "フリガナ", True),
     _c("email", "メール", True), _c("phone", "電話番号", True), _c("birthday", "誕生日", True),
     _c("membership", "会員種別"), _c("rank", "ランク"), _c("follow_status", "友だち状態"),
     _c("points_balance", "ポイント残高"), _c("joined_at", "登録日時"),
     _c("upgraded_at", "本会員登録日時"), _c("blocked_at", "ブロック日時"),
     _c("withdrawn_at", "退会日時"), *_CONSENTS),
    (Part(member_records.members_for_export),))

MEMBER_COUNTS = Dataset(
    "member_counts", "会員数の集計（会員種別・ランク・友だち状態別）",
    (_c("membership", "会員種別"), _c("rank", "ランク"), _c("follow_status", "友だち状態"),
     _c("members", "会員数"), _c("points", "ポイント残高の合計")),
    (Part(member_records.member_counts_for_export),), aggregate=True)

PURCHASES = Dataset(
    "purchases", "購買と明細",
    (_c("purchase_id", "購買ID"), _c("channel", "チャネル"), _c("store", "店舗コード"),
     _c("receipt_number", "レシート番号・注文番号"), MEMBER, _c("purchased_at", "購入日時"),
     _c("status", "状態"), _c("total", "合計（円）"), _c("coupon_discount", "クーポン値引き（円）"),
     _c("payment_method", "支払方法"), _c("sku", "SKU"), _c("jan", "JAN"),
     _c("product_name", "商品名"), _c("quantity", "数量"), _c("unit_price", "単価（円）"),
     _c("discount", "値引き（円）"), _c("line_total", "明細金額（円）"),
     _c("warranty_ends_on", "保証終了日")),
    (Part(purchase_records.purchase_lines_for_export),))

POINTS = Dataset(
    "points", "ポイント履歴",
    (_c("id", "履歴ID"), MEMBER, _c("delta", "増減"), _c("reason", "理由"),
     _c("purchase_id", "購買ID"), _c("created_at", "日時")),
    (Part(member_records.point_entries_for_export),))

COUPONS = Dataset(
    "coupons", "発行済みクーポン",
    (_c("id", "発行ID"), _c("code", "クーポンコード"), _c("coupon", "クーポン定義"),
     _c("coupon_name", "クーポン名"), MEMBER, _c("issued_at", "発行日時"),
     _c("expires_at", "有効期限"), _c("redeemed_at", "利用日時"),
     _c("redeemed_purchase_id", "利用した購買ID")),
    (Part(coupon_records.issued_coupons_for_export),))


def _delivery(row) -> dict:
    return {"kind": "chat" if row.flow == "chat" else "follow_up", "source": row.flow,
            "name": campaign_records.flow_name(row.flow), "delivery_id": row.id,
            MEMBER_NUMBER: row.member_number, "channel": row.channel, "status": row.status,
            "planned_at": row.send_after or row.created_at, "sent_at": row.sent_at,
            "clicked_at": row.clicked_at, "clicks": row.clicks}


def _broadcast_receipt(row) -> dict:
    outcome, reason = campaign_records.broadcast_recipient_outcome(row)
    return {"kind": "broadcast", "source": f"broadcast:{row.broadcast_id}",
            "name": f"{row.name}（{row.variant}）" if row.variant else row.name,
            "delivery_id": None, MEMBER_NUMBER: row.member_number, "channel": "multicast",
            "status": f"{outcome}:{reason}" if reason else outcome,
            "planned_at": row.send_at or row.started_at, "sent_at": row.sent_at
            if outcome == "sent" else None, "clicked_at": row.clicked_at,
            "clicks": 1 if row.clicked_at else 0}


DELIVERIES = Dataset(
    "deliveries", "配信とクリック（フォローアップ・チャット返信・一斉配信）",
    (_c("kind", "種類"), _c("source", "配信元"), _c("name", "配信名"),
     _c("delivery_id", "配信ID"), MEMBER, _c("channel", "送信方法"), _c("status", "状態"),
     _c("planned_at", "予定日時"), _c("sent_at", "送信日時"), _c("clicked_at", "クリック日時"),
     _c("clicks", "クリック数")),
    (Part(campaign_records.deliveries_for_export, _delivery),
     Part(campaign_records.broadcast_recipients_for_export, _broadcast_receipt)))

DATASETS: dict[str, Dataset] = {d.key: d for d in (MEMBERS, MEMBER_COUNTS, PURCHASES, POINTS,
                                                  COUPONS, DELIVERIES)}
FORMATS = {"csv": "CSV（UTF-8 BOM付き、Excelでそのまま開けます）",
           "jsonl": "JSON Lines（1行に1件のJSON、システム連携向け）"}
ALL = "all"  # every dataset, one file each, in one zip

__all__ = ["ALL", "DATASETS", "FORMATS", "Column", "Dataset"]
