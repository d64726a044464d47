"""/api/v1/incidents/<id>/messages: the conversation on an incident (servicedesk.conversation).

A subscriber sees and writes only public replies on incidents they reported; staff see internal notes too.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request

from kb.attachments import MAX_BYTES
from kb.errors import ValidationError
from servicedesk.api import bp
from servicedesk.api import schemas as sch
from servicedesk.api.common import commit, session, user
from servicedesk.api.contract import WRITE, body, operation
from servicedesk.api.incidents import load_incident
from servicedesk.attachments import MULTIPART_OVERHEAD, current_store
from servicedesk.conversation import services as conv
from servicedesk.conversation.files import attachment_response, find_attachment
from servicedesk.conversation.models import IncidentMessage, IncidentMessageAttachment


def _allow_upload() -> None:
    if request.endpoint == "api.upload_incident_message_attachment":
        request.max_content_length = MAX_BYTES + MULTIPART_OVERHEAD


# A file may be as large as the knowledge base allows, not only the app's limit; set before the body is read.
bp.record_once(lambda state: state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_upload))


def attachment_json(incident_id: int, a: IncidentMessageAttachment) -> dict[str, Any]:
    return {"id": a.id, "filename": a.filename, "size": a.blob.size, "content_type": a.blob.content_type,
            "url": f"/api/v1/incidents/{incident_id}/messages/{a.message_id}/attachments/{a.id}"}


def message_json(m: IncidentMessage) -> dict[str, Any]:
    return {
        "id": m.id,
        "incident_id": m.incident_id,
        "kind": m.kind,
        "author": m.author.username,
        "body": m.body,
        "body_html": m.body_html,
        "created_at": m.created_at.isoformat(),
        "attachments": [attachment_json(m.incident_id, a) for a in m.attachments],
    }


@bp.get("/incidents/<int:incident_id>/messages")
@operation("list_incident_messages", tag="incidents", summary="The conversation on an incident, oldest first",
           description="A subscriber sees the public replies of incidents they reported; staff see internal notes "
                       "too.", responses={200: sch.IncidentMessageList})
def list_incident_messages(incident_id: int) -> dict[str, Any]:
    i = load_incident(incident_id)
    return {"items": [message_json(m) for m in conv.list_messages(session(), i, user())]}


@bp.post("/incidents/<int:incident_id>/messages")
@operation("add_incident_message", tag="incidents", summary="Reply on an incident, or add an internal note (staff)",
           description="409 incident_closed: no replies on a closed, cancelled or duplicate incident.",
           body=sch.MessageInput, responses={201: sch.IncidentMessage}, errors=WRITE)
def add_incident_message(incident_id: int) -> tuple[dict[str, Any], int]:
    data = body(sch.MessageInput).model_dump()
    i = load_incident(incident_id, for_update=True)  # two at once take turns: both land, in order
    m = conv.add_message(session(), i, user(), data.get("kind"), data.get("body"))
    commit()
    return message_json(m), 201


@bp.post("/incidents/<int:incident_id>/messages/solution-steps")
@operation("send_solution_steps", tag="incidents", summary="Send a solution's steps to the reporter as a reply (staff)",
           body=sch.SolutionStepsInput, body_required=False, responses={201: sch.IncidentMessage}, errors=WRITE)
def send_incident_solution_steps(incident_id: int) -> tuple[dict[str, Any], int]:
    data = body(sch.SolutionStepsInput).model_dump(exclude_unset=True)
    i = load_incident(incident_id, for_update=True)
    m = conv.send_solution_steps(session(), i, user(), data.get("article_id"))
    commit()
    return message_json(m), 201


@bp.post("/incidents/<int:incident_id>/messages/<int:message_id>/attachments")
@operation("upload_message_attachment", tag="incidents", summary="Attach a file to your own message (staff)",
           responses={201: sch.MessageAttachment}, errors=(400, 401, 403, 404, 409, 413),
           description=sch.UPLOAD_HELP, extra=sch.UPLOAD)
def upload_incident_message_attachment(incident_id: int, message_id: int) -> tuple[dict[str, Any], int]:
    i = load_incident(incident_id)
    message = conv.get_message(session(), i, user(), message_id)
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError("Send the file as multipart/form-data in the field 'file'.",
                              fields={"file": "required"})
    att = conv.add_message_attachment(session(), current_store(), message, user(), upload.filename or "",
                                      upload.read())
    commit()
    return attachment_json(incident_id, att), 201


@bp.get("/incidents/<int:incident_id>/messages/<int:message_id>/attachments/<int:attachment_id>")
@operation("download_message_attachment", tag="incidents", summary="Download a message's attachment",
           responses={200: sch.DOWNLOAD}, errors=(401, 404),
           description="The files of internal notes: staff only (else 404).")
def download_incident_message_attachment(incident_id: int, message_id: int, attachment_id: int) -> Response:
    i = load_incident(incident_id)
    message = conv.get_message(session(), i, user(), message_id)  # internal notes' files: staff only
    return attachment_response(find_attachment(message, attachment_id))
