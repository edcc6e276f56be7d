"""Register API keys: hashed at rest, per register, revocable, issued in the console."""

import hashlib

from pos import keys
from pos.models import Register
from tests.factories import csrf_token_from
from tests.pos.helpers import fresh


def test_key_is_stored_only_as_its_sha256(session, register_and_key):
    register, key = register_and_key
    stored = fresh(session, Register, register.id)
    assert key.startswith(f"rk_{stored.api_key_prefix}_") and len(key) == 3 + 8 + 1 + 32
    assert stored.api_key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in (stored.api_key_hash, stored.api_key_prefix)


def test_missing_wrong_and_revoked_keys_get_401(api, client, session, register_and_key, member):
    register, key = register_and_key
    assert client.post("/api/v1/scan", json={"code": member.member_number}).status_code == 401
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert api.scan(member.member_number, key=tampered).status_code == 401
    keys.revoke_api_key(register=fresh(session, Register, register.id))
    session.commit()
    answer = api.scan(member.member_number)
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "unauthorized"


def test_reissuing_a_key_retires_the_old_one(api, session, register_and_key, member):
    register, old = register_and_key
    new = keys.issue_api_key(register=fresh(session, Register, register.id))
    session.commit()
    assert api.scan(member.member_number, key=old).status_code == 401
    assert api.scan(member.member_number, key=new).status_code == 200


def test_admin_issues_a_key_in_the_console_and_sees_it_once(client, login, make, session,
                                                           member):
    register = make.register()
    login(role="admin")
    page = client.get("/admin/registerkeys/")
    token = csrf_token_from(page.get_data(as_text=True))
    issued = client.post(f"/admin/registerkeys/{register.id}/issue", data={"csrf_token": token})
    html = issued.get_data(as_text=True)
    key = html.split('data-testid="new-key">')[1].split("<")[0]
    assert client.get("/admin/registerkeys/").get_data(as_text=True).count(key) == 0
    scan = client.post("/api/v1/scan", json={"code": member.member_number},
                       headers={"Authorization": f"Bearer {key}"})
    assert scan.status_code == 200
    client.post(f"/admin/registerkeys/{register.id}/revoke", data={"csrf_token": token})
    again = client.post("/api/v1/scan", json={"code": member.member_number},
                        headers={"Authorization": f"Bearer {key}"})
    assert again.status_code == 401


def test_only_admins_manage_keys(client, login, make):
    register = make.register()
    login(role="marketer")
    assert client.get("/admin/registerkeys/").status_code == 403
    assert client.post(f"/admin/registerkeys/{register.id}/issue").status_code in (400, 403)
    assert fresh(client.application.extensions["sqlalchemy"].session, Register,
                 register.id).api_key_hash is None
