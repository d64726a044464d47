"""Article attachments: checked by content (not by name), stored once by SHA-256 under the instance folder.

Files are written before the database row points at them and removed only after the commit that
dropped their last reference, so a failed step never leaves a row without its file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from kb.actors import Actor
from kb.errors import Forbidden, NotFound, TooLarge, ValidationError
from kb.models import Article, Attachment, Blob
from kb.permissions import can_write_articles
from kb.validation import strip_unsafe
from kb.workflow import ArticleStatus

MAX_BYTES = 20 * 1024 * 1024
MAX_PER_ARTICLE = 30

# extension -> content type we accept for it; the bytes must say the same.
ALLOWED: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".log": "text/plain",
}
_ZIP_MARKERS = {".xlsx": "xl/", ".docx": "word/", ".pptx": "ppt/"}
_PENDING_REMOVALS = "kb_blob_removals"
# Every column that refers to a blob; other modules storing files here register theirs.
_BLOB_REFERENCES: list[Any] = [Attachment.blob_id]


def register_blob_reference(column: Any) -> None:
    """Another table keeps blobs too (e.g. incident photos): a blob it refers to is never an orphan."""
    if column not in _BLOB_REFERENCES:
        _BLOB_REFERENCES.append(column)


def sniff(data: bytes, extension: str) -> str | None:
    """The content type the bytes really have, if it is the one the extension claims; else None."""
    head = data[:16]
    checks: dict[str, Callable[[], bool]] = {
        "image/png": lambda: head.startswith(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg": lambda: head.startswith(b"\xff\xd8\xff"),
        "image/gif": lambda: head[:6] in (b"GIF87a", b"GIF89a"),
        "image/webp": lambda: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
        "application/pdf": lambda: data[:1024].lstrip().startswith(b"%PDF-"),
        "text/csv": lambda: _is_text(data),
        "text/plain": lambda: _is_text(data),
    }
    expected = ALLOWED.get(extension)
    if expected is None:
        return None
    if extension in _ZIP_MARKERS:
        return expected if _is_office(data, _ZIP_MARKERS[extension]) else None
    return expected if checks[expected]() else None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            return False
    return True


def _is_office(data: bytes, marker: str) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            names = zf.namelist()
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and any(n.startswith(marker) for n in names)


def clean_filename(name: str) -> str:
    """A safe display name: no path, no control or bidirectional-formatting characters (strip_unsafe, on one
    line), none of the characters Windows refuses, at most 200 characters, extension kept."""
    name = unicodedata.normalize("NFC", strip_unsafe(name, single_line=True).replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[<>:\"|?*]", "", name).strip(" .")
    if not name:
        raise ValidationError("The file needs a name.", fields={"file": "no file name"})
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    return (stem[: 200 - len(ext) - 1] + ("." + ext if ext else "")) if len(name) > 200 else name


class BlobStore:
    """Content-addressed files under one folder: ab/cdef… by SHA-256."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:]

    def put(self, sha256: str, data: bytes) -> None:
        target = self.path(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)


def check_file(filename: str, data: bytes) -> tuple[str, str]:
    """The cleaned name and the content type of an uploaded file, once its size, type and content are checked
    (ValidationError or TooLarge naming the field "file" otherwise)."""
    if len(data) > MAX_BYTES:
        raise TooLarge(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.", fields={"file": "too large"})
    if not data:
        raise ValidationError("The file is empty.", fields={"file": "empty"})
    name = clean_filename(filename)
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED:
        allowed = ", ".join(sorted(ALLOWED))
        raise ValidationError(f"Files of this type are not accepted; allowed: {allowed}.",
                              fields={"file": "type not allowed"})
    content_type = sniff(data, ext)
    if content_type is None:
        raise ValidationError(f"The file's content is not what its name ({ext}) says.",
                              fields={"file": "content does not match the file type"})
    return name, content_type


def store_blob(s: Session, store: BlobStore, data: bytes, content_type: str) -> Blob:
    """The stored-once blob of these bytes: written to the store before any row points at it."""
    digest = hashlib.sha256(data).hexdigest()
    blob = s.scalar(select(Blob).where(Blob.sha256 == digest))
    if blob is None:
        store.put(digest, data)
        blob = Blob(sha256=digest, size=len(data), content_type=content_type)
        s.add(blob)
    return blob


def add_attachment(s: Session, store: BlobStore, article: Article, actor: Actor, filename: str,
                   data: bytes) -> Attachment:
    """Attaches a checked file to the article; the same bytes are stored once however often attached."""
    if not can_write_articles(actor):
        raise Forbidden("Only staff attach files to articles.")
    if article.status == ArticleStatus.RETIRED:
        raise ValidationError("This article is retired.", fields={"file": "article retired"})
    name, content_type = check_file(filename, data)
    if any(a.filename == name for a in article.attachments):
        raise ValidationError(f"The article already has a file named {name}.", fields={"file": "name taken"})
    if len(article.attachments) >= MAX_PER_ARTICLE:
        raise ValidationError(f"An article holds at most {MAX_PER_ARTICLE} files.", fields={"file": "too many"})
    attachment = Attachment(blob=store_blob(s, store, data, content_type), filename=name, uploaded_by_id=actor.id)
    article.attachments.append(attachment)
    s.flush()
    return attachment


def remove_attachment(s: Session, article: Article, actor: Actor, attachment_id: int) -> None:
    """Detaches a file; the stored bytes go once nothing refers to them (after the commit)."""
    if not can_write_articles(actor):
        raise Forbidden("Only staff remove attachments.")
    attachment = next((a for a in article.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound("No such attachment.")
    article.attachments.remove(attachment)
    s.flush()
    drop_orphan_blobs(s, [attachment.blob_id])


def drop_orphan_blobs(s: Session, blob_ids: list[int] | None = None) -> int:
    """Deletes blob rows nothing refers to (all, or these); their files are removed after commit."""
    stmt = select(Blob)
    for column in _BLOB_REFERENCES:
        stmt = stmt.where(Blob.id.not_in(select(column).where(column.is_not(None))))
    if blob_ids is not None:
        stmt = stmt.where(Blob.id.in_(blob_ids))
    orphans = list(s.scalars(stmt))
    for blob in orphans:
        s.info.setdefault(_PENDING_REMOVALS, set()).add(blob.sha256)
        s.delete(blob)
    s.flush()
    return len(orphans)


def stray_files(s: Session, store: BlobStore) -> list[Path]:
    """Files in the store that no blob row names (left by a crash between writing and committing)."""
    known = set(s.scalars(select(Blob.sha256)))
    out: list[Path] = []
    if not store.root.exists():
        return out
    for path in store.root.glob("??/*"):
        if path.is_file() and path.parent.name + path.name not in known and not path.name.startswith("tmp"):
            out.append(path)
    return out


def attachment_count(s: Session) -> int:
    return int(s.scalar(select(func.count()).select_from(Attachment)) or 0)


def install_blob_cleanup(target: Any, get_store: Callable[[], BlobStore | None]) -> None:
    """Removes files of deleted blobs after commit; forgets the list on rollback."""

    def after_commit(s: Session) -> None:
        shas: set[str] = s.info.pop(_PENDING_REMOVALS, set())
        store = get_store()
        if store is None:
            return
        for sha in shas:
            store.remove(sha)

    def after_rollback(s: Session) -> None:
        s.info.pop(_PENDING_REMOVALS, None)

    event.listen(target, "after_commit", after_commit)
    event.listen(target, "after_rollback", after_rollback)
