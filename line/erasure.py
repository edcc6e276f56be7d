"""退会 in the delivery ledger: a member's stored messages (their name, card links) go; the rows
stay as anonymous outcomes for the counters."""

from sqlalchemy import update

from core.extensions import db
from line.models import Delivery


def forget_messages(*, member_id: int) -> None:
    """Erase the texts of a member's deliveries; what was still waiting is never sent.
    Caller commits."""
    of_member = Delivery.member_id == member_id
    db.session.execute(update(Delivery).where(of_member, Delivery.status == "pending")
                       .values(status="skipped", last_error="member withdrawn"))
    db.session.execute(update(Delivery).where(of_member).values(messages=None))
