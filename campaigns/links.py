"""Tracked links in follow-ups: a tap is recorded against its delivery, then redirected."""

from core.signing import public_url, sign, unsign


def tracked_url(*, delivery_id: int, product_id: int) -> str:
    return public_url(f"/r/{sign('click', {'d': delivery_id, 'p': product_id})}")


def read_tracked(token: str) -> tuple[int, int]:
    data = unsign("click", token)
    return data["d"], data["p"]
