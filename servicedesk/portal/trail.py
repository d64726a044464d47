"""What the portal remembers of a visit in the browser session: the last search, the articles read,
and the "did this solve your problem?" answers given (so each counts once per visit).

A report made in the same visit carries the search and the articles to the agent. Kept small: the
session is a cookie.
"""

from __future__ import annotations

import time

from flask import session

QUERY_KEY = "portal_query"
VIEWED_KEY = "portal_viewed"
ANSWERS_KEY = "portal_answers"
REPORTED_KEY = "portal_reported"
QUERY_MAX = 200
VIEWED_MAX = 10
ANSWERS_MAX = 30


def note_search(text: str) -> None:
    """Remembers what the visitor searched for last."""
    text = " ".join(text.split())[:QUERY_MAX]
    if text and session.get(QUERY_KEY) != text:
        session[QUERY_KEY] = text


def note_article(article_id: int) -> None:
    """Remembers that the visitor read an article (the latest last, at most VIEWED_MAX)."""
    viewed = [i for i in session.get(VIEWED_KEY, []) if isinstance(i, int) and i != article_id]
    viewed.append(article_id)
    if viewed != session.get(VIEWED_KEY):
        session[VIEWED_KEY] = viewed[-VIEWED_MAX:]


def last_query() -> str:
    """What the visitor searched for last, or ''."""
    value = session.get(QUERY_KEY, "")
    return value if isinstance(value, str) else ""


def viewed() -> list[int]:
    """The articles read in this visit, in the order read."""
    return [i for i in session.get(VIEWED_KEY, []) if isinstance(i, int)]


def answer_for(article_id: int) -> str | None:
    """'yes' or 'no' if the visitor already answered for this article in this visit."""
    answer = session.get(ANSWERS_KEY, {}).get(str(article_id))
    return answer if answer in ("yes", "no") else None


def note_answer(article_id: int, answer: str) -> None:
    """Remembers the visitor's 'yes' or 'no' for an article."""
    answers = dict(session.get(ANSWERS_KEY, {}))
    answers[str(article_id)] = answer
    session[ANSWERS_KEY] = dict(list(answers.items())[-ANSWERS_MAX:])


def forget_reading() -> None:
    """After a report: its search and articles went with it, the next report starts afresh."""
    session.pop(QUERY_KEY, None)
    session.pop(VIEWED_KEY, None)


def note_report(incident_id: int, number: str) -> None:
    """Remembers the report just made, so the form can say so when the visitor comes back to it."""
    session[REPORTED_KEY] = {"id": incident_id, "number": number, "at": int(time.time())}


def recent_report(within_seconds: float) -> dict[str, object] | None:
    """The report made in this visit within the last seconds, if any: {"id", "number"}."""
    value = session.get(REPORTED_KEY)
    if not isinstance(value, dict) or not isinstance(value.get("at"), int):
        return None
    return value if time.time() - value["at"] <= within_seconds else None
