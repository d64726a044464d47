"""The page fixture of the desk pages (clients that read English pages), and the catalogue each test leaves
behind: the maps every process reads are put back as they were, so a service or type a test added (in a
transaction rolled back afterwards) is not offered to the next test."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from kb import vocabulary
from kb.actors import Role
from servicedesk import db
from servicedesk.catalogue import registry
from servicedesk.incidents import services as svc
from servicedesk.users.models import User
from tests import factories
from tests.servicedesk.web_desk.conftest import page  # noqa: F401


@pytest.fixture(autouse=True)
def catalogue_as_it_was() -> Iterator[None]:
    saved = (dict(vocabulary.SERVICES), list(vocabulary.ACTIVE), dict(vocabulary.DEFAULT_CATEGORY),
             copy.deepcopy(vocabulary.REPORT_TYPES))
    yield
    services, active, defaults, types = saved
    vocabulary.DEFAULT_CATEGORY.clear()
    vocabulary.replace(services, active, defaults, types)
    registry._loaded = None  # the next look reads the database again


def two_admins_at_once(committed: Any, prefix: str, act: Callable[[Session, User, int], object]) -> list[object]:
    """Two administrators (made for the test) doing act at the same moment, each in its own session and thread;
    each outcome: "ok" when it committed, else what the desk answers (the conflict, or the error)."""
    setup = committed()
    admins = [User(username=f"{prefix}{n}", display_name="管", role=Role.ADMIN,
                   password_hash=factories.password_hash()) for n in range(2)]
    setup.add_all(admins)
    setup.commit()
    ids = [a.id for a in admins]
    setup.close()
    gate = threading.Barrier(2, timeout=30)
    outcomes: list[object] = [None, None]

    def run(n: int) -> None:
        s = committed()
        try:
            with db.reading():
                me = s.get(User, ids[n])
            assert me is not None
            gate.wait()
            act(s, me, n)
            s.commit()
            outcomes[n] = "ok"
        except Exception as exc:  # the loser: what the desk answers
            s.rollback()
            outcomes[n] = svc.concurrent_change(exc) or exc
        finally:
            s.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes
