"""The app's attachment store under the instance folder."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_app_context, request

from kb.attachments import MAX_BYTES, BlobStore, install_blob_cleanup
from servicedesk import db

_installed = False
# Routes that take a file: they may receive up to the attachment limit, every other route the app's.
UPLOAD_ENDPOINTS = frozenset({"api.upload_attachment", "knowledge.upload"})
MULTIPART_OVERHEAD = 64 * 1024


def current_store() -> BlobStore:
    store: BlobStore = current_app.extensions["kb_blobs"]
    return store


def _store_or_none() -> BlobStore | None:
    return current_app.extensions.get("kb_blobs") if has_app_context() else None


def init_app(app: Flask) -> None:
    global _installed
    app.extensions["kb_blobs"] = BlobStore(app.config.get("ATTACHMENTS_DIR")
                                           or Path(app.config["INSTANCE_PATH"]) / "attachments")

    def _allow_uploads() -> None:
        if request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = MAX_BYTES + MULTIPART_OVERHEAD

    # First of all hooks: CSRF protection reads the form, and the limit must be raised before that.
    app.before_request_funcs.setdefault(None, []).insert(0, _allow_uploads)
    if not _installed:
        install_blob_cleanup(db.session, _store_or_none)
        _installed = True
