"""Sign-in security: no account enumeration by timing, sessions that end at sign-out,
throttling per client, and a known device that gets through a lock others caused."""

import pytest
from werkzeug.security import check_password_hash

from admin import models, users
from tests.factories import PASSWORD, csrf_token_from


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password hash check the sign-in makes (the real check runs)."""
    calls = []

    def counted(password_hash, password):
        calls.append(password_hash)
        return check_password_hash(password_hash, password)

    for module in (users, models):  # wherever a console password may be checked
        monkeypatch.setattr(module, "check_password_hash", counted, raising=False)
    return calls


def _sign_in(client, email, password):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token})


def test_unknown_and_known_accounts_cost_the_same_password_hash_check(client, make, redis,
                                                                      hash_checks):
    user = make.console_user(role="admin")

    unknown = _sign_in(client, "nobody@example.com", "wrong-password-123")
    assert (unknown.status_code, len(hash_checks)) == (200, 1)
    wrong = _sign_in(client, user.email, "wrong-password-123")
    assert (wrong.status_code, len(hash_checks)) == (200, 2)
    assert hash_checks[0] != user.password_hash and hash_checks[1] == user.password_hash
    assert hash_checks[0].split("$")[0] == user.password_hash.split("$")[0]  # same method, cost
    for answer in (unknown, wrong):  # the same answer either way
        assert "メールアドレスまたはパスワードが違います" in answer.get_data(as_text=True)

    assert _sign_in(client, user.email, PASSWORD).status_code == 302
    assert len(hash_checks) == 3


def _sign_out(client, page="/admin/"):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_a_session_cookie_saved_before_sign_out_no_longer_opens_the_console(client, login):
    login(role="admin")
    assert client.get("/admin/").status_code == 200
    saved = client.get_cookie("session").value

    _sign_out(client)
    client.set_cookie("session", saved)  # replay the cookie as it was before signing out
    answer = client.get("/admin/")
    assert answer.status_code == 302
    assert answer.location.startswith("/login")


def test_signing_out_ends_the_users_other_sessions_but_not_other_users(app, client, login,
                                                                       make):
    user = login(role="admin")
    elsewhere, colleague = app.test_client(), app.test_client()
    for other, email in ((elsewhere, user.email), (colleague, make.console_user().email)):
        assert _sign_in(other, email, PASSWORD).status_code == 302

    _sign_out(client)
    assert elsewhere.get("/admin/").status_code == 302
    assert colleague.get("/admin/").status_code == 200
    assert _sign_in(client, user.email, PASSWORD).status_code == 302  # and may sign in again
    assert client.get("/admin/").status_code == 200


def test_one_client_cannot_try_passwords_across_many_accounts(app, client, make, redis,
                                                              hash_checks):
    accounts = [make.console_user(role="marketer") for _ in range(40)]
    colleague = make.console_user(role="admin")
    colleague_browser = app.test_client()  # same address, signed in before: a known device
    assert _sign_in(colleague_browser, colleague.email, PASSWORD).status_code == 302
    _sign_out(colleague_browser)
    hash_checks.clear()

    answers = [_sign_in(client, user.email, "wrong-password-123").status_code
               for user in accounts]

    assert answers[:10] == [200] * 10
    assert set(answers[10:]) == {429}
    assert len(hash_checks) == 10  # the refused attempts were not even tried
    refused = _sign_in(client, accounts[0].email, PASSWORD)
    assert refused.status_code == 429  # not even the right password, from this client
    assert "ログインの試行が多すぎます" in refused.get_data(as_text=True)

    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert _sign_in(elsewhere, accounts[0].email, PASSWORD).status_code == 302
    assert _sign_in(colleague_browser, colleague.email, PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count_against_the_client(client, make, redis):
    user = make.console_user(role="admin")
    for _ in range(15):
        assert _sign_in(client, user.email, PASSWORD).status_code == 302
        _sign_out(client)


def test_the_owners_known_device_gets_in_while_others_have_locked_the_account(app, client,
                                                                           make, redis):
    owner = make.console_user(role="admin")
    assert _sign_in(client, owner.email, PASSWORD).status_code == 302  # now a known device
    _sign_out(client)

    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(5):
        assert _sign_in(attacker, owner.email, "guess-guess-guess").status_code == 200
    assert _sign_in(attacker, owner.email, PASSWORD).status_code == 429  # locked for them

    new_device = app.test_client()
    new_device.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert _sign_in(new_device, owner.email, PASSWORD).status_code == 429  # and for new ones
    assert _sign_in(client, owner.email, PASSWORD).status_code == 302  # not for the owner's
    assert client.get("/admin/").status_code == 200


def test_a_known_device_cannot_be_used_to_guess_without_limit(client, make, redis):
    owner, other = make.console_user(role="admin"), make.console_user(role="admin")
    assert _sign_in(client, owner.email, PASSWORD).status_code == 302
    _sign_out(client)
    for _ in range(5):
        assert _sign_in(client, owner.email, "guess-guess-guess").status_code == 200
    assert _sign_in(client, owner.email, PASSWORD).status_code == 429  # its own failures count
    assert _sign_in(client, other.email, PASSWORD).status_code == 302  # other accounts: as usual


def test_the_known_device_cookie_cannot_be_forged_or_moved_to_another_account(app, client,
                                                                             make, redis):
    owner, victim = make.console_user(role="admin"), make.console_user(role="admin")
    assert _sign_in(client, owner.email, PASSWORD).status_code == 302
    _sign_out(client)
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for email in (victim.email, owner.email):
        for _ in range(5):
            assert _sign_in(attacker, email, "guess-guess-guess").status_code == 200
    assert _sign_in(client, victim.email, PASSWORD).status_code == 429  # owner's device only

    cookie = client.get_cookie("known_device", path="/login")
    assert cookie.http_only and cookie.same_site == "Lax"
    client.set_cookie("known_device", cookie.value[:-2] + "xx", path="/login")
    assert _sign_in(client, owner.email, PASSWORD).status_code == 429  # a forged one is nothing
    client.set_cookie("known_device", cookie.value, path="/login")
    assert _sign_in(client, owner.email, PASSWORD).status_code == 302


def test_building_the_app_starts_no_embedded_redis_before_a_sign_in_needs_it(settings):
    from dataclasses import replace

    from app import create_app
    from core import redis as redis_conn

    create_app(replace(settings, redis_url=""))  # e.g. any `flask` command in development
    assert "embedded" not in redis_conn._connections
