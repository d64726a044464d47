"""Real servers for the tests that need several processes: run.py in subprocesses on a database of their own.

The rest of the suite runs inside one rolled-back transaction; these tests need commits that other
processes see, so they get a database of their own (a SQLite file, or a PostgreSQL schema on the
suite's database) and start `python run.py` against it, each node with its own instance folder.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
SECRET = "live-test-secret-not-for-production"
PASSWORD = "管理员密码-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def own_database(database_url: str, folder: Path, name: str) -> Iterator[str]:
    """A database URL of its own: a new SQLite file, or a fresh PostgreSQL schema (dropped afterwards)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{folder / (name + '.db')}"
        return
    from servicedesk.db import make_engine

    schema = f"{name}_{os.getpid()}"
    eng = make_engine(database_url)
    with eng.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in database_url else "?"
    try:
        yield f"{database_url}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with eng.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        eng.dispose()


def env_for(database_url: str, instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "REDIS_URL")}
    env.update({"DATABASE_URL": database_url, "SERVICEDESK_INSTANCE": str(instance), "SECRET_KEY": SECRET,
                "SERVICEDESK_COOKIE_SECURE": "0", "PYTHONPATH": str(ROOT)})
    return env


@dataclass
class Reply:
    status: int
    body: Any


@dataclass
class Node:
    """One running desk: run.py with its own instance folder."""

    base: str
    proc: subprocess.Popen[str]
    instance: Path
    log: Path

    def call(self, method: str, path: str, token: str | None = None, body: Any = None,
             query: dict[str, Any] | None = None, timeout: float = 60) -> Reply:
        url = f"{self.base}/api/v1{path}" + (f"?{urlencode(query)}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)  # noqa: S310  (http://127.0.0.1 only)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
                return Reply(resp.status, json.loads(resp.read() or b"null"))
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                return Reply(err.code, json.loads(raw))
            except ValueError:
                return Reply(err.code, raw.decode(errors="replace"))

    def search(self, token: str, q: str) -> list[int]:
        r = self.call("GET", "/search", token, query={"q": q})
        assert r.status == 200, r
        return [int(h["id"]) for h in r.body["items"]]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def start_node(database_url: str, instance: Path, *, workers: int = 2, server: str = "gunicorn",
               extra_env: dict[str, str] | None = None) -> Node:
    """Starts run.py (migrating the database, creating admin, building its index) and waits until it answers."""
    instance.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = instance / "server.log"
    env = env_for(database_url, instance)
    env.update(extra_env or {})
    with open(log, "a") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "--port", str(port), "--workers", str(workers),
             "--server", server, "--admin-password-stdin"],
            stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT, text=True, env=env, cwd=instance,
            start_new_session=True)
    assert proc.stdin is not None
    proc.stdin.write(PASSWORD + "\n")
    proc.stdin.close()
    node = Node(f"http://127.0.0.1:{port}", proc, instance, log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"run.py exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if node.call("GET", "/health", timeout=2).status == 200:
                return node
        except OSError:
            pass
        time.sleep(0.2)
    node.stop()
    raise AssertionError(f"run.py did not answer in time:\n{log.read_text()}")


SETUP = """
import json, sys
from kb.actors import Role
from servicedesk import create_app, db
from servicedesk.cli import upgrade_database
from servicedesk.users.services import create_user, issue_token
app = create_app()
with app.app_context():
    upgrade_database()
    s = db.session()
    tokens = {}
    for name, role in json.loads(sys.argv[1]).items():
        user = create_user(s, name, Role(role), "口令-" + name + "-2026", display_name=name)
        tokens[name] = issue_token(s, user, "live")
    s.commit()
    print(json.dumps(tokens))
"""


def make_users(database_url: str, instance: Path, users: dict[str, str]) -> dict[str, str]:
    """Creates users (name -> role) in the database and returns a bearer token for each."""
    out = subprocess.run([sys.executable, "-c", SETUP, json.dumps(users)], capture_output=True, text=True,
                         env=env_for(database_url, instance), cwd=instance, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    tokens: dict[str, str] = json.loads(out.stdout.strip().splitlines()[-1])
    return tokens


INCIDENT = {"title": "城东片区光猫 LOS 红灯，无法上网", "description": "用户来电：光猫 LOS 灯红色闪烁，PON 灯不亮。",
            "service": "broadband", "category": "fault", "area": "urban"}


def approved_article(node: Node, author: str, lead: str, title: str) -> int:
    """Writes, submits and approves a solution through the API; returns its id."""
    r = node.call("POST", "/articles", author, {"type": "solution", "title": title, "visibility": "public",
                                                "body": f"{title}：检查尾纤，测量收光，更换尾纤。",
                                                "services": ["broadband"], "tags": ["光猫"]})
    assert r.status == 201, r
    aid = int(r.body["id"])
    assert node.call("POST", f"/articles/{aid}/submit", author).status == 200
    r = node.call("POST", f"/articles/{aid}/review", lead, {"content_ok": True, "form_ok": True,
                                                           "decision": "approve", "comment": "内容与格式均无误"})
    assert r.status == 200, r
    return aid


@dataclass
class Tally:
    """Statuses of concurrent calls, by status code."""

    counts: dict[int, int] = field(default_factory=dict)
    bodies: list[Reply] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, reply: Reply) -> None:
        with self.lock:
            self.counts[reply.status] = self.counts.get(reply.status, 0) + 1
            self.bodies.append(reply)

    def server_errors(self) -> list[Reply]:
        return [r for r in self.bodies if r.status >= 500]


def at_once(calls: list[Callable[[], Reply]], tally: Tally) -> None:
    """Runs each call in its own thread, all released at the same moment."""
    gate = threading.Barrier(len(calls), timeout=60)

    def run(call: Callable[[], Reply]) -> None:
        gate.wait()
        tally.add(call())

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)


def wait_for(check: Callable[[], bool], seconds: float = 10.0) -> float:
    """Polls check until it holds; returns how long that took, or fails after seconds."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"not within {seconds} s")
        time.sleep(0.05)
    return time.monotonic() - start
