"""Barcode and QR images for cards and coupons: EAN-13 and Code128 (python-barcode) and QR
(qrcode), as PNG at sizes LINE accepts (well under 1 MB, so the same file serves as preview)."""

import io
from functools import lru_cache

import barcode
import qrcode
from barcode.writer import ImageWriter, SVGWriter
from flask import make_response

# Wide modules and a generous quiet zone: scanners read it off a phone held at arm's length.
BARCODE_OPTIONS = {"module_width": 0.5, "module_height": 22.0, "quiet_zone": 6.5,
                   "font_size": 12, "text_distance": 5.0, "dpi": 200, "background": "white"}


@lru_cache(maxsize=2048)
def ean13_png(member_number: str) -> bytes:
    return _render(barcode.get("ean13", member_number[:12], writer=ImageWriter()))


@lru_cache(maxsize=2048)
def code128_png(value: str) -> bytes:
    return _render(barcode.get("code128", value, writer=ImageWriter()))


def code128_svg(value: str) -> str:
    out = io.BytesIO()
    code = barcode.get("code128", value, writer=SVGWriter())
    code.write(out, options={**BARCODE_OPTIONS, "module_width": 0.3, "dpi": None})
    return out.getvalue().decode("utf-8")


@lru_cache(maxsize=2048)
def qr_png(value: str) -> bytes:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=12, border=4)
    qr.add_data(value)
    out = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


def _render(code) -> bytes:
    out = io.BytesIO()
    code.write(out, options=BARCODE_OPTIONS)
    return out.getvalue()


IMAGE_CACHE = "public, max-age=86400"


def png_response(data: bytes):
    """A PNG answer that LINE and browsers may cache for a day."""
    response = make_response(data)
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = IMAGE_CACHE
    return response
