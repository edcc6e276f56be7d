"""Every message one member was sent and what they clicked (follow-ups, chat replies,
broadcasts), as the console's member page reads them, and the same ledgers as the export
streams them."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from campaigns.flows import FLOWS
from campaigns.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastVariant,
    DeliveryClick,
    recipient_outcome,
)
from core.extensions import db
from line.models import Delivery, MulticastBatch
from members.models import Member

# Deliveries that are no follow-up flow of campaigns.flows.
OTHER_FLOWS = {"chat": "チャットの返信", "upgrade-congrats": "本会員登録のお礼",
               "broadcast_test": "一斉配信のテスト送信"}


@dataclass(frozen=True)
class MessageRecord:
    kind: str  # "flow" (follow-ups and chat replies) | "broadcast"
    name: str  # the flow's or the broadcast's name
    channel: str  # reply, push, multicast
    status: str  # sent, failed, pending, skipped, held_out...
    at: datetime  # sent, else planned
    sent_at: datetime | None
    clicked_at: datetime | None
    clicks: int


def flow_name(key: str) -> str:
    flow = FLOWS.get(key)
    return flow.name if flow else OTHER_FLOWS.get(key, key)


def _clicks_of_delivery():
    return (select(func.count(DeliveryClick.id)).where(DeliveryClick.delivery_id == Delivery.id)
            .correlate(Delivery).scalar_subquery())


def messages_of(member_id: int, limit: int = 200) -> list[MessageRecord]:
    """Deliveries and broadcast receipts of the member, newest first."""
    records = _deliveries_of(member_id, limit) + _broadcasts_of(member_id, limit)
    return sorted(records, key=lambda r: r.at, reverse=True)[:limit]


def _deliveries_of(member_id: int, limit: int) -> list[MessageRecord]:
    rows = db.session.execute(
        select(Delivery, _clicks_of_delivery().label("clicks"))
        .where(Delivery.member_id == member_id)
        .order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit))
    return [MessageRecord(kind="flow", name=flow_name(d.flow), channel=d.channel,
                          status=d.status, at=d.sent_at or d.send_after or d.created_at,
                          sent_at=d.sent_at, clicked_at=d.clicked_at, clicks=clicks)
            for d, clicks in rows]


def _broadcasts_of(member_id: int, limit: int) -> list[MessageRecord]:
    rows = db.session.execute(
        _recipients().where(BroadcastRecipient.member_id == member_id)
        .order_by(BroadcastRecipient.id.desc()).limit(limit))
    return [_broadcast_record(row) for row in rows]


def _recipients() -> Select:
    return (select(BroadcastRecipient.id, BroadcastRecipient.broadcast_id, Broadcast.name,
                   BroadcastVariant.label.label("variant"), BroadcastRecipient.status,
                   BroadcastRecipient.skip_reason, MulticastBatch.status.label("batch_status"),
                   MulticastBatch.sent_at, BroadcastRecipient.clicked_at,
                   Broadcast.started_at, Broadcast.send_at, Broadcast.created_at)
            .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
            .outerjoin(BroadcastVariant, BroadcastVariant.id == BroadcastRecipient.variant_id)
            .outerjoin(MulticastBatch, MulticastBatch.id == BroadcastRecipient.batch_id))


def _broadcast_record(row) -> MessageRecord:
    outcome, _ = recipient_outcome(row.status, row.skip_reason, row.batch_status)
    name = f"{row.name}（{row.variant}）" if row.variant else row.name
    return MessageRecord(kind="broadcast", name=name, channel="multicast", status=outcome,
                         at=row.sent_at or row.started_at or row.send_at or row.created_at,
                         sent_at=row.sent_at if outcome == "sent" else None,
                         clicked_at=row.clicked_at, clicks=1 if row.clicked_at else 0)


def deliveries_for_export() -> Select:
    """The delivery ledger (follow-ups, chat replies) with each delivery's clicks, by id.
    Message texts are not exported."""
    return (select(Delivery.id, Member.member_number, Delivery.flow, Delivery.channel,
                   Delivery.promotional, Delivery.status, Delivery.created_at,
                   Delivery.send_after, Delivery.sent_at, Delivery.clicked_at,
                   _clicks_of_delivery().label("clicks"))
            .outerjoin(Member, Member.id == Delivery.member_id)
            .order_by(Delivery.id))


def broadcast_recipients_for_export() -> Select:
    """Every broadcast's recipients with what became of them, by id."""
    return (_recipients().add_columns(Member.member_number)
            .outerjoin(Member, Member.id == BroadcastRecipient.member_id)
            .order_by(BroadcastRecipient.id))


def broadcast_recipient_outcome(row) -> tuple[str, str | None]:
    return recipient_outcome(row.status, row.skip_reason, row.batch_status)
