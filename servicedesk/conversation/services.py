"""Writing and reading an incident's conversation. Each write is one transaction (the caller commits) and
leaves an IncidentEvent ("reply" or "note", note = the message id) that delivery notifies from.

The caller loads the incident with get_incident(..., for_update=True): two people replying at once take
turns on the incident row, so both messages land, in order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb.actors import is_staff
from kb.attachments import BlobStore, check_file, store_blob
from kb.errors import Conflict, DomainError, Forbidden, NotFound, ValidationError
from kb.models import Article, Blob
from kb.rendering import markdown_to_text, render_markdown
from kb.validation import clean_text, is_valid_id
from servicedesk.conversation.models import INTERNAL, PUBLIC, IncidentMessage, IncidentMessageAttachment
from servicedesk.formerrors import N_
from servicedesk.incidents.models import Incident
from servicedesk.incidents.services import _record, stamp_first_response
from servicedesk.incidents.workflow import IncidentStatus
from servicedesk.users.models import User

MAX_BODY = 10_000
FINISHED = frozenset({IncidentStatus.CLOSED, IncidentStatus.CANCELLED, IncidentStatus.DUPLICATE})


def _refuse_finished(incident: Incident) -> None:
    if incident.status in FINISHED:
        raise Conflict("This incident is closed; report a new incident if the problem is back.",
                       code="incident_closed")


# The history row of a reply that sent a solution's steps names the article in this field.
STEPS_FIELD = "solution_steps"


def _write(s: Session, incident: Incident, author: User, kind: str, body: object,
           steps_of: int | None = None) -> IncidentMessage:
    text = clean_text(body, "body", max_len=MAX_BODY)
    message = IncidentMessage(incident=incident, author_id=author.id, kind=kind, body=text,
                              body_html=render_markdown(text))
    s.add(message)
    s.flush()  # the id, for the history row
    _record(s, incident, author, "reply" if kind == PUBLIC else "note", note=str(message.id),
            field=STEPS_FIELD if steps_of is not None else None, new=steps_of)
    if kind == PUBLIC and is_staff(author):
        stamp_first_response(incident)  # writing to the subscriber answers them
    return message


def add_reply(s: Session, incident: Incident, author: User, body: object, *,
              steps_of: int | None = None) -> IncidentMessage:
    """A public reply: staff on any incident they see, a subscriber only on an incident they reported."""
    if not is_staff(author) and incident.reporter_id != author.id:
        raise NotFound("No such incident.")
    _refuse_finished(incident)
    return _write(s, incident, author, PUBLIC, body, steps_of)


def add_note(s: Session, incident: Incident, author: User, body: object) -> IncidentMessage:
    """An internal note, staff only; allowed on a closed incident too (what was learnt afterwards)."""
    if not is_staff(author):
        raise Forbidden("Only service-desk staff add internal notes.")
    return _write(s, incident, author, INTERNAL, body)


def add_message(s: Session, incident: Incident, author: User, kind: object, body: object) -> IncidentMessage:
    if kind in (None, "", PUBLIC):
        return add_reply(s, incident, author, body)
    if kind == INTERNAL:
        return add_note(s, incident, author, body)
    raise ValidationError("The kind is public or internal.", fields={"kind": "must be public or internal"})


def send_solution_steps(s: Session, incident: Incident, author: User,
                        article_id: object = None) -> IncidentMessage:
    """The solution's steps (or its body when it has none) as plain text, sent as a public reply.

    The article is the incident's linked solution, or the approved article named by article_id.
    """
    if not is_staff(author):
        raise Forbidden("Only service-desk staff send solution steps.")
    article: Article | None
    if article_id in (None, ""):
        article = incident.solution
    else:
        article = s.get(Article, int(str(article_id))) if is_valid_id(article_id) else None
        if article is not None and not article.is_approved:
            article = None
    if article is None:
        raise ValidationError("Choose an approved solution article.", fields={"article_id": "not found"})
    revision = article.current
    text = markdown_to_text(revision.steps or revision.body).strip()
    if not text:
        raise ValidationError("This solution has no steps to send.", fields={"article_id": "no steps"})
    return add_reply(s, incident, author, f"{article.title}\n\n{text}"[:MAX_BODY], steps_of=article.id)


def list_messages(s: Session, incident: Incident, viewer: User) -> list[IncidentMessage]:
    """The messages viewer may see, oldest first: staff see all, anyone else the public ones."""
    stmt = select(IncidentMessage).where(IncidentMessage.incident_id == incident.id)
    if not is_staff(viewer):
        stmt = stmt.where(IncidentMessage.kind == PUBLIC)
    return list(s.scalars(stmt.order_by(IncidentMessage.id)))


# The refusals above, for extraction: pages and the API show them translated.
CONVERSATION_MESSAGES = frozenset({
    N_("This incident is closed; report a new incident if the problem is back."),
    N_("Only service-desk staff add internal notes."),
    N_("Only service-desk staff send solution steps."),
    N_("The kind is public or internal."),
    N_("Choose an approved solution article."),
    N_("This solution has no steps to send."),
    N_("Only service-desk staff attach files."),
    N_("Files go on your own staff message."),
    N_("A message holds at most 10 files."),
    N_("No such message."),
    N_("No such attachment."),
    N_("Attach at most 5 files at once."),
})


MAX_FILES_PER_MESSAGE = 10


def add_message_attachment(s: Session, store: BlobStore, message: IncidentMessage, actor: User, filename: str,
                           data: bytes) -> IncidentMessageAttachment:
    """A checked file on a staff message, with the knowledge base's checks (size, type by content, name)
    and stored once by SHA-256 in the same blob store."""
    if not is_staff(actor):
        raise Forbidden("Only service-desk staff attach files.")
    if message.author_id != actor.id or not is_staff(message.author):
        raise Forbidden("Files go on your own staff message.")
    name, content_type = check_file(filename, data)
    if len(message.attachments) >= MAX_FILES_PER_MESSAGE:
        raise ValidationError("A message holds at most 10 files.", fields={"file": "too many"})
    attachment = IncidentMessageAttachment(blob=_stored_blob(s, store, data, content_type), filename=name,
                                           uploaded_by_id=actor.id)
    message.attachments.append(attachment)
    s.flush()
    return attachment


def get_message(s: Session, incident: Incident, viewer: User, message_id: object) -> IncidentMessage:
    """A message of the incident that viewer may see (internal ones: staff only); otherwise NotFound."""
    message = s.get(IncidentMessage, int(str(message_id))) if is_valid_id(message_id) else None
    if message is None or message.incident_id != incident.id or (message.kind == INTERNAL and not is_staff(viewer)):
        raise NotFound("No such message.")
    return message


def _stored_blob(s: Session, store: BlobStore, data: bytes, content_type: str) -> Blob:
    """store_blob, safe when two people store the same bytes at once: the second finds the first's row
    (on PostgreSQL the unique SHA-256 refuses its insert; a savepoint keeps the rest of its work)."""
    try:
        with s.begin_nested():
            blob = store_blob(s, store, data, content_type)
            s.flush()
        return blob
    except IntegrityError:
        found = s.scalar(select(Blob).where(Blob.sha256 == hashlib.sha256(data).hexdigest()))
        if found is None:
            raise
        return found


MAX_FILES_PER_FORM = 5


def add_message_with_files(s: Session, store: BlobStore, incident: Incident, author: User, kind: object,
                           body: object, files: Sequence[tuple[str, bytes]]) -> IncidentMessage:
    """A reply or note with its files, all or nothing: every file is checked (type by content, size) before
    anything is written, and a refused file refuses the message (the caller rolls back)."""
    if files and not is_staff(author):
        raise Forbidden("Only service-desk staff attach files.")
    if len(files) > MAX_FILES_PER_FORM:
        raise ValidationError("Attach at most 5 files at once.", fields={"file": "too many"})
    for filename, data in files:
        try:
            check_file(filename, data)
        except DomainError as exc:
            exc.params["filename"] = filename  # which of the files, for the page to say
            raise
    message = add_message(s, incident, author, kind, body)
    for filename, data in files:
        add_message_attachment(s, store, message, author, filename, data)
    return message


@dataclass(frozen=True)
class TimelineEntry:
    """One line of an incident's timeline: a message, or a history event as the caller gave it."""

    at: datetime
    message: IncidentMessage | None = None
    event: Any = None
    solution_steps: bool = False  # a public reply that sent a solution's steps


