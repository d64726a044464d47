"""Creating users, changing roles, passwords and sessions, logging in, issuing and checking API tokens."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from kb.actors import Role
from kb.errors import Conflict, DomainError, Forbidden, NotFound, ValidationError
from kb.orm import utcnow
from kb.validation import clean_text, is_valid_id
from servicedesk.audit.services import created, current_actor, diff, record_change, snapshot
from servicedesk.auth import sessions as session_records
from servicedesk.users.models import ApiToken, User
from servicedesk.users.passwords import check_policy, hash_password, verify_password

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-@]{2,64}$")
TOKEN_PREFIX = "sdk_"  # noqa: S105 - a public prefix, not a secret

# What the attempt guard counts failures of (each scope per account and per client address).
LOGIN = "login"
PASSWORD_CHANGE = "password"  # noqa: S105 - a name of what is counted, not a secret
REGISTRATION = "register"
CALLER_LOOKUP = "callers"  # not a failure: each look into the subscriber base, per staff member


class TooManyAttempts(DomainError):
    """Too many recent failures for this account or client address: refused without looking further."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        minutes = math.ceil(self.retry_after / 60)
        super().__init__(f"Too many failed attempts. Try again in {minutes} minute(s).",
                         retry_after=self.retry_after)


class AttemptGuard(Protocol):
    """Counts failed password checks per account and per client address (the web side supplies the address
    and the store, shared between nodes when Redis is configured)."""

    def wait_seconds(self, scope: str, account: str) -> float:
        """Seconds until an attempt is allowed again for this account (or the client's address); 0 now."""

    def failed(self, scope: str, account: str) -> None:
        """Counts one failure for this account (none when '') and for the client's address."""


class NoGuard:
    """Outside a web request nothing is counted (the command line, scripts)."""

    def wait_seconds(self, scope: str, account: str) -> float:
        return 0

    def failed(self, scope: str, account: str) -> None:
        return None


_guard_source: Callable[[], AttemptGuard] = NoGuard


def use_attempt_guard(source: Callable[[], AttemptGuard]) -> None:
    """Names the function that gives the guard of the current context (the web app registers its own)."""
    global _guard_source
    _guard_source = source


def attempt_guard() -> AttemptGuard:
    """The guard of the current context."""
    return _guard_source()


def refuse_while_locked(guard: AttemptGuard, scope: str, account: str) -> None:
    """Raises TooManyAttempts while the account or the client's address is locked for scope."""
    wait = guard.wait_seconds(scope, account)
    if wait > 0:
        raise TooManyAttempts(wait)


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


def validate_password(password: str, username: str = "", field: str = "password") -> None:
    """The password policy, the same on every path that sets a password: at least MIN_PASSWORD characters,
    not one of the most common passwords, not built on the username, not one character repeated."""
    check_policy(password, username, field)


def create_user(
    s: Session,
    username: str,
    role: Role,
    password: str | None = None,
    *,
    display_name: str = "",
    email: str = "",
    phone: str = "",
    actor: User | None = None,
) -> User:
    """A new active user with a unique name; the password, if given, is stored hashed. Audited (user.created)."""
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise ValidationError("A username is 2 to 64 letters, digits or . _ - @.",
                              fields={"username": "2-64 of A-Z a-z 0-9 . _ - @"})
    if password is not None:
        validate_password(password, username)
    # Hashed before the name is looked up, so that a taken name costs what a free one does.
    password_hash = hash_password(password) if password is not None else ""
    if s.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"The username '{username}' is taken.", code="username_taken",
                       fields={"username": "taken"})
    user = User(username=username, role=role, password_hash=password_hash,
                display_name=clean_text(display_name, "display_name", max_len=100, required=False),
                email=clean_text(email, "email", max_len=200, required=False),
                phone=clean_text(phone, "phone", max_len=40, required=False))
    s.add(user)
    s.flush()
    record_change(s, actor, "user.created", object_type="user", object_id=user.id, object_label=user.username,
                  changes=created(snapshot(user, _AUDITED_USER_FIELDS)))
    return user


def update_user(s: Session, actor: User, user: User, *, role: Role | None = None,
                active: bool | None = None, display_name: str | None = None) -> User:
    """Admins change roles and lock accounts; nobody can lock or demote themselves out of admin. A new role or
    a locked (or unlocked) account ends the user's sessions: they log in again with what they may do now."""
    if actor.role != Role.ADMIN:
        raise Forbidden("Only an administrator manages users.")
    if user.id == actor.id and ((role is not None and role != Role.ADMIN) or active is False):
        raise Conflict("You cannot remove your own administrator access.", code="self_lockout")
    changed = (role is not None and role != user.role) or (active is not None and active != user.active)
    before = snapshot(user, _AUDITED_USER_FIELDS)
    if role is not None:
        user.role = role
    if active is not None:
        user.active = active
    if changed:
        end_sessions(s, user)
    if display_name is not None:
        user.display_name = clean_text(display_name, "display_name", max_len=100, required=False)
    s.flush()
    _record_user_update(s, actor, user, before)
    return user


