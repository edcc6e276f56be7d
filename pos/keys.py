"""Register API keys: `rk_<prefix>_<secret>`, shown once, kept as SHA-256, found by prefix.

SHA-256 and not a password hash: the keys are 190-bit random strings (nothing to brute-force),
and every scan at the register pays the lookup.
"""

import hashlib
import hmac
import secrets
import string

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from audit import record
from audit.models import ActorRole, Kind
from core.clock import utcnow
from core.extensions import db
from pos.models import Register

ALPHABET = string.ascii_letters + string.digits


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_api_key(*, register: Register, actor=None) -> str:
    """Give the register a new key (replacing any old one); returns the plaintext, once.
    `actor`: the console user, or None for the command line. The caller commits."""
    prefix = _random(8)
    key = f"rk_{prefix}_{_random(32)}"
    replaced = register.api_key_prefix
    register.api_key_prefix = prefix
    register.api_key_hash = _digest(key)
    register.api_key_created_at = utcnow()
    register.api_key_revoked_at = None
    _record(Kind.REGISTER_KEY_ISSUE, register, actor, {"api_key_prefix": [replaced, prefix]})
    return key


def revoke_api_key(*, register: Register, actor=None) -> None:
    """Stop the register's key from working. The caller commits."""
    if register.api_key_revoked_at is None:
        _record(Kind.REGISTER_KEY_REVOKE, register, actor, None)
    register.api_key_revoked_at = register.api_key_revoked_at or utcnow()


def _record(kind: Kind, register: Register, actor, changes: dict | None) -> None:
    # The prefix names the key without revealing it; the key and its hash are never recorded.
    record(kind, actor=actor, actor_role=None if actor else ActorRole.COMMAND, target=register,
           changes=changes, detail={"register": register.code,
                                    "key_prefix": register.api_key_prefix})


def authenticate(*, key: str) -> Register | None:
    """The register this key belongs to, or None (unknown, wrong or revoked)."""
    parts = (key or "").split("_")
    if len(parts) != 3 or parts[0] != "rk":
        return None
    # The store comes along: every API call needs it, and a scan should cost few round trips.
    register = db.session.scalar(select(Register).options(joinedload(Register.store))
                                 .where(Register.api_key_prefix == parts[1]))
    if register is None or register.api_key_revoked_at is not None or not register.api_key_hash:
        return None
    return register if hmac.compare_digest(register.api_key_hash, _digest(key)) else None
