"""Sending a message's file: one answer for the pages and the API, after the caller's access check."""

from __future__ import annotations

from flask import Response, send_file

from kb.errors import NotFound
from servicedesk.api.attachments import INLINE_TYPES, content_disposition
from servicedesk.attachments import current_store
from servicedesk.conversation.models import IncidentMessage, IncidentMessageAttachment


def find_attachment(message: IncidentMessage, attachment_id: int) -> IncidentMessageAttachment:
    """The message's attachment with this id (NotFound otherwise)."""
    att = next((a for a in message.attachments if a.id == attachment_id), None)
    if att is None:
        raise NotFound("No such attachment.")
    return att


def attachment_response(att: IncidentMessageAttachment) -> Response:
    """The stored file, inline when a browser shows it safely, never cached by shared caches."""
    path = current_store().path(att.blob.sha256)
    if not path.is_file():
        raise NotFound("The file of this attachment is missing; tell an administrator.")
    content_type = att.blob.content_type
    response = send_file(path, mimetype=content_type, conditional=True, etag=att.blob.sha256, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(att.filename, content_type in INLINE_TYPES)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"  # who may read it depends on who asks
    if content_type != "application/pdf":  # a sandbox would stop the browser's PDF viewer
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
