"""Security headers on the pages people open: no framing by other sites, no MIME sniffing, no
referrer to other sites, a content security policy that still lets each page work."""

import re
from dataclasses import replace

import pytest

from app import create_app
from members.links import card_page_url
from tests.support.chat import fetch


def _policy(answer) -> dict[str, str]:
    header = answer.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def _assert_protected(answer):
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert _policy(answer)["frame-ancestors"] == "'none'"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"


def _assert_scripts_need_a_nonce(answer) -> str:
    scripts = _policy(answer)["script-src"]
    assert "'unsafe-inline'" not in scripts
    nonce = re.fullmatch(r"'self' 'nonce-([\w-]+)'", scripts)
    assert nonce, scripts
    return nonce.group(1)


def test_the_sign_in_page_is_protected(client):
    answer = client.get("/login")
    assert answer.status_code == 200
    _assert_protected(answer)
    _assert_scripts_need_a_nonce(answer)


def test_the_register_page_is_protected(client, login, make):
    login(role="cashier", store_id=make.store().id)
    answer = client.get("/pos/")
    assert answer.status_code == 200
    _assert_protected(answer)
    _assert_scripts_need_a_nonce(answer)


def test_the_card_page_is_protected_and_its_own_script_carries_the_nonce(client, make):
    answer = fetch(client, card_page_url(make.member().id))
    assert answer.status_code == 200
    _assert_protected(answer)
    nonce = _assert_scripts_need_a_nonce(answer)
    inline_scripts = re.findall(r"<script([^>]*)>", answer.get_data(as_text=True))
    assert inline_scripts and all(f'nonce="{nonce}"' in tag for tag in inline_scripts)
    assert nonce != _assert_scripts_need_a_nonce(fetch(client, card_page_url(make.member().id)))


def test_console_pages_are_protected_and_may_run_flask_admins_inline_handlers(client, login):
    login(role="admin")
    for url in ("/admin/", "/admin/member/", "/admin/consoleuser/"):
        answer = client.get(url)
        assert answer.status_code == 200, url
        _assert_protected(answer)
        assert _policy(answer)["script-src"] == "'self' 'unsafe-inline'"


def test_development_and_tests_serve_plain_http(client):
    assert client.get("/login").status_code == 200
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.fixture
def production_client(settings, session):
    app = create_app(replace(settings, env="production"))
    app.config.update(TESTING=True)
    return app.test_client()


def test_production_sends_http_to_https_but_answers_health_checks(production_client):
    answer = production_client.get("/login")
    assert answer.status_code == 302
    assert answer.location.startswith("https://")
    secure = production_client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert "max-age=" in secure.headers["Strict-Transport-Security"]
    assert production_client.get("/healthz").status_code != 302
