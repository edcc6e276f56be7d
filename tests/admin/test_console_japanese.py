"""The console speaks Japanese on every page, including pages added later: the pages walked
are found from the registered views, not listed here."""

import re

import pytest
from flask import current_app

from admin.labels import ENUM_LABELS
from tests.admin.console_pages import console_pages, read_page, seed_one_row_of_each_model

# Stored codes a person must never read: every labelled enum's names (LIGHT, FOLLOWED) in any
# text, and its values (light, followed) as a whole cell or option.
ENUM_NAMES = re.compile(r"\b(%s)\b" % "|".join(sorted(
    {member.name for enum_class in ENUM_LABELS for member in enum_class})))
ENUM_VALUES = {member.value for enum_class in ENUM_LABELS for member in enum_class}
MICROSECONDS = re.compile(r"\d{2}:\d{2}:\d{2}\.\d+|\+00:00|\d{4}-\d{2}-\d{2}T\d{2}")
# Trade terms a Japanese shop uses as they are.
ASCII_TERMS_IN_USE = {"SKU", "JAN", "ID", "URL", "API", "CSV", "LINE"}
FLASK_ADMIN_ENGLISH = re.compile(
    r"\b(List|Create|Edit|Details|Delete|Search|Add Filter|Save|Cancel|Filter|Apply|Reset|"
    r"There are no items|Are you sure|Yes|No|Actions|Record|Save and Add Another)\b")


def _all_ascii(text: str) -> bool:
    words = re.sub(r"[\d\s%()（）/:.,¥+\-—#]", " ", text).split()
    return bool(words) and all(w.isascii() for w in words) and not set(words) <= ASCII_TERMS_IN_USE


def _problems(url: str, html: str) -> list[str]:
    page = read_page(html)
    found = [f"{url}: English header {h!r}" for h in page.headers if _all_ascii(h)]
    found += [f"{url}: English label {t!r}" for t in page.labels if _all_ascii(t)]
    for text in page.texts + page.values:
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
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code)
        problems += _problems(url, answer.get_data(as_text=True))
    assert not problems, "\n".join(problems)
