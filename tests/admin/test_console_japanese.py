"""The console speaks Japanese on every page, including pages added later: the pages walked
are found from the registered views, not listed here."""

import json
import re
from pathlib import Path

import pytest
from flask import current_app

from admin.labels import CODE_LABELS, ENUM_LABELS
from campaigns.flows import FLOWS
from catalog.models import Product
from line.models import Delivery
from members.models import LoyaltySettings, Member
from tests.admin.console_pages import (
    MOMENT,
    SEEDED_CODES,
    console_pages,
    read_page,
    seed_one_row_of_each_model,
)
from tests.factories import csrf_token_from

# Stored codes a person must never read: every labelled enum's names (LIGHT, FOLLOWED) in any
# text, and its values (light, followed) as a whole cell or option.
ENUM_NAMES = re.compile(r"\b({})\b".format("|".join(sorted(
    {member.name for enum_class in ENUM_LABELS for member in enum_class}))))
ENUM_VALUES = ({member.value for enum_class in ENUM_LABELS for member in enum_class}
               | {code for labels in CODE_LABELS.values() for code in labels} | set(FLOWS)
               | SEEDED_CODES)
# A cell holding nothing but a lower-case code word (sent, job_failed): a stored code no label
# turned into Japanese yet, whatever its column.
CODE_WORD = re.compile(r"[a-z]+(?:[_-][a-z]+)*")
FILTER_GROUPS = re.compile(r'<div id="filter-groups-data"[^>]*>(.*?)</div>', re.S)
MICROSECONDS = re.compile(r"\d{2}:\d{2}:\d{2}\.\d+|\+00:00|\d{4}-\d{2}-\d{2}T\d{2}")
# Trade terms a Japanese shop uses as they are.
ASCII_TERMS_IN_USE = {"SKU", "JAN", "ID", "URL", "API", "CSV", "LINE"}
FLASK_ADMIN_ENGLISH = re.compile(
    r"\b(List|Create|Edit|Details|Delete|Search|Add Filter|Save|Cancel|Filter|Apply|Reset|"
    r"There are no items|Are you sure|Yes|No|Actions|Record|Save and Add Another)\b")


def _all_ascii(text: str) -> bool:
    words = re.sub(r"[\d\s%()（）/:.,¥+\-—#]", " ", text).split()
    return bool(words) and all(w.isascii() for w in words) and not set(words) <= ASCII_TERMS_IN_USE


def _filter_problems(url: str, html: str) -> list[str]:
    """The list's filters (names, operations, options) live in a JSON block the script reads."""
    match = FILTER_GROUPS.search(html)
    groups = json.loads(match.group(1)) if match else {}
    found = [f"{url}: English filter {name!r}" for name in groups if _all_ascii(name)]
    for filters in groups.values():
        for flt in filters:
            words = [flt["operation"]] + [label for _, label in flt.get("options") or ()]
            found += [f"{url}: English filter text {w!r}" for w in words
                      if _all_ascii(w) or w.lower() in ENUM_VALUES]
    return found


def _problems(url: str, html: str) -> list[str]:
    page = read_page(html)
    found = _filter_problems(url, html)
    found += [f"{url}: English header {h!r}" for h in page.headers if _all_ascii(h)]
    found += [f"{url}: English label {t!r}" for t in page.labels if _all_ascii(t)]
    found += [f"{url}: code {cell!r} in a cell" for cell in page.cells
              if CODE_WORD.fullmatch(cell)]
    for text in page.texts + page.values + page.labels:
        if ENUM_NAMES.search(text) or text.lower() in ENUM_VALUES:
            found.append(f"{url}: stored code in {text!r}")
        if MICROSECONDS.search(text):
            found.append(f"{url}: raw time in {text!r}")
        if FLASK_ADMIN_ENGLISH.search(text):
            found.append(f"{url}: English text {text!r}")
    return found


@pytest.fixture
def pages(app, make, session):
    rows = seed_one_row_of_each_model(make, session)
    with app.test_request_context():
        return console_pages(current_app.extensions["admin"][0], rows)


