"""One member's restock requests as the console's member page reads them."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog.models import RestockRequest
from core.extensions import db


def restock_requests_of(member_id: int) -> list[RestockRequest]:
    """The member's restock requests (waiting or told), newest first."""
    return list(db.session.scalars(
        select(RestockRequest).where(RestockRequest.member_id == member_id)
        .options(selectinload(RestockRequest.product), selectinload(RestockRequest.store))
        .order_by(RestockRequest.created_at.desc(), RestockRequest.id.desc())))
