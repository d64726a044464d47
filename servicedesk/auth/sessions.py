"""The user's login sessions, one record each, so that the profile page lists them and ends any one of them.

A session's cookie carries a random key (session["sid"]); only the key's SHA-256 is stored. The per-user
session version (users.session_version) still ends all of a user's sessions at once; these records add the
list and ending one session alone."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from kb.errors import NotFound
from kb.orm import Base, utcnow
from servicedesk.users.models import User

LABEL_MAX = 80
ADDRESS_MAX = 64


class UserSession(Base):
    """One login of a user on one browser: where and when it began, when it was last seen, when it ended."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(LABEL_MAX), default="")
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), default="")
    ended_at: Mapped[datetime | None]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


_BROWSERS = (("Edg", "Edge"), ("OPR/", "Opera"), ("Opera", "Opera"), ("MicroMessenger", "WeChat"),
             ("Firefox/", "Firefox"), ("FxiOS", "Firefox"), ("CriOS", "Chrome"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"), ("curl/", "curl"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def device_label(user_agent: str) -> str:
    """A short name for the browser and system of a User-Agent ("Chrome (Android)"), or "" when unknown.
    Names only, no words to translate; never the raw header (it is the client's to choose)."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    if browser and system:
        return f"{browser} ({system})"
    return browser or system


def _clean_address(address: str | None) -> str:
    return re.sub(r"[^0-9A-Fa-f:.]", "", address or "")[:ADDRESS_MAX]


def start_session(s: Session, user_id: int, user_agent: str, address: str | None, key: str | None = None) -> str:
    """Records a new session of the user and returns its key (for the session cookie)."""
    key = key or secrets.token_urlsafe(24)
    s.add(UserSession(key_hash=hash_key(key), user_id=user_id, user_agent=device_label(user_agent)[:LABEL_MAX],
                      address=_clean_address(address)))
    s.flush()
    return key


def session_for_key(s: Session, key: str) -> UserSession | None:
    return s.scalar(select(UserSession).where(UserSession.key_hash == hash_key(key)))


def list_sessions(s: Session, user: User) -> list[UserSession]:
    """The user's sessions that have not ended, the most recently seen first."""
    return list(s.scalars(select(UserSession)
                          .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
                          .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def end_session(s: Session, user: User, session_id: int) -> UserSession:
    """Ends one of the user's own sessions (again is fine); another user's, or none, is NotFound."""
    record = s.get(UserSession, session_id)
    if record is None or record.user_id != user.id:
        raise NotFound("No such session.")
    # a conditional UPDATE: two at once both succeed, and the first end time stays
    s.execute(update(UserSession).where(UserSession.id == session_id, UserSession.ended_at.is_(None))
              .values(ended_at=utcnow()))
    s.refresh(record)
    return record


def end_sessions(s: Session, user: User, except_key_hash: str | None = None) -> None:
    """Ends every session record of the user, but the one whose key hashes to except_key_hash."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if except_key_hash:
        query = query.where(UserSession.key_hash != except_key_hash)
    s.execute(query.values(ended_at=utcnow()), execution_options={"synchronize_session": False})


def stamp_session_seen(s: Session, session_id: int) -> None:
    """Records that the session was used now (one UPDATE, no read first)."""
    s.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=utcnow()))
