"""Console user service: create, authenticate, look up."""

import secrets
from functools import cache

from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from admin.models import ConsoleUser, Role
from core.clock import utcnow
from core.extensions import db

MIN_PASSWORD_LENGTH = 12


class ConsoleUserError(ValueError):
    pass


def create(*, email: str, password: str, role: Role, store_id: int | None = None) -> ConsoleUser:
    """Create a console user; the caller commits."""
    email = email.strip().lower()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConsoleUserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if get_by_email(email=email):
        raise ConsoleUserError(f"{email} already exists")
    user = ConsoleUser(email=email, role=Role(role), store_id=store_id)
    user.set_password(password)
    db.session.add(user)
    return user


def get_by_email(*, email: str) -> ConsoleUser | None:
    stmt = select(ConsoleUser).where(func.lower(ConsoleUser.email) == email.strip().lower())
    return db.session.scalar(stmt)


def get_active(*, user_id: int) -> ConsoleUser | None:
    user = db.session.get(ConsoleUser, user_id)
    return user if user and user.active else None


def get_signed_in(*, session_user_id: str) -> ConsoleUser | None:
    """The active user a session names ("id:version"), unless that session has been ended."""
    user_id, _, version = session_user_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = get_active(user_id=int(user_id))
    return user if user and user.session_version == int(version) else None


def end_sessions(*, user_id: int) -> None:
    """Sign the user out everywhere: every session issued so far stops working. Commits."""
    db.session.execute(update(ConsoleUser).where(ConsoleUser.id == user_id)
                       .values(session_version=ConsoleUser.session_version + 1))
    db.session.commit()


def authenticate(*, email: str, password: str) -> ConsoleUser | None:
    """The user if the password matches and the account is active; records the sign-in."""
    user = get_by_email(email=email)
    # An unknown address costs the same hash check as a wrong password, so the time an answer
    # takes does not tell which addresses have accounts.
    password_hash = user.password_hash if user else _unknown_account_hash()
    if not check_password_hash(password_hash, password) or not user or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


@cache
def _unknown_account_hash() -> str:
    """A hash made like real ones (same method and cost) that no password matches."""
    return generate_password_hash(secrets.token_urlsafe(32))