_AUDITED_USER_FIELDS = ("username", "role", "active", "display_name", "email", "phone")


def _record_user_update(s: Session, actor: User, user: User, before: dict[str, Any]) -> None:
    changes = diff(before, snapshot(user, _AUDITED_USER_FIELDS))
    if not changes:
        return
    if "role" in changes:
        action = "user.role_changed"
    elif "active" in changes:
        action = "user.reactivated" if user.active else "user.deactivated"
    else:
        action = "user.updated"
    record_change(s, actor, action, object_type="user", object_id=user.id, object_label=user.username,
                  changes=changes)


def set_password(s: Session, user: User, password: str, field: str = "password", *,
                 actor: User | None = None) -> None:
    """Replaces the user's password after checking it against the policy, and ends all their sessions.
    Audited without any value: user.password_changed by the user themself, else user.password_reset."""
    validate_password(password, user.username, field)
    user.set_password(password)
    end_sessions(s, user)
    by = actor if actor is not None else current_actor()
    own = by is not None and getattr(by, "id", None) == user.id
    record_change(s, by, "user.password_changed" if own else "user.password_reset", object_type="user",
                  object_id=user.id, object_label=user.username)


def change_password(s: Session, user: User, current: str, new: str) -> None:
    """Replaces the user's own password, only with the current one given right (and not after too many
    wrong ones: TooManyAttempts); every session of the user ends."""
    guard = attempt_guard()
    account = f"user:{user.id}"
    refuse_while_locked(guard, PASSWORD_CHANGE, account)
    if not user.check_password(current):
        guard.failed(PASSWORD_CHANGE, account)
        raise ValidationError("This is not your current password.", fields={"current_password": "wrong password"})
    set_password(s, user, new, field="new_password", actor=user)


def end_sessions(s: Session, user: User, except_key_hash: str | None = None) -> None:
    """Ends every session and remember cookie of the user (their session version moves on) and marks their
    session records ended (but the one of except_key_hash, which the caller logs in again); API tokens stay."""
    user.session_version = User.session_version + 1  # in SQL, so two at once both count
    s.flush()
    s.refresh(user, ["session_version"])
    session_records.end_sessions(s, user, except_key_hash)


LOCALES = ("", "zh_CN", "en")


def set_locale(s: Session, user: User, locale: str) -> None:
    """The language the user chose for the pages ('' follows the browser)."""
    if locale not in LOCALES:
        raise ValidationError("Unknown language.", fields={"locale": "one of: zh_CN, en"})
    user.locale = locale
    s.flush()


def check_login(s: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None: the same answer, at the same cost, for every
    failure. Raises TooManyAttempts, before looking at the password, while the name or the client's address
    has too many recent failures; a successful login counts for nothing."""
    guard = attempt_guard()
    name = username.strip()
    account = name.casefold()
    refuse_while_locked(guard, LOGIN, account)
    user = s.scalar(select(User).where(User.username == name)) if name else None
    matches = verify_password(user.password_hash if user is not None else None, password)
    if user is None or not matches or not user.active:
        guard.failed(LOGIN, account)
        return None
    user.last_login_at = utcnow()
    return user


def authenticate(s: Session, username: str, password: str) -> User | None:
    """As check_login, with a locked name or address answered None like any other failure."""
    try:
        return check_login(s, username, password)
    except TooManyAttempts:
        return None


def issue_token(s: Session, user: User, name: str = "") -> str:
    """A new bearer token for the user; the secret is returned once and only its hash is kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=_hash_token(secret), prefix=secret[:12], name=name.strip()[:100])
    s.add(token)
    s.flush()
    record_change(s, None, "token.created", object_type="api_token", object_id=token.id,
                  object_label=f"{user.username}: {token.name or token.id}",
                  changes=created({"user": user.username, "name": token.name}))  # no part of the secret
    return secret


def revoke_token(s: Session, user: User, token_id: int) -> None:
    """Deletes one of the user's own tokens."""
    token = s.get(ApiToken, token_id) if is_valid_id(token_id) else None
    if token is None or token.user_id != user.id:
        raise NotFound("No such token.")
    record_change(s, None, "token.revoked", object_type="api_token", object_id=token.id,
                  object_label=f"{user.username}: {token.name or token.id}",
                  changes={"user": [user.username, None], "name": [token.name, None]})
    s.delete(token)
    s.flush()


def token_for_secret(s: Session, secret: str) -> ApiToken | None:
    """The token a bearer secret names when its user is active, else None; reads only."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = s.scalar(select(ApiToken).options(joinedload(ApiToken.user))  # one query for both
                     .where(ApiToken.token_hash == _hash_token(secret)))
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
