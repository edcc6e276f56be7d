"""Product shop links: only web pages the shopper's phone may be sent to (https; http too in
development), checked when a link is stored and again before a tap is redirected to it."""

from urllib.parse import urlsplit

from flask import current_app

NOT_A_SHOP_LINK = "商品ページのURLは https:// で始まるWebページのURLにしてください。"


def allowed_schemes() -> tuple[str, ...]:
    development = current_app.config["SETTINGS"].env == "development"
    return ("https", "http") if development else ("https",)


def shop_link_problem(url: str | None) -> str | None:
    """Why `url` cannot be a product's shop link, or None (no link at all is fine)."""
    url = (url or "").strip()
    if not url:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return NOT_A_SHOP_LINK  # browsers drop such characters: "java\tscript:" is javascript:
    try:
        parts = urlsplit(url)
    except ValueError:
        return NOT_A_SHOP_LINK
    if parts.scheme not in allowed_schemes() or not parts.hostname:
        return NOT_A_SHOP_LINK
    return None


def is_safe_shop_link(url: str | None) -> bool:
    return bool(url) and shop_link_problem(url) is None


def product_link_problems(*, online_url=None) -> dict[str, str]:
    """The console form's check: {field: message}."""
    problem = shop_link_problem(online_url)
    return {"online_url": problem} if problem else {}
