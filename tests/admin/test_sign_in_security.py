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
