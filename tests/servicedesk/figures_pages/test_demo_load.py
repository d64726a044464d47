"""`flask demo load` from an empty desk: through the CLI once, and a failed load leaves the real clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

import servicedesk.users.passwords as user_passwords
from kb import orm
from servicedesk import demo
from servicedesk.demo_content import DEMO_PASSWORD, INCIDENTS
from servicedesk.figures.models import SubscriberCount
from servicedesk.incidents import services as incident_services
from servicedesk.incidents.models import Incident
from servicedesk.org.models import Zone
from servicedesk.users.models import User


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real, checkable password hashes, but cheap ones: the demo creates two dozen accounts."""
    monkeypatch.setattr(user_passwords, "generate_password_hash",
                        partial(generate_password_hash, method="pbkdf2:sha256:1000"))


def _count(s: Session, model: type) -> int:
    return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_failed_load_puts_the_real_clock_back(s: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(incident_services, "create_incident", broken)
    with pytest.raises(RuntimeError):
        demo.load_demo(s)
    assert abs(orm.utcnow() - datetime.now(UTC)) < timedelta(seconds=5)


def test_cli_loads_once_with_organisation_and_history(app: Flask, s: Session) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Demo loaded" in result.output and "manager" in result.output and DEMO_PASSWORD in result.output
    assert "Organisation:" in result.output and "History:" in result.output
    assert s.scalar(select(User).where(User.username == "lead.zhao")) is not None
    story = [str(spec.data["title"]) for spec in INCIDENTS]
    assert int(s.scalar(select(func.count()).select_from(Incident).where(Incident.title.in_(story))) or 0) \
        == len(INCIDENTS)
    counts = (_count(s, Incident), _count(s, Zone), _count(s, SubscriberCount))
    assert counts[0] > 150 and counts[1] >= 10 and counts[2] > 10
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0 and "already loaded" in second.output
    assert (_count(s, Incident), _count(s, Zone), _count(s, SubscriberCount)) == counts
