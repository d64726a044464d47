"""Creating users, changing roles, issuing and checking API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import Conflict, Forbidden, NotFound, ValidationError
from kb.orm import utcnow
from kb.validation import clean_text, is_valid_id
from servicedesk.users.models import ApiToken, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-@]{2,64}$")
MIN_PASSWORD = 8
TOKEN_PREFIX = "sdk_"  # noqa: S105 - a public prefix, not a secret


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_role(value: str) -> Role:
    """The Role named by value, or a ValidationError naming the allowed ones."""
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationError(f"Unknown role '{value}'; use one of: {allowed}.",
                              fields={"role": f"one of: {allowed}"}) from None


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"The password needs at least {MIN_PASSWORD} characters.",
                              fields={"password": f"at least {MIN_PASSWORD} characters"})


def create_user(
    s: Session,
    username: str,
    role: Role,
    password: str | None = None,
    *,
    display_name: str = "",
    email: str = "",
    phone: str = "",
) -> User:
    """A new active user with a unique name; the password, if given, is stored hashed."""
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise ValidationError("A username is 2 to 64 letters, digits or . _ - @.",
                              fields={"username": "2-64 of A-Z a-z 0-9 . _ - @"})
    if s.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"The username '{username}' is taken.", code="username_taken",
                       fields={"username": "taken"})
    user = User(username=username, role=role,
                display_name=clean_text(display_name, "display_name", max_len=100, required=False),
                email=clean_text(email, "email", max_len=200, required=False),
                phone=clean_text(phone, "phone", max_len=40, required=False))
    if password is not None:
        validate_password(password)
        user.set_password(password)
    s.add(user)
    s.flush()
    return user


def update_user(s: Session, actor: User, user: User, *, role: Role | None = None,
                active: bool | None = None, display_name: str | None = None) -> User:
    """Admins change roles and lock accounts; nobody can lock or demote themselves out of admin."""
    if actor.role != Role.ADMIN:
        raise Forbidden("Only an administrator manages users.")
    if user.id == actor.id and ((role is not None and role != Role.ADMIN) or active is False):
        raise Conflict("You cannot remove your own administrator access.", code="self_lockout")
    if role is not None:
        user.role = role
    if active is not None:
        user.active = active
    if display_name is not None:
        user.display_name = clean_text(display_name, "display_name", max_len=100, required=False)
    s.flush()
    return user


def set_password(s: Session, user: User, password: str) -> None:
    """Replaces the user's password after checking its length."""
    validate_password(password)
    user.set_password(password)
    s.flush()


def change_password(s: Session, user: User, current: str, new: str) -> None:
    """Replaces the user's own password, only with the current one given right."""
    if not user.check_password(current):
        raise ValidationError("This is not your current password.", fields={"current_password": "wrong password"})
    set_password(s, user, new)


LOCALES = ("", "zh_CN", "en")


def set_locale(s: Session, user: User, locale: str) -> None:
    """The language the user chose for the pages ('' follows the browser)."""
    if locale not in LOCALES:
        raise ValidationError("Unknown language.", fields={"locale": "one of: zh_CN, en"})
    user.locale = locale
    s.flush()


def authenticate(s: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same answer for every failure)."""
    user = s.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def issue_token(s: Session, user: User, name: str = "") -> str:
    """A new bearer token for the user; the secret is returned once and only its hash is kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    s.add(ApiToken(user=user, token_hash=_hash_token(secret), prefix=secret[:12], name=name.strip()[:100]))
    s.flush()
    return secret


def revoke_token(s: Session, user: User, token_id: int) -> None:
    """Deletes one of the user's own tokens."""
    token = s.get(ApiToken, token_id) if is_valid_id(token_id) else None
    if token is None or token.user_id != user.id:
        raise NotFound("No such token.")
    s.delete(token)
    s.flush()


def token_for_secret(s: Session, secret: str) -> ApiToken | None:
    """The token a bearer secret names when its user is active, else None; reads only."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = s.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(secret)))
    if token is None or not token.user.active:
        return None
    return token


def user_for_token(s: Session, secret: str) -> User | None:
    """The active user a bearer token belongs to, or None; reads only."""
    token = token_for_secret(s, secret)
    return token.user if token is not None else None


def stamp_token_use(s: Session, token_id: int) -> None:
    """Records that the token was used now (one UPDATE, no read first)."""
    s.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))
