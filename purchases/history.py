"""The member's page: one purchase history across stores and the online shop, with the
warranty end of each product that has one."""

from flask import Blueprint, abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.clock import to_business_time
from core.extensions import db
from core.signing import InvalidLink
from members import links
from members.views import member_or_404
from purchases.models import Purchase, PurchaseLine

bp = Blueprint("purchases", __name__, template_folder="templates")


@bp.get("/members/history/<token>")
def history(token):
    try:
        member = member_or_404(links.read_history_token(token))
    except InvalidLink as exc:
        abort(410 if exc.expired else 404)
    purchases = db.session.scalars(
        select(Purchase).where(Purchase.member_id == member.id)
        .options(selectinload(Purchase.lines).selectinload(PurchaseLine.product),
                 selectinload(Purchase.store))
        .order_by(Purchase.purchased_at.desc()).limit(100)).all()
    return render_template("purchases/history.html", member=member, purchases=purchases,
                           local=to_business_time)
