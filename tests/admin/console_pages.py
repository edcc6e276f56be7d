"""Every page of the console, found from the Admin object's registered views, and what a page
shows a person (text, headers, labels) read out of its HTML."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from flask import current_app, url_for
from flask_admin.model import BaseModelView

from admin.models import ConsoleUser
from bot.models import WebhookEvent
from campaigns.models import Broadcast, BroadcastVariant, Segment
from catalog.models import Product, Stock, Store
from coupons.models import CouponDefinition, DiscountType, IssuedCoupon
from line.models import CampaignAlert, Delivery
from members.models import FollowStatus, LoyaltySettings, Membership, Rank
from pos.models import Register
from purchases.models import Channel, Purchase, PurchaseStatus

# The codes the seeded rows store in plain string columns: no page may show them as they are.
SEEDED_CODES = {"sent", "push", "welcome", "quota", "follow", "done"}
# 11:30:15.123456 in Tokyo: a page showing a stored time raw shows its microseconds.
MOMENT = datetime(2026, 11, 24, 2, 30, 15, 123456, tzinfo=UTC)


def seed_one_row_of_each_model(make, session) -> dict[type, object]:
    """One row of every model a console view lists, with times that carry microseconds (so a
    page showing them raw is caught). A new model view needs its row here."""
    moment = MOMENT
    store = make.store(name="渋谷店")
    product = make.product(name="リネンシャツ", category="トップス", price=12800)
    member = make.member(display_name="山田花子", membership=Membership.FULL, rank=Rank.GOLD,
                         follow_status=FollowStatus.BLOCKED, joined_at=moment,
                         blocked_at=moment, points_balance=1234)
    definition = CouponDefinition(code="WELCOME10", name="ようこそ10%", purpose="welcome",
                                  discount_type=DiscountType.PERCENT, discount_value=10,
                                  minimum_spend=3000, valid_days=30, created_at=moment)
    purchase = Purchase(channel=Channel.STORE, store_id=store.id, receipt_number="R-0001",
                        member_id=member.id, purchased_at=moment, total=12800,
                        status=PurchaseStatus.RETURNED, created_at=moment)
    segment = Segment(name="友だち全員", definition={"match": "all", "groups": [
        {"match": "all", "conditions": [
            {"field": "follow_status", "op": "is", "value": "followed"}]}]}, created_at=moment)
    session.add_all([definition, purchase, segment])
    session.flush()
    broadcast = Broadcast(name="冬のセール", segment_id=segment.id, send_at=moment,
                          created_at=moment, variants=[BroadcastVariant(
                              label="A", content=[{"type": "text", "text": "セール開始"}])])
    rows = [
        Stock(store_id=store.id, product_id=product.id, quantity=3, updated_at=moment),
        IssuedCoupon(definition_id=definition.id, member_id=member.id, code="C-0001",
                     issue_key="welcome:1", issued_at=moment,
                     expires_at=moment + timedelta(days=30)),
        LoyaltySettings(updated_at=moment),
        Delivery(delivery_key="welcome:member:1", member_id=member.id, flow="welcome",
                 retry_key="00000000-0000-0000-0000-000000000001", status="sent",
                 send_after=moment, sent_at=moment, clicked_at=moment, created_at=moment),
        CampaignAlert(kind="quota", message="今月の送信上限に達しました。", paused_until=moment,
                      created_at=moment),
        WebhookEvent(webhook_event_id="01JTESTEVENT0000000000000", event_type="follow",
                     line_user_id="U" + "0" * 32, payload={"type": "follow"},
                     event_time=moment, received_at=moment, due_at=moment, status="done",
                     processed_at=moment),
        Register(store_id=store.id, code="R1", name="1番レジ", api_key_prefix="abcd1234",
                 api_key_created_at=moment),
        broadcast,
    ]
    session.add_all(rows)
    session.commit()
    make.console_user(role="marketer")
    by_model = {type(row): row
                for row in [store, product, member, definition, purchase, segment, *rows]}
    by_model[ConsoleUser] = session.query(ConsoleUser).first()
    by_model[Product], by_model[Store] = product, store
    return by_model


def console_pages(console, rows: dict[type, object]) -> list[str]:
    """The URL of every page of every registered view: a model view's list, create form,
    details and edit of its seeded row; every page a custom view answers GET on, its
    `<int:NAME_id>` arguments filled with the seeded row of the model named NAME. Fails for a
    model view or page argument without a seeded row. Call inside a request context."""
    pages = []
    for view in console._views:
        if not isinstance(view, BaseModelView):
            pages += _custom_pages(view, rows)
            continue
        row = rows.get(view.model)
        assert row is not None, (f"{view.model.__name__} has a console view ({view.name}) but "
                                 "no row in seed_one_row_of_each_model: add one")
        pages.append(url_for(f"{view.endpoint}.index_view"))
        if view.can_create:
            pages.append(url_for(f"{view.endpoint}.create_view"))
        if view.can_view_details:
            pages.append(url_for(f"{view.endpoint}.details_view", id=row.id))
        if view.can_edit:
            pages.append(url_for(f"{view.endpoint}.edit_view", id=row.id))
    return pages


def _custom_pages(view, rows: dict[type, object]) -> list[str]:
    by_name = {model.__name__.lower(): row for model, row in rows.items()}
    pages = []
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith(f"{view.endpoint}.") or "GET" not in rule.methods \
                or rule.rule.endswith(".json") or rule.endpoint.endswith(".static"):
            continue
        values = {}
        for argument in rule.arguments:
            row = by_name.get(argument.removesuffix("_id"))
            assert row is not None, (f"{rule.rule} takes {argument}: add a row of that model "
                                     "to seed_one_row_of_each_model")
            values[argument] = row.id
        pages.append(url_for(rule.endpoint, **values))
    return pages


@dataclass
class PageText:
    texts: list[str] = field(default_factory=list)  # visible text, scripts and styles left out
    headers: list[str] = field(default_factory=list)  # <th>, and the label cells of details
    # <label>, <option>, <button>, <a> texts; placeholders and tooltips
    labels: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)  # form inputs' value attributes
    cells: list[str] = field(default_factory=list)  # <td> texts


class _Reader(HTMLParser):
    # Shopper texts being edited (textarea) are the shop's words, not the console's.
    HIDDEN = {"script", "style", "title", "textarea"}
    COLLECTED = {"th": "headers", "b": "headers", "label": "labels", "option": "labels",
                 "button": "labels", "a": "labels", "td": "cells"}

    def __init__(self):
        super().__init__()
        self.page, self._open, self._hidden, self._english = PageText(), [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
        # An element marked as English on purpose (the language switch) is not console text.
        if attrs.get("lang") == "en":
            self._english.append(tag)
            self._hidden += 1
        # (datetime-local inputs must hold 2026-11-24T11:30, the browser shows it its way)
        if tag == "input" and attrs.get("value") and attrs.get("type") not in (
                "hidden", "submit", "datetime-local"):
            self.page.values.append(attrs["value"])
        if tag != "textarea":  # a shopper text's placeholder is its default, the shop's words
            self.page.labels += [attrs[name] for name in ("placeholder", "title")
                                 if attrs.get(name)]
        if tag in self.COLLECTED:
            self._open.append([tag, ""])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self._hidden -= 1
        if self._english and self._english[-1] == tag:
            self._english.pop()
            self._hidden -= 1
        if self._open and self._open[-1][0] == tag:
            kind, text = self._open.pop()
            if text.strip():
                getattr(self.page, self.COLLECTED[kind]).append(" ".join(text.split()))

    def handle_data(self, data):
        if self._hidden or not data.strip():
            return
        self.page.texts.append(data.strip())
        for opened in self._open:
            opened[1] += data


def read_page(html: str) -> PageText:
    reader = _Reader()
    reader.feed(html)
    return reader.page
