"""Tracked links in follow-ups: a tap is recorded against its delivery, then redirected."""

from core.signing import public_url, sign, unsign


def tracked_url(*, delivery_id: int, product_id: int) -> str:
    return public_url(f"/r/{sign('click', {'d': delivery_id, 'p': product_id})}")


def read_tracked(token: str) -> tuple[int, int]:
    data = unsign("click", token)
    return data["d"], data["p"]


def broadcast_tracked_url(*, variant_id: int, product_id: int, test: bool = False) -> str:
    """A broadcast's product link: counted per variant (one multicast message for all);
    a test send's links are not counted."""
    data = {"v": variant_id, "p": product_id, **({"t": 1} if test else {})}
    return public_url(f"/rb/{sign('broadcast-click', data)}")


def read_broadcast_tracked(token: str) -> tuple[int, int, bool]:
    data = unsign("broadcast-click", token)
    return data["v"], data["p"], bool(data.get("t"))
