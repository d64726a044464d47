"""The Redis the tests may use (TEST_REDIS_URL, else database 15 on localhost), and a mark for tests needing it."""

from __future__ import annotations

import os
import socket

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_answers() -> bool:
    """Whether a Redis server listens on 127.0.0.1:6379 (.ci/run starts one where the machine did not)."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not redis_answers(), reason="no Redis server on 127.0.0.1:6379")
