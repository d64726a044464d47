"""Mail over STARTTLS (with a login) and over SSL, to a real SMTP server holding a certificate made for the test."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask

from kb.actors import Role
from servicedesk import db
from servicedesk.notify.worker import deliver_due
from tests import factories
from tests.servicedesk.notify.receivers import Mailbox, free_port

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


@pytest.fixture(scope="module")
def _pem(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    openssl = shutil.which("openssl") or "openssl"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture
def certificate(_pem: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[ssl.SSLContext]:
    """A server context with a self-signed certificate for 127.0.0.1, which the desk is told to trust."""
    cert, key = _pem
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # ssl.create_default_context() trusts it
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert), str(key))
    yield ctx


def _check_login(_server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"desk@example.cn", b"p@ss word")
    return AuthResult(success=ok)


def _mail_one(app: Flask) -> None:
    agent = factories.user(Role.AGENT, "huang.li")
    reporter = factories.user(Role.USER, "ma.lan", email="ma.lan@example.cn")
    factories.incident(agent, reporter=reporter)
    db.session.commit()


def test_starttls_with_login(app: Flask, certificate: ssl.SSLContext) -> None:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, tls_context=certificate, require_starttls=True,
                            authenticator=_check_login, auth_required=True)
    controller.start()
    try:
        app.config["SMTP_URL"] = f"smtp+starttls://desk%40example.cn:p%40ss%20word@127.0.0.1:{port}"
        _mail_one(app)
        report = deliver_due()
    finally:
        controller.stop()
    assert report.sent == 1, report.errors
    assert "ma.lan@example.cn" in box.texts()[0]


def test_a_refused_login_is_a_retry_and_the_password_stays_out_of_the_log(app: Flask,
                                                                         certificate: ssl.SSLContext) -> None:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, tls_context=certificate, require_starttls=True,
                            authenticator=_check_login, auth_required=True)
    controller.start()
    try:
        app.config["SMTP_URL"] = f"smtp+starttls://desk%40example.cn:wrong@127.0.0.1:{port}"
        app.config["NOTIFY_TIMEOUT_SECONDS"] = 1.0  # aiosmtpd answers a failed login slowly
        _mail_one(app)
        report = deliver_due()
    finally:
        controller.stop()
    assert report.retrying == 1 and box.messages == [], report.errors
    assert "wrong" not in report.errors[0]  # the password never reaches the log


def test_smtps(app: Flask, certificate: ssl.SSLContext) -> None:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, ssl_context=certificate)
    controller.start()
    try:
        app.config["SMTP_URL"] = f"smtps://127.0.0.1:{port}"
        _mail_one(app)
        report = deliver_due()
    finally:
        controller.stop()
    assert report.sent == 1, report.errors
    assert len(box.messages) == 1
