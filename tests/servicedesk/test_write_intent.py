"""Writers queue for the write lock instead of failing; a request that only reads never writes."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import Column, Integer, MetaData, Table, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from kb.orm import utcnow
from servicedesk import db
from servicedesk.users.models import ApiToken
from tests import factories
from tests.servicedesk.api.helpers import Api

COUNTER = Table("counter", MetaData(), Column("id", Integer, primary_key=True), Column("n", Integer))


def _race_read_then_write(url: str, *, write: bool, clients: int = 8) -> tuple[int, list[Exception]]:
    """clients threads each read the counter, wait a moment, then write it + 1 (what a request does)."""
    engine = db.make_engine(url)
    COUNTER.create(engine)
    with db.writing(), engine.begin() as conn:
        conn.execute(COUNTER.insert().values(id=1, n=0))
    gate = threading.Barrier(clients)
    failures: list[Exception] = []

    def client() -> None:
        gate.wait()
        with db.writing() if write else db.reading(), Session(engine) as s:
            try:
                n = s.execute(select(COUNTER.c.n)).scalar_one()
                time.sleep(0.02)
                s.execute(update(COUNTER).values(n=n + 1))
                s.commit()
            except OperationalError as exc:
                failures.append(exc)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with engine.connect() as conn:
        total = conn.execute(select(COUNTER.c.n)).scalar_one()
    engine.dispose()
    return total, failures


def test_sqlite_writers_take_the_lock_up_front_and_wait_their_turn(tmp_path: Path) -> None:
    total, failures = _race_read_then_write(f"sqlite:///{tmp_path / 'w.db'}", write=True)
    assert failures == [] and total == 8  # every writer waited, none lost an update


def test_without_it_sqlite_refuses_writers_whose_snapshot_went_stale(tmp_path: Path) -> None:
    """Why: a deferred transaction that read before another committed cannot write, whatever the timeout."""
    total, failures = _race_read_then_write(f"sqlite:///{tmp_path / 'r.db'}", write=False)
    assert failures and all("locked" in str(f) for f in failures) and total == 8 - len(failures)


def test_a_read_request_that_writes_is_refused_under_the_suite(app: Flask, client, caplog) -> None:
    """So a GET that writes (and on SQLite would fail under load) fails every time in the suite instead."""
    @app.route("/_writes", methods=["GET", "POST"])
    def _writes() -> str:
        db.session.execute(text("UPDATE users SET display_name = display_name WHERE id = 0"))
        return "wrote"

    assert client.get("/_writes").status_code == 500
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [db.ReadOnlyWrite]
    assert client.post("/_writes").status_code == 200  # an unsafe request may write


def test_a_bearer_read_stamps_the_token_at_most_every_few_minutes(client, s, agent) -> None:
    api = Api(client, s)
    assert api.get("/me", agent).status_code == 200
    token = s.scalars(select(ApiToken).where(ApiToken.user_id == agent.id)).one()
    s.refresh(token)
    assert token.last_used_at is not None and utcnow() - token.last_used_at < timedelta(minutes=1)
    long_ago = utcnow() - timedelta(hours=1)
    token.last_used_at = long_ago
    s.commit()
    for _ in range(3):
        assert api.get("/search", agent, query={"q": "光猫"}).status_code == 200
    s.refresh(token)
    assert token.last_used_at == long_ago  # stamped once, not on every read


def test_reading_an_article_counts_the_view_without_writing_in_the_read(app: Flask, s, agent, lead) -> None:
    article = factories.approved_article(agent, lead, title="机顶盒无信号的处理")
    s.commit()
    reader = app.test_client(user=agent)  # type: ignore[call-arg]
    for _ in range(2):
        assert reader.get(f"/kb/{article.id}").status_code == 200
    s.refresh(article)
    assert article.view_count == 2


def test_an_unsafe_call_reads_its_caller_before_it_takes_the_sqlite_write_lock(tmp_path: Path) -> None:
    """The caller (token, user, lexicon version) is read in a deferred transaction; the write lock is held for
    the work alone, so writers queue behind shorter turns."""
    from kb.actors import Role
    from kb.orm import Base
    from servicedesk import create_app
    from servicedesk.config import config_for_tests
    from servicedesk.users.services import create_user, issue_token

    url = f"sqlite:///{tmp_path / 'turns.db'}"
    app = create_app(config_for_tests(tmp_path, url))
    engine = app.extensions["sqlalchemy_engine"]
    db.load_models()
    Base.metadata.create_all(engine)
    with app.app_context():
        s = db.session()
        agent = create_user(s, "lock_agent", Role.AGENT, display_name="坐席")
        create_user(s, "lock_sub", Role.USER, display_name="用户")
        token = issue_token(s, agent, "t")
        s.commit()
        db.session.remove()
    seen: list[tuple[str, bool]] = []

    def note(conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append((" ".join(statement.split()[:3]).upper(), bool(conn.info.get("writer_queue"))))  # type: ignore[attr-defined]

    from sqlalchemy import event
    event.listen(engine, "before_cursor_execute", note)
    r = app.test_client().post("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"},
                               json={"title": "光猫红灯", "description": "LOS 红灯闪烁", "service": "broadband",
                                     "category": "fault", "reporter": "lock_sub"})
    assert r.status_code == 201, r.get_data(as_text=True)
    token_reads = [held for head, held in seen if head.startswith("SELECT API_TOKENS")]
    inserts = [held for head, held in seen if head.startswith("INSERT INTO INCIDENTS")]
    assert token_reads and not any(token_reads)  # the caller was read without the lock
    assert inserts and all(inserts)  # the work was done holding it
    engine.dispose()