def _at(event: Any) -> datetime:
    at: datetime = event["at"] if isinstance(event, dict) else event.at
    return at


def _action(event: Any) -> str:
    return str(event["action"] if isinstance(event, dict) else event.action)


@dataclass(frozen=True)
class FoldedEvent:
    """A history row with the rows recorded with it in the same step (an assignment writes the assignee and
    the status it moves the incident to): shown as one entry listing each change."""

    first: Any
    changes: tuple[Any, ...]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.first, name)


def fold_steps(events: Iterable[Any]) -> list[Any]:
    """The history with each step's rows as one: a row of the same action by the same person at the same
    moment as the row before it folds into that row (its change listed beside the first one)."""
    folded: list[Any] = []
    for ev in events:
        last = folded[-1] if folded else None
        if (last is not None and getattr(ev, "field", None) and not ev.note
                and last.action == ev.action and last.actor_id == ev.actor_id
                and abs((last.at - ev.at).total_seconds()) < 1):
            changes = last.changes if isinstance(last, FoldedEvent) else (last,)
            folded[-1] = FoldedEvent(changes[0], (*changes, ev))
        else:
            folded.append(ev)
    return folded


def timeline(incident: Incident, messages: Iterable[IncidentMessage], events: Iterable[Any]) -> list[TimelineEntry]:
    """Messages and history events in one list, newest first. A reply's or note's history row gives way
    to the message itself (shown only when the message is, so a subscriber never learns of a note)."""
    steps = {int(ev.note) for ev in incident.events
             if ev.action == "reply" and ev.field == STEPS_FIELD and ev.note.isdigit()}
    entries = [TimelineEntry(at=m.created_at, message=m, solution_steps=m.id in steps) for m in messages]
    entries += [TimelineEntry(at=_at(ev), event=ev)
                for ev in fold_steps(events) if _action(ev) not in ("reply", "note")]
    # Stable: at the same instant, events keep their order and a message stands after the event beside it.
    def key(i: int) -> tuple[datetime, bool, int]:
        message = entries[i].message
        return entries[i].at, message is not None, message.id if message is not None else i

    return [entries[i] for i in sorted(range(len(entries)), key=key, reverse=True)]
