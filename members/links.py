"""Links for members: stable card image URLs, and expiring card and upgrade page links."""

from core.signing import public_url, sign, sign_expiring, unsign, unsign_expiring

CARD_PAGE_MAX_AGE = 30 * 24 * 3600  # the link in the chat keeps working for a month
UPGRADE_MAX_AGE = 7 * 24 * 3600


def card_image_url(member_id: int, kind: str) -> str:
    """`kind` is "barcode" or "qr"; the URL never expires (LINE may fetch images late)."""
    return public_url(f"/card/image/{sign('card-image', {'m': member_id, 'k': kind})}.png")


def read_card_image_token(token: str) -> tuple[int, str]:
    data = unsign("card-image", token)
    return data["m"], data["k"]


def card_page_url(member_id: int) -> str:
    return public_url(f"/card/{sign_expiring('card-page', {'m': member_id})}")


def read_card_page_token(token: str) -> int:
    return unsign_expiring("card-page", token, max_age=CARD_PAGE_MAX_AGE)["m"]


def upgrade_url(member_id: int) -> str:
    return public_url(f"/members/upgrade/{sign_expiring('upgrade', {'m': member_id})}")


def read_upgrade_token(token: str) -> int:
    return unsign_expiring("upgrade", token, max_age=UPGRADE_MAX_AGE)["m"]


HISTORY_MAX_AGE = 90 * 24 * 3600


def history_page_url(member_id: int) -> str:
    return public_url(f"/members/history/{sign_expiring('history', {'m': member_id})}")


def read_history_token(token: str) -> int:
    return unsign_expiring("history", token, max_age=HISTORY_MAX_AGE)["m"]
