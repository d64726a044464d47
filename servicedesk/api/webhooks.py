"""/api/v1/webhooks: admins register receivers of signed event deliveries and read each one's delivery log."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import func, select

from kb.errors import NotFound, ValidationError
from servicedesk.api import bp
from servicedesk.api import schemas as sch
from servicedesk.api.common import commit, id_exists, page_args, session, user
from servicedesk.api.contract import WRITE, body, operation
from servicedesk.notify import registry
from servicedesk.notify.models import DeliveryAttempt, OutboxMessage, Webhook
from servicedesk.notify.settings import setting


def webhook_out(hook: Webhook) -> dict[str, Any]:
    """A webhook as the API shows it: never its secret."""
    return {"id": hook.id, "url": hook.url, "events": hook.event_list, "active": hook.active,
            "created_at": hook.created_at.isoformat()}


def _own_addresses() -> list[str]:
    return [request.host_url, setting("PUBLIC_URL")]


@bp.post("/webhooks")
@operation("create_webhook", tag="webhooks", summary="Register a receiver of signed event deliveries (admin)",
           body=sch.WebhookInput, responses={201: sch.Webhook}, errors=WRITE)
def create_webhook() -> tuple[dict[str, Any], int]:
    data = body(sch.WebhookInput).model_dump(mode="json")
    hook = registry.create_webhook(session(), user(), data, own=_own_addresses())
    commit()
    return webhook_out(hook), 201


@bp.get("/webhooks")
@operation("list_webhooks", tag="webhooks", summary="List the registered webhooks (admin)", query=sch.Paged,
           responses={200: sch.WebhookPage}, errors=(401, 403))
def list_webhooks() -> dict[str, Any]:
    registry.require_admin(user())
    errors: dict[str, str] = {}
    page, per_page = page_args(errors)
    if errors:
        raise ValidationError("Bad paging values.", fields=errors)
    total = session().scalar(select(func.count()).select_from(Webhook)) or 0
    hooks = session().scalars(select(Webhook).order_by(Webhook.id).limit(per_page)
                              .offset((page - 1) * per_page)).all()
    return {"items": [webhook_out(h) for h in hooks], "total": int(total), "page": page, "per_page": per_page}


@bp.delete("/webhooks/<int:webhook_id>")
@operation("delete_webhook", tag="webhooks", summary="Remove a webhook and its queued deliveries (admin)",
           responses={204: {"description": "Removed"}})
def delete_webhook(webhook_id: int) -> tuple[str, int]:
    if not id_exists(webhook_id):
        raise NotFound("No such webhook.")
    registry.delete_webhook(session(), user(), webhook_id)
    commit()
    return "", 204


@bp.get("/webhooks/<int:webhook_id>/deliveries")
@operation("list_webhook_deliveries", tag="webhooks", summary="A webhook's deliveries, newest first, with "
           "every attempt (admin)", query=sch.Paged, responses={200: sch.DeliveryPage})
def list_deliveries(webhook_id: int) -> dict[str, Any]:
    if not id_exists(webhook_id):
        raise NotFound("No such webhook.")
    hook = registry.get_webhook(session(), user(), webhook_id)
    errors: dict[str, str] = {}
    page, per_page = page_args(errors)
    if errors:
        raise ValidationError("Bad paging values.", fields=errors)
    mine = OutboxMessage.webhook_id == hook.id
    total = session().scalar(select(func.count()).select_from(OutboxMessage).where(mine)) or 0
    rows = session().scalars(select(OutboxMessage).where(mine).order_by(OutboxMessage.id.desc())
                             .limit(per_page).offset((page - 1) * per_page)).all()
    attempts: dict[int, list[DeliveryAttempt]] = {}
    if rows:
        for a in session().scalars(select(DeliveryAttempt).where(DeliveryAttempt.message_id.in_([r.id for r in rows]))
                                   .order_by(DeliveryAttempt.id)):
            attempts.setdefault(a.message_id, []).append(a)
    return {"items": [{
        "id": r.uuid, "event": r.event, "status": r.status.value, "attempts": r.attempts,
        "created_at": r.created_at.isoformat(), "sent_at": r.sent_at.isoformat() if r.sent_at else None,
        "next_attempt_at": r.next_attempt_at.isoformat() if r.status.value == "pending" else None,
        "last_error": r.last_error or None,
        "log": [{"at": a.at.isoformat(), "ok": a.ok, "detail": a.detail} for a in attempts.get(r.id, [])],
    } for r in rows], "total": int(total), "page": page, "per_page": per_page}
