"""The app's attachment store under the instance folder."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_app_context

from kb.attachments import BlobStore, install_blob_cleanup
from servicedesk import db

_installed = False


def current_store() -> BlobStore:
    store: BlobStore = current_app.extensions["kb_blobs"]
    return store


def _store_or_none() -> BlobStore | None:
    return current_app.extensions.get("kb_blobs") if has_app_context() else None


def init_app(app: Flask) -> None:
    global _installed
    app.extensions["kb_blobs"] = BlobStore(app.config.get("ATTACHMENTS_DIR")
                                           or Path(app.config["INSTANCE_PATH"]) / "attachments")
    if not _installed:
        install_blob_cleanup(db.session, _store_or_none)
        _installed = True
