"""Flask-Login wiring: session users for pages, bearer tokens for the API, role guards."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kb.actors import Role
from servicedesk import db, shared
from servicedesk.auth import throttle
from servicedesk.extensions import login_manager
from servicedesk.users.models import User
from servicedesk.users.services import stamp_token_use, token_for_secret

TOKEN_STAMP_SECONDS = 300  # a token's last use is recorded at most this often

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    throttle.init_app(app)

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
    """The active user a session or remember cookie names by "id:session version", while that version is
    still theirs: a logout, a new password, a new role or a lock moved it on and ended the cookie."""
    user_key, _, version = user_id.partition(":")
    if not (f"{user_key}{version}".isascii() and user_key.isdigit() and version.isdigit() and len(user_id) < 40):
        return None  # a cookie from before session versions, or not ours
    user = db.session.get(User, int(user_key))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


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
