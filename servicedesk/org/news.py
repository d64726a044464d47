"""Opening an incident's page reads what its viewer was notified of about it: shared by the desk's and the
portal's incident pages."""

from __future__ import annotations

from servicedesk import db
from servicedesk.org import queries
from servicedesk.org.services import mark_notifications_read
from servicedesk.users.models import User


def read_news(user: User, incident_id: int) -> None:
    """Marks the user's unread notifications about the incident read (its replies, "fixed", "assigned to you").
    A page view (GET) that writes, and only when there is something unread: then it takes the writer's turn,
    commits the marks and goes on reading."""
    s = db.session()
    unread = queries.unread_ids_for_incident(s, user.id, incident_id)
    if unread:
        db.start_writing()
        mark_notifications_read(s, user, unread)
        db.commit_then_read()
