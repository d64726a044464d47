"""The delivery worker: claims due outbox messages, sends them with no transaction open, records the outcome.

A claim is a short transaction that pushes the messages' next attempt a lease ahead and stamps them with
the worker's token (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so workers take different rows; SQLite:
the claim holds the write lock, so claims queue). Another worker sees the claimed messages as not due, so
no two send one message; a worker that dies mid-send leaves its claim to expire and the message is retried.
The outcome is written only by the worker still holding the claim.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kb.orm import utcnow
from servicedesk import db
from servicedesk.background import Chore, run_rounds
from servicedesk.notify.channels import DeliveryError
from servicedesk.notify.channels.mail import send_mail
from servicedesk.notify.channels.sms import send_sms
from servicedesk.notify.channels.webhooks import send_webhook
from servicedesk.notify.models import Channel, DeliveryAttempt, OutboxMessage, OutboxStatus, Webhook
from servicedesk.notify.settings import setting

log = logging.getLogger(__name__)

SessionOpener = Callable[[], Session]


@dataclass
class Report:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Job:
    id: int
    uuid: str
    channel: Channel
    event: str
    address: str
    subject: str
    body: str
    secret: str
    attempts: int


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after attempts tries: doubling from the base, up to the cap."""
    base = float(setting("NOTIFY_RETRY_BASE_SECONDS"))
    cap = float(setting("NOTIFY_RETRY_CAP_SECONDS"))
    return timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


def _claim(open_session: SessionOpener, now: datetime, limit: int, token: str) -> list[_Job]:
    with db.writing(), open_session() as s:
        query = (select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING,
                                             OutboxMessage.next_attempt_at <= now)
                 .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
        if s.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=OutboxMessage)
        rows = s.scalars(query).all()
        lease = now + timedelta(seconds=float(setting("NOTIFY_LEASE_SECONDS")))
        jobs = []
        for row in rows:
            row.claim = token
            row.attempts += 1
            row.next_attempt_at = lease
            secret = ""
            if row.webhook_id is not None:
                hook = s.get(Webhook, row.webhook_id)
                secret = hook.secret if hook is not None else ""
            jobs.append(_Job(row.id, row.uuid, row.channel, row.event, row.address, row.subject, row.body,
                             secret, row.attempts))
        s.commit()
        return jobs


def _send(job: _Job) -> str:
    if job.channel == Channel.MAIL:
        send_mail(job.address, job.subject, job.body, message_id=job.uuid)
        return "accepted by the mail server"
    if job.channel == Channel.SMS:
        send_sms(job.address, job.body)
        return "accepted by the SMS gateway"
    status = send_webhook(job.address, job.secret, job.body, delivery=job.uuid, event=job.event)
    return f"HTTP {status}"


def _finish(open_session: SessionOpener, job: _Job, token: str, ok: bool, detail: str) -> str:
    now = utcnow()
    with db.writing(), open_session() as s:
        row = s.get(OutboxMessage, job.id)
        if row is None or row.claim != token:
            s.rollback()
            return "lost"  # deleted, or the claim expired and another worker took it over
        s.add(DeliveryAttempt(message_id=row.id, at=now, ok=ok, detail=detail[:500]))
        row.claim = None
        if ok:
            row.status = OutboxStatus.SENT
            row.sent_at = now
            row.last_error = ""
            outcome = "sent"
        else:
            row.last_error = detail[:500]
            if row.attempts >= int(setting("NOTIFY_MAX_ATTEMPTS")):
                row.status = OutboxStatus.FAILED
                outcome = "failed"
            else:
                row.next_attempt_at = now + backoff(row.attempts)
                outcome = "retrying"
        s.commit()
        return outcome


