"""The first README command: run.py prepares a fresh instance and serves it (gunicorn; waitress where it cannot)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "TEST_DATABASE_URL")}
    env["SERVICEDESK_INSTANCE"] = str(instance)
    return env


def test_first_start_creates_admin_from_stdin_and_keeps_it(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    cmd = [sys.executable, str(ROOT / "run.py"), "--prepare-only", "--admin-password-stdin"]
    first = subprocess.run(cmd, input="管理员密码-2026\n", capture_output=True, text=True, env=_env(instance),
                           cwd=tmp_path, timeout=120)
    assert first.returncode == 0, first.stderr
    assert (instance / "servicedesk.db").exists()
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only
    assert (instance / "index").is_dir()
    again = subprocess.run(cmd, input="", capture_output=True, text=True, env=_env(instance), cwd=tmp_path,
                           timeout=120)
    assert again.returncode == 0, again.stderr
    assert "password" not in again.stdout  # admin exists: nothing asked, nothing printed

    from servicedesk import create_app, db
    from servicedesk.users.services import authenticate

    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{instance / 'servicedesk.db'}",
                      "INDEX_DIR": str(instance / "index")})
    with app.app_context():
        assert authenticate(db.session(), "admin", "管理员密码-2026") is not None
        db.session.remove()
    app.extensions["sqlalchemy_engine"].dispose()


def test_generated_password_is_printed_once(tmp_path: Path) -> None:
    cmd = [sys.executable, str(ROOT / "run.py"), "--prepare-only"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=_env(tmp_path / "i"), cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "username: admin" in out.stdout and "password: " in out.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("server", ["gunicorn", "waitress"])
def test_serves_ready_to_use(tmp_path: Path, server: str) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "--port", str(port), "--admin-password-stdin", "--server", server,
         "--workers", "2"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=_env(tmp_path / "i"), cwd=tmp_path,
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write("管理员密码-2026\n")
        proc.stdin.close()
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as resp:
                    body = json.loads(resp.read())
                    header = resp.headers.get("Server", "")
                break
            except OSError:
                time.sleep(0.2)
        assert {k: body[k] for k in ("status", "database", "index", "index_lag", "index_lag_seconds")} == {
            "status": "ok", "database": "ok", "index": "ok", "index_lag": 0, "index_lag_seconds": 0.0}
        assert body["outbox"] == {"pending": 0, "failed": 0, "oldest_seconds": None}
        if server == "waitress":
            assert header == "servicedesk"
        else:
            assert header == "gunicorn"
            children: list[str] = []
            for _ in range(100):  # the first worker may answer before the master has forked the second
                children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
                if len(children) >= 2:
                    break
                time.sleep(0.1)
            assert len(children) == 2  # two worker processes under the master
    finally:
        proc.terminate()
        proc.wait(timeout=10)
