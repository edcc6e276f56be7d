"""Stable, signed URLs of coupon barcode images (the register scans them off the phone)."""

from core.signing import public_url, sign, unsign


def coupon_image_url(coupon_id: int) -> str:
    return public_url(f"/coupon/image/{sign('coupon-image', {'c': coupon_id})}.png")


def read_coupon_image_token(token: str) -> int:
    return unsign("coupon-image", token)["c"]
