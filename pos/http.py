"""JSON plumbing shared by the register API and the cashier page's endpoints."""

from flask import jsonify

from core.extensions import db
from members.models import Member
from pos import validation
from pos.answers import purchase_answer
from pos.errors import PosError, bad_request
from purchases.models import Purchase


def json_body() -> dict:
    """The request's JSON object; a PosError if it is missing or malformed."""
    body = validation.request_json()
    if not isinstance(body, dict):
        raise bad_request("malformed_json", "JSONオブジェクトを送ってください。")
    return body


def error_response(error: PosError):
    db.session.rollback()  # a refused request writes nothing
    return jsonify(error.as_json()), error.status


def committed_purchase(purchase: Purchase):
    """Commit, then answer with the purchase as stored (a resend gets the same answer)."""
    purchase_id = purchase.id
    db.session.commit()
    purchase = db.session.get(Purchase, purchase_id)
    member = db.session.get(Member, purchase.member_id) if purchase.member_id else None
    return jsonify(purchase_answer(purchase, member))


def committed(answer: dict, status: int = 200):
    db.session.commit()
    return jsonify(answer), status
