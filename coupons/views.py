"""Coupon barcode images, fetched by LINE and the shopper's phone at stable signed URLs."""

from flask import Blueprint, abort

from core.barcodes import code128_png, png_response
from core.extensions import db
from core.signing import InvalidLink
from coupons.links import read_coupon_image_token
from coupons.models import IssuedCoupon

bp = Blueprint("coupons", __name__)


@bp.get("/coupon/image/<token>.png")
def coupon_image(token):
    try:
        coupon = db.session.get(IssuedCoupon, read_coupon_image_token(token))
    except InvalidLink:
        abort(404)
    if coupon is None:
        abort(404)
    return png_response(code128_png(coupon.code))
