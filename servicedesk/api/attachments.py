"""Files attached to articles: upload (staff), list, download (whoever may read the article), delete (staff).

Downloads are served with the type the content was checked to have, `nosniff`, and inline only for
images and PDFs, so an uploaded file can never be run as a page of the desk.
"""

from __future__ import annotations

import logging
import os
from typing import Any
from urllib.parse import quote

from flask import Response, request, send_file, url_for

from kb.attachments import add_attachment, remove_attachment
from kb.errors import NotFound, ValidationError
from kb.models import Article, Attachment
from servicedesk.api import bp
from servicedesk.api import schemas as sch
from servicedesk.api import serializers as ser
from servicedesk.api.articles import load_article
from servicedesk.api.common import anonymous_allowed, commit, id_exists, session, user
from servicedesk.api.contract import READ, operation
from servicedesk.attachments import current_store

log = logging.getLogger(__name__)

Reply = tuple[dict[str, Any], int]
INLINE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")


def attachment_json(a: Article, att: Attachment) -> dict[str, Any]:
    url = url_for("api.download_attachment", article_id=a.id, attachment_id=att.id)
    return ser.attachment(att, url)


def load_attachment(a: Article, attachment_id: int) -> Attachment:
    found = next((att for att in a.attachments if att.id == attachment_id), None) if id_exists(attachment_id) \
        else None
    if found is None:
        raise NotFound("No such attachment.")
    return found


def content_disposition(filename: str, inline: bool) -> str:
    """inline/attachment with an ASCII fallback name and the real one as RFC 5987 filename*."""
    ext = os.path.splitext(filename)[1]
    fallback = filename if filename.isascii() else "attachment" + (ext if ext.isascii() else "")
    fallback = fallback.replace("\\", "_").replace('"', "_")
    return (f'{"inline" if inline else "attachment"}; filename="{fallback}"; '
            f"filename*=UTF-8''{quote(filename, safe='')}")


@bp.post("/articles/<int:article_id>/attachments")
@operation("upload_attachment", tag="articles", summary="Attach a file to an article (staff)",
           responses={201: sch.Attachment}, errors=(400, 401, 403, 404, 413), description=sch.UPLOAD_HELP,
           extra=sch.UPLOAD)
def upload_attachment(article_id: int) -> Reply:
    me = user()
    a = load_article(article_id)
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError("Send the file as multipart/form-data in the field 'file'.",
                              fields={"file": "required"})
    att = add_attachment(session(), current_store(), a, me, upload.filename or "", upload.read())
    commit()
    return attachment_json(a, att), 201


@bp.get("/articles/<int:article_id>/attachments")
@operation("list_attachments", tag="articles", summary="An article's attachments",
           responses={200: sch.AttachmentList}, errors=(401, 404))
@anonymous_allowed
def list_attachments(article_id: int) -> dict[str, Any]:
    a = load_article(article_id)
    # By name in code-point order, the same on every database whatever its collation.
    items = [attachment_json(a, att) for att in sorted(a.attachments, key=lambda att: (att.filename, att.id))]
    return {"items": items, "total": len(items)}


@bp.get("/articles/<int:article_id>/attachments/<int:attachment_id>")
@operation("download_attachment", tag="articles", summary="Download an attachment",
           responses={200: sch.DOWNLOAD}, errors=(401, 404),
           description="Only for callers who may read the article (else 404). Sent with X-Content-Type-Options: "
                       "nosniff; images and PDFs inline, other files as attachment; filename* is UTF-8.")
@anonymous_allowed
def download_attachment(article_id: int, attachment_id: int) -> Response:
    att = load_attachment(load_article(article_id), attachment_id)
    path = current_store().path(att.blob.sha256)
    if not path.is_file():
        log.error("attachment %s: stored file %s is missing", att.id, path)
        raise NotFound("The file of this attachment is missing; tell an administrator.")
    content_type = att.blob.content_type
    response = send_file(path, mimetype=content_type, conditional=True, etag=att.blob.sha256, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(att.filename, content_type in INLINE_TYPES)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Access depends on who asks: shared caches must not keep a copy.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.delete("/articles/<int:article_id>/attachments/<int:attachment_id>")
@operation("delete_attachment", tag="articles", summary="Remove an attachment (staff)",
           responses={200: sch.Deleted}, errors=READ,
           description="The stored file goes once no article refers to it.")
def delete_attachment(article_id: int, attachment_id: int) -> dict[str, Any]:
    me = user()
    a = load_article(article_id)
    att = load_attachment(a, attachment_id)
    remove_attachment(session(), a, me, att.id)
    commit()
    return {"id": attachment_id, "deleted": True}