def test_every_console_page_speaks_japanese_and_shows_times_in_jst(client, login, pages):
    login(role="admin")
    problems = []
    for url in pages:
        answer = client.get(url, follow_redirects=True)
        assert answer.status_code == 200, (url, answer.status_code)
        problems += _problems(url, answer.get_data(as_text=True))
    assert not problems, "\n".join(problems)


def _switch_language(client, language, token, next_url="/admin/product/"):
    return client.post("/admin/language", data={"language": language, "next": next_url,
                                                "csrf_token": token})


def test_the_console_is_japanese_by_default_and_english_for_whoever_picks_it(client, login,
                                                                             make):
    make.product(name="リネンシャツ")
    login(role="marketer")
    japanese = client.get("/admin/product/").get_data(as_text=True)
    assert _tabs(client) == ("一覧", "作成")
    assert not FLASK_ADMIN_ENGLISH.search(" ".join(read_page(japanese).texts))

    switched = _switch_language(client, "en", csrf_token_from(japanese))
    assert (switched.status_code, switched.location) == (302, "/admin/product/")
    assert _tabs(client) == ("List", "Create")
    english = read_page(client.get("/admin/product/").get_data(as_text=True))
    assert "商品名" in english.headers  # the shop's own words stay as they are

    _switch_language(client, "ja", csrf_token_from(client.get("/admin/").get_data(as_text=True)))
    assert _tabs(client) == ("一覧", "作成")


def _tabs(client) -> tuple[str, str]:
    """The product list's first two tabs (Flask-Admin's words: list with its count, create)."""
    labels = read_page(client.get("/admin/product/").get_data(as_text=True)).labels
    listed = next(label for label in labels if label.startswith(("一覧", "List")))
    created = next(label for label in labels if label in ("作成", "Create"))
    return listed.split()[0].split("(")[0], created


def test_the_language_switch_needs_the_csrf_token_and_a_known_language(client, login, make):
    make.product()
    login(role="marketer")
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    assert client.post("/admin/language", data={"language": "en"}).status_code == 400
    assert _switch_language(client, "fr", token).status_code == 400
    assert _tabs(client) == ("一覧", "作成")
    # Back to a page of this site only, never to another site.
    assert _switch_language(client, "en", token, "https://evil.example/").location == "/admin/"
    assert _tabs(client) == ("List", "Create")


def test_the_settings_page_shows_the_rules_in_force(client, login, session):
    login(role="marketer")
    defaults = client.get("/admin/loyaltysettings/").get_data(as_text=True)
    assert "初期設定のまま" in defaults
    assert "¥100" in defaults and "¥30,000 以上" in defaults and "¥100,000 以上" in defaults
    assert "150%" in defaults and "200%" in defaults

    session.add(LoyaltySettings(yen_per_point=200, silver_threshold=10_000,
                                gold_threshold=50_000, silver_multiplier_pct=120))
    session.commit()
    saved = client.get("/admin/loyaltysettings/").get_data(as_text=True)
    assert "初期設定のまま" not in saved
    assert "¥200" in saved and "¥10,000 以上" in saved and "¥50,000 以上" in saved
    assert "120%" in saved
    row = session.query(LoyaltySettings).one()
    assert client.get("/admin/loyaltysettings/new/").location.endswith(f"edit/?id={row.id}")


def test_an_empty_list_says_what_to_do_next(client, login):
    login(role="admin")
    page = client.get("/admin/product/").get_data(as_text=True)
    assert "まだデータがありません。「作成」で1件ずつ、または 商品 → CSV取り込み" in page
    events = client.get("/admin/webhookevent/").get_data(as_text=True)
    assert "まだデータがありません。LINEからWebhookが届くと、ここに記録されます。" in events


