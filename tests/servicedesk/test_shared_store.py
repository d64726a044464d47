"""What nodes share goes through Redis when REDIS_URL is set, and works in-process without it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from flask import Flask

from servicedesk import create_app, shared
from servicedesk.config import config_for_tests
from servicedesk.shared import MemoryStore, RedisStore
from tests.shared_redis import REDIS_URL, needs_redis


def _app(tmp_path: Path, database_url: str, name: str, redis_url: str) -> Flask:
    return create_app({**config_for_tests(tmp_path / name, database_url), "REDIS_URL": redis_url})


def test_without_redis_each_process_counts_for_itself() -> None:
    one, other = MemoryStore(), MemoryStore()
    assert one.claim("token-used:7", 60) is True
    assert one.claim("token-used:7", 60) is False  # claimed in this process for a minute
    assert other.claim("token-used:7", 60) is True  # another process knows nothing of it
    assert one.claim("token-used:8", 0.01) is True


@needs_redis
def test_with_redis_two_nodes_share_one_claim(tmp_path: Path, database_url: str) -> None:
    key = f"token-used:{uuid.uuid4().hex}"
    node_a = _app(tmp_path, database_url, "a", REDIS_URL)
    node_b = _app(tmp_path, database_url, "b", REDIS_URL)
    try:
        with node_a.app_context():
            assert shared.store().kind == "redis" and shared.store().ping()
            assert shared.store().claim(key, 30) is True
        with node_b.app_context():
            assert shared.store().claim(key, 30) is False  # node B sees node A's claim
    finally:
        for app in (node_a, node_b):
            app.extensions["sqlalchemy_engine"].dispose()


@needs_redis
def test_a_claim_expires_in_redis() -> None:
    store = RedisStore(REDIS_URL)
    key = f"expiring:{uuid.uuid4().hex}"
    assert store.claim(key, 0.05) is True
    assert store.claim(key, 0.05) is False
    import time

    time.sleep(0.1)
    assert store.claim(key, 0.05) is True


def test_when_redis_does_not_answer_the_desk_counts_in_process(caplog: pytest.LogCaptureFixture) -> None:
    store = RedisStore("redis://127.0.0.1:1/0")  # nothing listens there
    assert store.ping() is False
    assert store.claim("token-used:1", 60) is True
    assert store.claim("token-used:1", 60) is False  # the in-process fallback remembers
    assert "did not answer" in caplog.text
