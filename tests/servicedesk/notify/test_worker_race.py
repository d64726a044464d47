"""Several workers at once (threads with their own sessions and connections, on committed rows) never send
one message twice, and every message is sent."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.orm import utcnow
from servicedesk.notify.models import Channel, OutboxMessage, OutboxStatus, Webhook
from servicedesk.notify.worker import Report, deliver_due
from tests.servicedesk.notify.receivers import http_receiver

MESSAGES = 30
WORKERS = 4


def test_workers_racing_never_send_a_message_twice(committed: Callable[[], Session]) -> None:
    with http_receiver() as receiver:
        s = committed()
        hook = Webhook(url=f"http://127.0.0.1:{receiver.server_port}/hook", events="incident.created",
                       secret="s3cret-shared-with-the-oss", active=True, created_at=utcnow())
        s.add(hook)
        s.flush()
        for n in range(MESSAGES):
            delivery = str(uuid.uuid4())
            s.add(OutboxMessage(uuid=delivery, event="incident.created", channel=Channel.WEBHOOK, address=hook.url,
                                body=json.dumps({"id": delivery, "n": n}), webhook_id=hook.id, subject="",
                                status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow(), last_error="",
                                created_at=utcnow()))
        s.commit()
        start = threading.Barrier(WORKERS, timeout=30)
        reports: list[Report] = []
        errors: list[BaseException] = []

        def work() -> None:
            try:
                start.wait()
                while True:  # small batches, so the workers really interleave
                    report = deliver_due(open_session=committed, limit=3)
                    reports.append(report)
                    if report.claimed == 0:
                        return
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(WORKERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert errors == []
    seen = Counter(json.loads(r.body)["id"] for r in receiver.received)
    assert len(seen) == MESSAGES and max(seen.values()) == 1
    assert sum(r.sent for r in reports) == MESSAGES
    check = committed()
    rows = check.scalars(select(OutboxMessage).where(OutboxMessage.webhook_id == hook.id)).all()
    assert {r.status for r in rows} == {OutboxStatus.SENT} and {r.attempts for r in rows} == {1}