def test_money_is_shown_in_yen_and_times_in_jst(client, login, make, session):
    rows = seed_one_row_of_each_model(make, session)
    login(role="admin")
    purchases = client.get("/admin/purchase/").get_data(as_text=True)
    assert "¥12,800" in purchases
    assert "2026-11-24 11:30" in purchases  # 02:30 UTC
    product = client.get(f"/admin/product/edit/?id={rows[Product].id}").get_data(as_text=True)
    assert "¥12,800" not in product  # the form takes a plain number
    member = client.get(f"/admin/member/details/?id={rows[Member].id}").get_data(as_text=True)
    assert "ゴールド" in member and "本会員" in member and "ブロック中" in member


def test_every_text_flask_admin_translates_reads_in_japanese(app):
    """Flask-Admin's admin.po translates texts its compiled admin.mo lacks (e.g. 'Failed to
    create record.'); the console's catalogue fills them in."""
    import flask_admin
    from babel.messages.pofile import read_po
    from flask_admin.babel import gettext

    po = Path(flask_admin.__file__).parent / "translations/ja/LC_MESSAGES/admin.po"
    with po.open("rb") as source:
        catalog = read_po(source, locale="ja")
    texts = [message.id for message in catalog
             if message.id and isinstance(message.id, str) and "%(" not in message.id]
    assert len(texts) > 80
    with app.test_request_context("/admin/product/"):
        untranslated = [text for text in texts if gettext(text) == text]
    assert untranslated == []


def test_console_errors_are_explained_in_japanese(client, login):
    login(role="marketer")
    missing = client.get("/admin/no-such-page/")
    assert missing.status_code == 404
    assert "お探しのページは見つかりませんでした" in missing.get_data(as_text=True)
    refused = client.post("/admin/language", data={"language": "en"})  # no CSRF token
    assert refused.status_code == 400
    assert "ページを再読み込みしてから" in refused.get_data(as_text=True)
    assert client.get("/api/v1/no-such-call").status_code == 404  # the API answers its own way


def test_a_time_in_a_console_form_is_shown_and_typed_in_jst(app):
    from werkzeug.datastructures import MultiDict
    from wtforms import Form

    from admin.forms import BusinessTimeField

    class AlertForm(Form):
        paused_until = BusinessTimeField("送信停止の期限")

    shown = AlertForm(data={"paused_until": MOMENT})
    assert shown.paused_until._value() == "2026-11-24 11:30"
    with app.test_request_context():
        typed = AlertForm(MultiDict({"paused_until": "2026-11-24 11:30"}))
    assert typed.validate()
    assert typed.paused_until.data == MOMENT.replace(second=0, microsecond=0)


def test_custom_page_templates_have_the_labels_and_formats(app):
    from flask import render_template_string

    from members.models import Rank

    with app.test_request_context():
        shown = render_template_string(
            "{{ enum_label(rank) }} {{ code_label('deliveries.status', 'sent') }} "
            "{{ flow_label('f2') }} {{ fmt.yen(1234) }} {{ fmt.jst(moment) }}",
            rank=Rank.GOLD, moment=MOMENT)
    assert shown == "ゴールド 送信済み 2回目購入クーポン ¥1,234 2026-11-24 11:30"


def test_a_code_column_is_filtered_by_its_japanese_options(client, login, make, session):
    seed_one_row_of_each_model(make, session)
    session.add(Delivery(delivery_key="f2:member:1", flow="f2", status="skipped",
                         retry_key="00000000-0000-0000-0000-000000000002"))
    session.commit()
    login(role="marketer")
    html = client.get("/admin/delivery/").get_data(as_text=True)
    groups = json.loads(FILTER_GROUPS.search(html).group(1))
    [equals] = [flt for flt in groups["状態"] if flt["operation"] == "等しい"]
    assert dict(equals["options"])["sent"] == "送信済み"

    answer = client.get(f"/admin/delivery/?flt0_{equals['arg']}=sent")
    shown = read_page(answer.get_data(as_text=True))
    assert "送信済み" in shown.cells and "見送り" not in shown.cells
    assert "友だち追加（ウェルカム）" in shown.cells  # the flow, by its name
