"""Issue 12: X-Forwarded-* headers count only when PROXY_FIX_HOPS says a reverse proxy stands in front."""

from __future__ import annotations

import pytest
from flask import Flask, request

from servicedesk import security

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def _app(**config: object) -> Flask:
    app = Flask(__name__)
    app.config.update(config)
    security.init_app(app)

    @app.get("/who")
    def who() -> str:
        return f"{request.remote_addr} {request.scheme}"

    return app


def test_forwarded_headers_are_ignored_by_default(monkeypatch):
    monkeypatch.delenv("PROXY_FIX_HOPS", raising=False)
    response = _app().test_client().get("/who", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.get_data(as_text=True) == "10.0.0.2 http"


def test_behind_one_proxy_the_forwarded_address_and_scheme_count():
    response = _app(PROXY_FIX_HOPS=1).test_client().get(
        "/who", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.get_data(as_text=True) == "203.0.113.7 https"


def test_a_client_cannot_prepend_its_own_address_past_the_proxy():
    spoofed = {"X-Forwarded-For": "1.2.3.4, 203.0.113.7", "X-Forwarded-Proto": "https"}
    response = _app(PROXY_FIX_HOPS=1).test_client().get(
        "/who", headers=spoofed, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.get_data(as_text=True) == "203.0.113.7 https"


def test_the_setting_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PROXY_FIX_HOPS", "1")
    response = _app().test_client().get("/who", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.get_data(as_text=True) == "203.0.113.7 https"


@pytest.mark.parametrize("bad", ["two", -1])
def test_a_bad_setting_stops_the_start(bad: object):
    with pytest.raises(ValueError, match="PROXY_FIX_HOPS"):
        _app(PROXY_FIX_HOPS=bad)
