import re

import pytest

from catalog.models import Product
from tests.factories import csrf_token_from


def _admin_urls(app):
    """Every registered /admin URL, with path arguments filled in."""
    urls = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin"):
            urls.add((re.sub(r"<[^>]+>", "1", rule.rule), tuple(sorted(rule.methods))))
    return sorted(urls)


def test_every_admin_url_redirects_anonymous_visitors_to_login(app, client, make):
    make.member()  # data that must not leak
    urls = _admin_urls(app)
    assert len(urls) > 30
    for url, methods in urls:
        for method in ("GET", "POST"):
            if method not in methods:
                continue
            answer = client.open(url, method=method)
            assert answer.status_code in (302, 400), (method, url, answer.status_code)
            if answer.status_code == 302:
                assert answer.location.startswith("/login"), (url, answer.location)
            assert "会員1" not in answer.get_data(as_text=True)


def test_anonymous_post_without_csrf_token_changes_nothing(client, session):
    answer = client.post("/admin/product/new/", data={"sku": "X", "name": "x", "category": "c",
                                                       "price": "1"})
    assert answer.status_code in (302, 400)
    assert session.query(Product).count() == 0


def test_cashiers_may_not_open_the_marketing_console(client, login):
    login(role="cashier")
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/member/").status_code == 403


def test_marketers_see_members_but_not_console_users(client, login, make):
    make.member(display_name="山田花子")
    login(role="marketer")
    members = client.get("/admin/member/")
    assert members.status_code == 200
    assert "山田花子" in members.get_data(as_text=True)
    assert client.get("/admin/consoleuser/").status_code == 403


def test_admin_form_without_csrf_token_is_rejected_and_writes_nothing(client, login, session):
    login(role="admin")
    answer = client.post("/admin/product/new/", data={"sku": "SKU-1", "name": "T", "category": "c",
                                                       "price": "1000", "warranty_months": "0"})
    assert answer.status_code == 400
    assert session.query(Product).count() == 0


def test_admin_form_with_csrf_token_creates_the_row(client, login, session):
    login(role="admin")
    token = csrf_token_from(client.get("/admin/product/new/").get_data(as_text=True))
    answer = client.post("/admin/product/new/", data={
        "sku": "SKU-1", "name": "Tシャツ", "category": "tops", "price": "1000",
        "warranty_months": "0", "active": "y", "csrf_token": token})
    assert answer.status_code == 302
    assert session.query(Product).one().name == "Tシャツ"


@pytest.mark.parametrize("target, expected", [
    ("/admin/member/", "/admin/member/"),
    ("https://evil.example/", "/admin/"),
    ("//evil.example/", "/admin/"),
])
def test_sign_in_returns_only_to_same_site_pages(client, make, target, expected):
    user = make.console_user(role="admin")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    answer = client.post(f"/login?next={target}", data={
        "email": user.email, "password": "correct horse battery staple", "csrf_token": token})
    assert answer.status_code == 302
    assert answer.location == expected


def test_wrong_password_and_inactive_accounts_cannot_sign_in(client, make, session):
    user = make.console_user(role="admin")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    wrong = client.post("/login", data={"email": user.email, "password": "nope-nope-nope",
                                        "csrf_token": token})
    assert wrong.status_code == 200
    assert "パスワードが違います" in wrong.get_data(as_text=True)

    user.active = False
    session.commit()
    inactive = client.post("/login", data={"email": user.email,
                                           "password": "correct horse battery staple",
                                           "csrf_token": token})
    assert inactive.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_sign_out_needs_a_post_with_csrf(client, login):
    login(role="admin")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/admin/").status_code == 200


def test_system_page_sends_a_job_from_the_web_process_to_the_worker_queue(client, login, redis):
    from rq import Queue

    login(role="admin")
    page = client.get("/admin/system/")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    answer = client.post("/admin/system/ping-worker", data={"csrf_token": token})
    assert answer.status_code == 302
    queued = Queue("maintenance", connection=redis).jobs
    assert [job.func_name for job in queued] == ["core.maintenance.record_worker_heartbeat"]


def test_system_page_is_for_admins_only(client, login):
    login(role="marketer")
    assert client.get("/admin/system/").status_code == 403


def test_marketers_edit_a_message_text_and_can_return_it_to_the_default(client, login, session):
    from line.texts import DEFAULTS, render

    login(role="marketer")
    page = client.get("/admin/message_templates/")
    assert DEFAULTS["help"] in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))

    client.post("/admin/message_templates/help", data={"body": "ご用件は？", "csrf_token": token})
    assert render("help") == "ご用件は？"

    client.post("/admin/message_templates/help", data={"body": "", "csrf_token": token})
    assert render("help") == DEFAULTS["help"]


def test_every_console_page_opens_for_an_admin(app, client, login, make):
    make.member(display_name="山田花子")
    login(role="admin")
    pages = sorted({rule.rule for rule in app.url_map.iter_rules()
                    if rule.rule.startswith("/admin") and "GET" in rule.methods
                    and "<" not in rule.rule})
    assert len(pages) > 20
    broken = [(url, client.get(url).status_code) for url in pages]
    assert [(url, code) for url, code in broken if code >= 500 or code == 403] == []


def test_repeated_wrong_passwords_lock_the_account_for_a_while(client, make, redis):
    user = make.console_user(role="admin")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))

    def attempt(password):
        return client.post("/login", data={"email": user.email, "password": password,
                                           "csrf_token": token})

    for _ in range(5):
        assert attempt("wrong-password-123").status_code == 200
    locked = attempt("correct horse battery staple")
    assert locked.status_code == 429
    assert "15分間ログインできません" in locked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302  # still signed out

    redis.flushdb()  # the lock expires
    assert attempt("correct horse battery staple").status_code == 302
