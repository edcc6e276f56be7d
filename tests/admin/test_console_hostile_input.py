"""No console URL answers 500 to a signed-in admin's crafted query string."""

from flask_admin.contrib.sqla import ModelView

from bot.models import WebhookEvent
from core.clock import utcnow
from line.models import CampaignAlert, Delivery
from purchases.models import Channel, Purchase

# Percent-encoded as a browser or a script would send them.
NUL, QUOTE, DQUOTE, LONE_SURROGATE = "%00", "%27", "%22", "%ED%A0%80"
HUGE = "99999999999999999999999"
JUNK = [NUL, QUOTE, DQUOTE, LONE_SURROGATE, f"a{NUL}b", "abc", "-1", "1.5", HUGE, f"-{HUGE}",
        "1,2,%27x", f"1,{NUL}", "2026-13-45", "2026-01-01", "2026-01-01 00:00:00",
        "2026-01-01 00:00:00 to 2026-02-01 00:00:00", "00:00:00", "", "%25", "x" * 2000]
TEXT_JUNK = [NUL, QUOTE, LONE_SURROGATE, f"a{NUL}b", "%25", "x" * 2000]


def _model_views(app):
    return [v for v in app.extensions["admin"][0]._views if isinstance(v, ModelView)]


def _list_queries(view) -> list[str]:
    queries = [f"search={value}" for value in TEXT_JUNK]
    sorts = [str(i) for i in range(len(view._list_columns))] + ["-1", "99", "abc", NUL]
    queries += [f"sort={sort}&desc=1" for sort in sorts] + ["sort=0&desc=abc"]
    queries += [f"{name}={value}" for name in ("page", "page_size") for value in ("-1", HUGE)]
    queries += [_every_filter(view, value) for value in JUNK if view._filter_args]
    queries += ["flt0_999=1", f"flt{NUL}_0=1", "flt_=1", f"flt0_0=1&flt0_0={QUOTE}"]
    return queries


def _every_filter(view, value: str) -> str:
    """Every filter of the list at once, all set to `value` (each is bound to the query, so
    any one the database refuses fails the request)."""
    return "&".join(f"flt{i}_{key}={value}" for i, key in enumerate(view._filter_args))


def _record_queries() -> list[str]:
    ids = [NUL, QUOTE, LONE_SURROGATE, "abc", "1.5", HUGE]
    return [f"id={value}" for value in ids] + ["id=1&url=javascript:alert(1)"]


def _some_rows(make, session):
    """A row in the tables whose pages format unusual values (JSON, enums, times)."""
    member = make.member()
    store = make.store()
    session.add_all([
        WebhookEvent(webhook_event_id="01HOSTILE", event_type="follow", payload={"a": [1]}),
        Purchase(channel=Channel.STORE, store_id=store.id, receipt_number="R-1",
                 purchased_at=utcnow(), total=1000, member_id=member.id),
        Delivery(delivery_key="k", member_id=member.id, flow="welcome", retry_key="r",
                 messages=[{"type": "text", "text": "x"}], context={"purchase_id": 1}),
        CampaignAlert(kind="quota", message="上限"),
    ])
    session.commit()


def _server_errors(client, urls) -> list:
    failures = []
    for url in urls:
        try:
            status = client.get(url).status_code
        except Exception as exc:  # TESTING propagates what would be a 500
            failures.append((url, repr(exc)[:200]))
            continue
        if status >= 500:
            failures.append((url, status))
    return failures


def test_every_console_list_survives_hostile_query_strings(app, client, login, make, session):
    _some_rows(make, session)
    login(role="admin")
    urls = []
    for view in _model_views(app):
        base = view.url.rstrip("/")
        urls += [f"{base}/?{query}" for query in _list_queries(view)]
        urls += [f"{base}/{page}/?{query}" for page in ("details", "edit")
                 for query in _record_queries()]
    assert len(urls) > 500
    assert _server_errors(client, urls) == []


def test_custom_console_pages_survive_hostile_query_strings(app, client, login):
    login(role="admin")
    pages = sorted({rule.rule for rule in app.url_map.iter_rules()
                    if rule.rule.startswith("/admin") and "GET" in rule.methods
                    and "<" not in rule.rule})
    urls = [f"{page}?{query}" for page in pages
            for query in (f"q={NUL}", f"key={QUOTE}", f"x={LONE_SURROGATE}", "page=-1")]
    assert _server_errors(client, urls) == []
