"""Flask-Login wiring: session users for pages, bearer tokens for the API, role guards."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kb.actors import Role
from servicedesk import db, shared
from servicedesk.auth import sessions, throttle
from servicedesk.extensions import login_manager
from servicedesk.users.models import User
from servicedesk.users.services import stamp_token_use, token_for_secret

TOKEN_STAMP_SECONDS = 300  # a token's last use is recorded at most this often
SESSION_STAMP_SECONDS = 300  # a session's last use, likewise
SID_PENDING_SECONDS = 300  # how long a session record written later may be missing

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    throttle.init_app(app)

    def _note_session_user() -> None:
        # Whether the session cookie itself names a user; when not, Flask-Login may restore the user from the
        # remember cookie (user_for_session then asks for the session key). First, before anything loads
        # current_user.
        g.session_named_user = "_user_id" in session

    app.before_request_funcs.setdefault(None, []).insert(0, _note_session_user)

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        return user_for_session(user_id)

    @login_manager.request_loader
    def _load_from_token(_req: Any) -> User | None:
        if not bearer_presented():
            return None
        user = user_for_bearer()
        if user is not None:
            g.token_auth = True
        return user


def user_for_session(user_id: str) -> User | None:
    """The active user a session or remember cookie names by "id:session version[:session key]", while that
    version is still theirs (a logout, a new password, a new role or a lock moved it on and ended the cookie)
    and, when it names a session key, while that session has not been ended."""
    user_key, version, key = [*user_id.split(":"), "", ""][:3]
    if not (user_id.isascii() and user_id.count(":") <= 2 and user_key.isdigit() and version.isdigit()
            and len(user_id) < 80 and (not key or re.fullmatch(r"[A-Za-z0-9_-]{16,64}", key))):
        return None  # a cookie from before session versions, or not ours
    user = db.session.get(User, int(user_key))
    if user is None or not user.active or user.session_version != int(version):
        return None
    if not session.get("sid") and not g.get("session_named_user", True):
        # A remember cookie being restored: it goes on only under the session it was given with, while that
        # session stands. Ending a session on the profile page thus ends its remember cookie too, and a
        # cookie without a session key (from before these records) logs in again by password.
        record = sessions.session_for_key(db.session(), key) if key else None
        if record is None or record.user_id != user.id or record.ended_at is not None:
            return None
        session["sid"] = key
    if not _session_record_allows(user):
        return None
    return user


def _session_record_allows(user: User) -> bool:
    """Whether this browser's session record (session["sid"]) still stands: ended or another user's, no.
    A session without one is a remember cookie being restored (or a session from before these records): it
    goes on, under a new record. The request may be a read (GET), which must not write, so the record is
    written by db.write_later; its key goes into the session at once, and until the record is there
    (SID_PENDING_SECONDS at most) a missing record does not end the session. The last use is stamped at
    most every SESSION_STAMP_SECONDS, apart from the request like a token's."""
    key = session.get("sid")
    if not isinstance(key, str) or not key:
        _start_session_later(user)
        return True
    record = sessions.session_for_key(db.session(), key)
    if record is None:
        pending = session.get("sid_pending", 0)
        return isinstance(pending, int | float) and 0 <= time.time() - pending < SID_PENDING_SECONDS
    if record.user_id != user.id or record.ended_at is not None:
        return False
    session.pop("sid_pending", None)
    if shared.store().claim(f"session-seen:{record.id}", SESSION_STAMP_SECONDS):
        record_id = record.id
        db.write_later(lambda s: sessions.stamp_session_seen(s, record_id))
    return True


def _start_session_later(user: User) -> None:
    key = secrets.token_urlsafe(24)
    user_id, agent, address = user.id, request.headers.get("User-Agent", ""), request.remote_addr
    db.write_later(lambda s: sessions.start_session(s, user_id, agent, address, key=key))
    session["sid"] = key
    session["sid_pending"] = int(time.time())


def start_login_session(user: User) -> None:
    """Records the session a login (password, registration) just began, and puts its key in the cookie.
    Call it after login_user, in a request that writes."""
    session["sid"] = sessions.start_session(db.session(), user.id, request.headers.get("User-Agent", ""),
                                            request.remote_addr)
    session.pop("sid_pending", None)
    bind_to_session(user)


def bind_to_session(user: User) -> None:
    """Names this browser's session key in what Flask-Login keeps (and writes into the remember cookie), so
    a remember cookie restores only the session it was given with. Call it after login_user."""
    key = session.get("sid")
    if isinstance(key, str) and key:
        session["_user_id"] = f"{user.get_id()}:{key}"


def current_session_hash() -> str | None:
    """The stored hash of this browser's session key, or None."""
    key = session.get("sid")
    return sessions.hash_key(key) if isinstance(key, str) and key else None


def bearer_presented() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def user_for_bearer() -> User | None:
    """The active user of the request's bearer token, or None. Reading never writes: the token's last
    use is stamped at most every TOKEN_STAMP_SECONDS (across nodes when Redis is shared), apart from
    the request's transaction, so it neither waits for the write lock nor fails the request."""
    token = token_for_secret(db.session(), request.headers.get("Authorization", "")[7:].strip())
    if token is None:
        return None
    if shared.store().claim(f"token-used:{token.id}", TOKEN_STAMP_SECONDS):
        token_id = token.id
        db.write_later(lambda s: stamp_token_use(s, token_id))
    return token.user


def current() -> User | None:
    """The acting user, or None for an anonymous visitor."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Pages only some roles may open; others get 403, visitors the login page."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


STAFF = (Role.AGENT, Role.SPECIALIST, Role.LEAD, Role.ADMIN)
