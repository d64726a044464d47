"""Two administrators replacing the same month's counts at the same moment, from real threads on a database
of their own (committed, as in production): every PUT answers 200 (never 500), and the month ends up holding
exactly one writer's counts, whole: the last writer wins, never a mix."""

from __future__ import annotations

import threading

import pytest
from flask_login import FlaskLoginClient
from sqlalchemy import select

from kb.actors import Role
from kb.orm import Base
from servicedesk import create_app, db
from servicedesk.config import config_for_tests
from servicedesk.org import services as org
from servicedesk.users.models import User
from tests import factories
from tests.live import own_database


@pytest.fixture
def own_app(database_url, tmp_path):
    with own_database(database_url, tmp_path, "figcounts") as url:
        application = create_app(config_for_tests(tmp_path, url))
        application.test_client_class = FlaskLoginClient
        engine = application.extensions["sqlalchemy_engine"]
        db.load_models()
        Base.metadata.create_all(engine)
        with application.app_context():
            s = db.session()
            admin = User(username="admin1", role=Role.ADMIN, password_hash=factories.password_hash(),
                         display_name="管理员")
            s.add(admin)
            s.flush()
            station = org.create_station(s, admin, "城东服务站")
            group = org.create_group(s, admin, station, "第一维护组")
            for n in range(1, 6):
                org.create_zone(s, admin, group, code=f"Z-{n}", name=f"片区{n}")
            s.commit()
            db.session.remove()
        yield application
        engine.dispose()


def test_concurrent_replacements_of_one_month(own_app):
    with own_app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin1"))
        db.session.remove()
    writers = 6
    payloads = [{"counts": [{"zone": None, "service": None, "paying": 10_000 * (w + 1)}]
                 + [{"zone": f"Z-{n}", "service": None, "paying": 1000 * (w + 1) + n} for n in range(1, 6)]}
                for w in range(writers)]
    gate = threading.Barrier(writers, timeout=60)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def put(payload: dict) -> None:
        try:
            client = own_app.test_client(user=admin)
            gate.wait()
            for _ in range(3):
                statuses.append(client.put("/api/v1/subscriber-counts/2026-01", json=payload).status_code)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=put, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert statuses and set(statuses) == {200}, statuses
    final = own_app.test_client(user=admin).get("/api/v1/subscriber-counts/2026-01").get_json()["counts"]
    assert len(final) == 6
    assert any(sorted(final, key=str) == sorted(p["counts"], key=str) for p in payloads), final
