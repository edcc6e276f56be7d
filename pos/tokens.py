"""Member tokens: a scan's short-lived, signed proof of who the shopper is.

A rotating card code is used up by the scan, so the purchase that follows identifies the
member with this token instead; it is bound to the till that scanned.
"""

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from pos.errors import PosError

MAX_AGE_SECONDS = 15 * 60
SALT = "pos.member-token"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue_member_token(*, member_id: int, till: str) -> str:
    """A token naming the member for purchases from `till` ("register:3", "user:7")."""
    return _serializer().dumps({"m": member_id, "t": till})


def member_id_from_token(*, token: str, till: str) -> int:
    """The member a token names; raises PosError if expired, forged or from another till."""
    try:
        data = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except SignatureExpired as exc:
        raise PosError("member_token_expired", "会員証をもう一度スキャンしてください。",
                       400) from exc
    except BadSignature as exc:
        raise PosError("member_token_invalid", "会員トークンが正しくありません。", 400) from exc
    if data.get("t") != till:
        raise PosError("member_token_invalid", "別のレジで発行された会員トークンです。", 400)
    return data["m"]
