"""The caller's own account and tokens; user administration for administrators."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_wtf.csrf import generate_csrf
from sqlalchemy import or_, select

from kb.actors import Role
from kb.errors import NotFound, ValidationError
from kb.validation import clean_text
from servicedesk.api import bp
from servicedesk.api import schemas as sch
from servicedesk.api import serializers as ser
from servicedesk.api.common import (
    bool_value,
    choice_arg,
    commit,
    id_exists,
    like_pattern,
    name_value,
    page_args,
    paginate,
    require,
    session,
    user,
)
from servicedesk.api.contract import WRITE, body, operation
from servicedesk.users import services as users
from servicedesk.users.models import ApiToken, User

Reply = tuple[dict[str, Any], int]


def _require_admin(me: User) -> None:
    require(me.role == Role.ADMIN, "Only an administrator manages users.")


def _load_user(user_id: int) -> User:
    found = session().get(User, user_id) if id_exists(user_id) else None
    if found is None:
        raise NotFound("No such user.")
    return found


def _text(data: dict[str, Any], name: str, max_len: int) -> str | None:
    return clean_text(data[name], name, max_len=max_len, required=False) if name in data else None


@bp.get("/me")
@operation("get_me", tag="users", summary="The caller's account and tokens", responses={200: sch.Me},
           errors=(401,))
def me() -> dict[str, Any]:
    caller = user()
    tokens = session().scalars(select(ApiToken).where(ApiToken.user_id == caller.id).order_by(ApiToken.id))
    out = {**ser.user(caller), "tokens": [ser.token(t) for t in tokens]}
    if not g.get("token_auth"):
        # Browser scripts send this back as X-CSRFToken on POST/PUT/PATCH/DELETE.
        out["csrf_token"] = generate_csrf()
    return out


@bp.post("/me/tokens")
@operation("create_token", tag="users", summary="Create an API token (the secret is shown once)",
           body=sch.TokenInput, body_required=False, responses={201: sch.NewToken}, errors=(401,))
def create_token() -> Reply:
    caller = user()
    data = body(sch.TokenInput).model_dump(exclude_unset=True)
    name = _text(data, "name", 100) or ""
    secret = users.issue_token(session(), caller, name)
    row = session().scalars(select(ApiToken).where(ApiToken.user_id == caller.id)
                            .order_by(ApiToken.id.desc()).limit(1)).one()
    commit()
    return {**ser.token(row), "token": secret}, 201


@bp.delete("/me/tokens/<int:token_id>")
@operation("revoke_token", tag="users", summary="Revoke one of your tokens", responses={200: sch.Revoked},
           errors=(401, 404))
def revoke_token(token_id: int) -> dict[str, Any]:
    caller = user()
    row = session().get(ApiToken, token_id) if id_exists(token_id) else None
    if row is None or row.user_id != caller.id:
        raise NotFound("No such token.")
    users.revoke_token(session(), caller, token_id)
    commit()
    return {"id": token_id, "revoked": True}


@bp.get("/users")
@operation("list_users", tag="users", summary="List users (admin)", query=sch.UserQuery,
           responses={200: sch.UserPage}, errors=(401, 403))
def list_users() -> dict[str, Any]:
    _require_admin(user())
    errors: dict[str, str] = {}
    page, per_page = page_args(errors)
    roles = choice_arg("role", [r.value for r in Role], errors)
    active = choice_arg("active", ["true", "false"], errors)
    if errors:
        raise ValidationError("Bad filter or paging values.", fields=errors)
    stmt = select(User).order_by(User.username)
    if roles:
        stmt = stmt.where(User.role.in_([Role(r) for r in roles]))
    if len(active) == 1:
        stmt = stmt.where(User.active.is_(active[0] == "true"))
    q = request.args.get("q", "").strip()
    if q:
        pattern = like_pattern(q)
        stmt = stmt.where(or_(User.username.ilike(pattern, escape="\\"),
                              User.display_name.ilike(pattern, escape="\\")))
    return paginate(session(), stmt, page, per_page, ser.user)


@bp.post("/users")
@operation("create_user", tag="users", summary="Create a user (admin)", body=sch.UserInput,
           responses={201: sch.User}, errors=WRITE)
def create_user() -> Reply:
    _require_admin(user())
    data = body(sch.UserInput).model_dump(mode="json", exclude_unset=True)
    username = name_value(data, "username")
    role = users.parse_role(name_value(data, "role") or "")
    password = data.get("password")
    if password is not None and not isinstance(password, str):
        raise ValidationError("'password' must be a string.", fields={"password": "must be a string"})
    created = users.create_user(session(), username or "", role, password,
                                display_name=_text(data, "display_name", 100) or "",
                                email=_text(data, "email", 200) or "", phone=_text(data, "phone", 40) or "")
    commit()
    return ser.user(created), 201


@bp.get("/users/<int:user_id>")
@operation("get_user", tag="users", summary="Read a user (admin)", responses={200: sch.User})
def get_user(user_id: int) -> dict[str, Any]:
    _require_admin(user())
    return ser.user(_load_user(user_id))


@bp.patch("/users/<int:user_id>")
@operation("update_user", tag="users", summary="Change a user's role or lock the account (admin)",
           body=sch.UserPatch, body_required=False, responses={200: sch.User}, errors=WRITE)
def update_user(user_id: int) -> dict[str, Any]:
    caller = user()
    _require_admin(caller)
    data = body(sch.UserPatch).model_dump(mode="json", exclude_unset=True)
    role_name = name_value(data, "role", required=False)
    role = users.parse_role(role_name) if role_name is not None else None
    active = bool_value(data, "active", required=False)
    target = _load_user(user_id)
    users.update_user(session(), caller, target, role=role, active=active,
                      display_name=_text(data, "display_name", 100))
    commit()
    return ser.user(target)
