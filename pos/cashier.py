"""/pos/: the cashier's register page and its session-authenticated JSON endpoints.

The endpoints call the same services as the register API; CSRF stays on (X-CSRFToken header).
"""


from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from catalog import service as catalog
from catalog.models import Store, StoreKind
from core.clock import business_now
from core.extensions import db
from core.roles import Role
from pos.errors import PosError
from pos.http import committed, committed_purchase, error_response, json_body
from pos.purchases import record_purchase
from pos.receipts import parse_receipt
from pos.scan import scan_code

bp = Blueprint("pos", __name__, url_prefix="/pos", template_folder="templates",
               static_folder="static")
bp.register_error_handler(PosError, error_response)
ROLES = (Role.CASHIER, Role.ADMIN)


@bp.before_request
def require_cashier():
    if request.endpoint == "pos.static":
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.path))
    if not current_user.has_role(*ROLES):
        abort(403)
    return None


def _store() -> Store:
    """The cashier's own store; an admin without one works the first shop."""
    if current_user.store_id:
        return db.session.get(Store, current_user.store_id)
    if current_user.role != Role.ADMIN:
        raise PosError("no_store", "このユーザーには店舗が設定されていません。", 403)
    stmt = select(Store).where(Store.kind == StoreKind.SHOP).order_by(Store.id)
    store = db.session.scalars(stmt).first()
    if store is None:
        raise PosError("no_store", "店舗が登録されていません。", 403)
    return store


def _till() -> str:
    return f"user:{current_user.id}"


@bp.get("/")
def register_page():
    return render_template("pos/register.html", store=_store(),
                           receipt_prefix=business_now().strftime("W%y%m%d"))


@bp.post("/api/scan")
def scan():
    code = json_body().get("code")
    return committed(scan_code(code=code if isinstance(code, str) else "", store=_store(),
                               till=_till()))


@bp.get("/api/products/<code>")
def product(code):
    found = catalog.find_product(code=code)
    if found is None:
        raise PosError("unknown_product", f"商品 {code} は登録されていません。", 404)
    return jsonify({"sku": found.sku, "jan": found.jan, "name": found.name,
                    "price": found.price})


@bp.post("/api/sales")
def complete_sale():
    receipt = parse_receipt(json_body())
    return committed_purchase(record_purchase(store=_store(), receipt=receipt, till=_till()))
