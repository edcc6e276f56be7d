"""Tracked links: a shopper's tap on a follow-up is recorded, then sent on to the shop."""

from flask import Blueprint, abort, redirect, render_template
from sqlalchemy import update

from campaigns.links import read_broadcast_tracked, read_tracked
from campaigns.models import BroadcastVariant, DeliveryClick
from catalog.links import is_safe_shop_link
from catalog.models import Product
from core.clock import utcnow
from core.extensions import db
from core.signing import InvalidLink
from line.models import Delivery

bp = Blueprint("campaigns", __name__, template_folder="templates")


@bp.get("/r/<token>")
def follow_link(token):
    try:
        delivery_id, product_id = read_tracked(token)
    except InvalidLink:
        abort(404)
    delivery, product = db.session.get(Delivery, delivery_id), db.session.get(Product, product_id)
    if delivery is None or product is None or not product.online_url:
        abort(404)
    if not is_safe_shop_link(product.online_url):  # stored before links were checked
        return render_template("campaigns/link_unavailable.html", product=product), 404
    db.session.add(DeliveryClick(delivery_id=delivery.id, product_id=product.id))
    delivery.clicked_at = delivery.clicked_at or utcnow()
    db.session.commit()
    return redirect(product.online_url, code=302)


@bp.get("/rb/<token>")
def follow_broadcast_link(token):
    """A tap on a broadcast's product: counted for its variant (atomically: many at once)."""
    try:
        variant_id, product_id, test = read_broadcast_tracked(token)
    except InvalidLink:
        abort(404)
    product = db.session.get(Product, product_id)
    if product is None or not product.online_url:
        abort(404)
    if not is_safe_shop_link(product.online_url):
        return render_template("campaigns/link_unavailable.html", product=product), 404
    if not test:
        db.session.execute(update(BroadcastVariant).where(BroadcastVariant.id == variant_id)
                           .values(clicks=BroadcastVariant.clicks + 1))
        db.session.commit()
    return redirect(product.online_url, code=302)
