"""Flask-Login wiring: session users for pages, bearer tokens for the API, role guards."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kb.actors import Role
from servicedesk import db
from servicedesk.extensions import login_manager
from servicedesk.users.models import User
from servicedesk.users.services import user_for_token

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None

    @login_manager.request_loader
    def _load_from_token(req: Any) -> User | None:
        header = req.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        user = user_for_token(db.session(), header[7:].strip())
        if user is not None:
            g.token_auth = True
            db.session.commit()  # last_used_at
        return user


def bearer_presented() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


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