def deliver_due(*, open_session: SessionOpener | None = None, now: datetime | None = None,
                limit: int | None = None) -> Report:
    """Sends what is due at now (default: the clock): claims, sends outside any transaction, records each
    outcome (sent, retry with backoff, or failed after NOTIFY_MAX_ATTEMPTS). Safe to run in several
    threads, processes and nodes at once."""
    opener = open_session or db.side_session
    now = now or utcnow()
    token = str(uuid.uuid4())
    jobs = _claim(opener, now, int(limit or setting("NOTIFY_BATCH")), token)
    report = Report(claimed=len(jobs))
    for job in jobs:
        try:
            ok, detail = True, _send(job)
        except DeliveryError as exc:
            ok, detail = False, str(exc)
        except Exception as exc:  # a bug in a sender must not stop the others
            log.exception("notify: sending message %s failed unexpectedly", job.id)
            ok, detail = False, f"{type(exc).__name__}"
        if not ok:
            report.errors.append(f"{job.channel.value} #{job.id}: {detail}")
        outcome = _finish(opener, job, token, ok, detail)
        if outcome == "sent":
            report.sent += 1
        elif outcome == "retrying":
            report.retrying += 1
        elif outcome == "failed":
            report.failed += 1
    return report


def backlog(s: Session) -> dict[str, Any]:
    """What waits in the outbox, and the oldest wait in seconds (for the health check and the admin page)."""
    pending, oldest = s.execute(select(func.count(), func.min(OutboxMessage.created_at))
                                .where(OutboxMessage.status == OutboxStatus.PENDING)).one()
    failed = s.scalar(select(func.count()).select_from(OutboxMessage)
                      .where(OutboxMessage.status == OutboxStatus.FAILED)) or 0
    waited = (utcnow() - oldest).total_seconds() if oldest is not None else None
    return {"pending": int(pending or 0), "failed": int(failed),
            "oldest_seconds": round(waited, 1) if waited is not None else None}


def prune_outbox(*, open_session: SessionOpener | None = None, now: datetime | None = None) -> int:
    """Deletes sent and failed messages (with their attempts) older than NOTIFY_KEEP_DAYS; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=float(setting("NOTIFY_KEEP_DAYS")))
    with db.writing(), (open_session or db.side_session)() as s:
        gone = s.execute(delete(OutboxMessage).where(
            OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED]),
            OutboxMessage.created_at < cutoff)).rowcount  # type: ignore[attr-defined]
        s.commit()
        return int(gone or 0)


PRUNE_EVERY_SECONDS = 3600

# -- running it ----------------------------------------------------------------------------------

_worker_lock = threading.Lock()
_worker_pid: int | None = None


def run_forever(app: Flask, interval: float, *, stop: threading.Event | None = None) -> None:
    """Delivers in rounds: at once while there is work, else every interval seconds."""
    run_rounds(app, "notify worker", interval, lambda: deliver_due().claimed > 0, stop=stop,
               chores=(Chore(PRUNE_EVERY_SECONDS, prune_outbox, at_start=True),))


def _node_lock(app: Flask) -> int | None:
    """Takes this node's worker lock file (one in-process worker per node); None when another holds it."""
    try:
        import fcntl
    except ImportError:
        return -1
    path = os.path.join(app.config.get("INSTANCE_PATH") or ".", "notify-worker.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        os.close(fd)
        return None


def _in_process(app: Flask, interval: float) -> None:
    # Only the process holding the node's lock delivers; the others wait for it to go (then one takes over).
    while _node_lock(app) is None:
        time.sleep(max(interval, 1.0) * 5)
    run_forever(app, interval)


def start_worker(app: Flask) -> bool:
    """Starts the in-process delivery thread (once per process, again after a fork, one delivering per node);
    False when NOTIFY_POLL_SECONDS is 0 (tests; or a site running `flask notify work` instead)."""
    global _worker_pid
    with app.app_context():
        interval = float(setting("NOTIFY_POLL_SECONDS"))
    if interval <= 0 or app.testing:
        return False
    with _worker_lock:
        if _worker_pid == os.getpid():
            return True
        _worker_pid = os.getpid()
    threading.Thread(target=_in_process, args=(app, interval), name="servicedesk-notify", daemon=True).start()
    return True
