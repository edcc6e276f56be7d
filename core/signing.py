"""Signed tokens for links sent to shoppers: nothing in them can be guessed or altered."""

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer


class InvalidLink(ValueError):
    def __init__(self, expired: bool):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def public_url(path: str) -> str:
    return current_app.config["SETTINGS"].public_base_url + path


def sign(salt: str, data: dict) -> str:
    """A token that never expires (image URLs LINE may fetch at any time)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt).dumps(data)


def unsign(salt: str, token: str) -> dict:
    try:
        return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt).loads(token)
    except BadSignature as exc:
        raise InvalidLink(expired=False) from exc


def sign_expiring(salt: str, data: dict) -> str:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt).dumps(data)


def unsign_expiring(salt: str, token: str, *, max_age: int) -> dict:
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)
    try:
        return serializer.loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidLink(expired=True) from exc
    except BadSignature as exc:
        raise InvalidLink(expired=False) from exc
