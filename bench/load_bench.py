"""Load benchmark: the real server (run.py) over HTTP on 127.0.0.1, driven by a threaded Python load generator.

    .venv/bin/python bench/load_bench.py                          # sqlite + postgresql, workers 1,N, 1-64 clients
    .venv/bin/python bench/load_bench.py --quick                  # a smoke run: one database, 1 and 4 clients, 3 s
    .venv/bin/python bench/load_bench.py --databases postgresql --workers 1,4 --concurrency 16,64 --nodes 2

For each database (a fresh SQLite file, or the PostgreSQL database bench_load dropped and created again), seeds
users, --articles approved articles (bench/generate.py, through the knowledge-base services) and a few hundred
incidents, builds the index with `run.py --prepare-only`, then for each --workers count starts `run.py` and
measures, for each workload and each client count, requests/s, p50/p95 latency and the count of every non-2xx
status (connection errors apart) over --seconds after a 1 s warm-up:

  writes   POST /api/v1/incidents (an agent's token, naming a subscriber as reporter)
  reads    GET /api/v1/search?q=... (the query mix of bench/generate.py) and GET /api/v1/incidents?page=N, 1:1
  search   GET /api/v1/search?q=... alone
  mixed    2/3 reads, 1/3 writes (as 8 readers and 4 writers)
  closes   one closable incident (resolved, verified by its reporter, an approved solution linked), --race
           simultaneous POST /close, --close-rounds times: exactly one 200 and the rest 409 are expected

then `publish` (approve through the API, poll search for a unique word of the title: approve answer to found) and,
with --nodes 2, `convergence` (a second server with its own instance folder and index on the same database:
approve on A, poll search on B; retire on A, poll B until gone). Polls give up after --poll-timeout (lost).
Every server's output goes to a log under bench/results/load-<time>/; tracebacks found there are reported.
Prints a table with the targets and writes JSON to bench/results/load-<time>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import SERVICE_WEIGHTS, Vocabulary, articles, incident_description, queries  # noqa: E402
from bench.stats import pct  # noqa: E402

RESULTS = ROOT / "bench" / "results"
RUN_PY = ROOT / "run.py"
HOST = "127.0.0.1"  # every request of these benchmarks goes here, nowhere else
PASSWORD = "bench-password-1"
SECRET_KEY = "bench-secret-key-not-for-production"
PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
PG_DATABASE = "bench_load"
SUBSCRIBERS = 20
WARMUP_S = 1.0
MAX_REQUESTS_PER_CLIENT = 1_000_000  # a bound besides time
ARTICLE_FIELDS = ("type", "title", "body", "symptom", "cause", "steps", "services", "category", "tags",
                  "fault_codes", "device_models", "visibility")
WORKLOADS = ("writes", "reads", "search", "mixed", "closes")
CONSONANTS = "bcdfghjklmnpqrtvwxz"  # unique words without vowels or a final s: the analyzer keeps them whole
T = TypeVar("T")


# -- small helpers -------------------------------------------------------------------------------------------------


def ms_summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50_ms": round(pct(values, 50), 1), "p95_ms": round(pct(values, 95), 1),
            "p99_ms": round(pct(values, 99), 1), "max_ms": round(max(values), 1) if values else float("nan"),
            "mean_ms": round(statistics.fmean(values), 1) if values else float("nan")}


def unique_word(rng: random.Random, n: int = 9) -> str:
    return "".join(rng.choice(CONSONANTS) for _ in range(n))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def in_child(fn: Callable[..., T], *args: Any) -> T:
    """Runs fn in a fresh interpreter (spawn): the app, its imports and its database handles stay out of the
    load generator's process."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def banner(message: str) -> None:
    line = "!" * min(100, len(message) + 8)
    print(f"\n{line}\n!!! {message}\n{line}", file=sys.stderr, flush=True)


# -- databases -----------------------------------------------------------------------------------------------------


def postgres_answers() -> str | None:
    """None when PostgreSQL answers on 127.0.0.1:5432, else why not."""
    try:
        import psycopg

        psycopg.connect(PG_DSN, connect_timeout=3).close()
    except Exception as exc:  # any failure means: skip PostgreSQL
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def recreate_postgres(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def fresh_database(kind: str, workdir: Path, pg_name: str = PG_DATABASE) -> str:
    """A new empty database of that kind; returns its URL."""
    if kind == "postgresql":
        recreate_postgres(pg_name)
        return PG_URL.format(name=pg_name)
    db_file = workdir / "servicedesk.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{db_file}"


# -- the server ----------------------------------------------------------------------------------------------------


class ServerDied(RuntimeError):
    pass


def server_env(instance: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SERVICEDESK_INDEX", "FLASK_DEBUG")}
    env.update({"SERVICEDESK_INSTANCE": str(instance), "DATABASE_URL": database_url,
                "SERVICEDESK_COOKIE_SECURE": "0", "SECRET_KEY": SECRET_KEY, "FLASK_APP": "servicedesk:create_app",
                "PYTHONUNBUFFERED": "1"})
    return env


@cache
def run_py_takes_workers() -> bool:
    """Whether run.py has --workers (several processes under gunicorn) yet."""
    out = subprocess.run([sys.executable, str(RUN_PY), "--help"], cwd=ROOT,  # noqa: S603
                         capture_output=True, text=True, timeout=120, check=False)
    return "--workers" in out.stdout


def effective_workers(requested: list[int]) -> tuple[list[int], bool]:
    """The worker counts that can run: all of them with --workers, else one process (said loudly)."""
    if run_py_takes_workers():
        return requested, True
    if any(w != 1 for w in requested):
        banner(f"run.py has no --workers option yet: measuring ONE process (waitress) instead of workers "
               f"{','.join(map(str, requested))}")
    return [1], False


class Server:
    """One run.py process group on a free port of 127.0.0.1, its output appended to log."""

    def __init__(self, instance: Path, database_url: str, log: Path, workers: int | None = None) -> None:
        self.instance = instance
        self.database_url = database_url
        self.log = log
        self.workers = workers
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return server_env(self.instance, self.database_url)

    def _note(self, text: str) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a", encoding="utf-8") as fh:
            fh.write(f"\n=== {datetime.now().isoformat(timespec='seconds')} {text}\n")

    def prepare(self, timeout: float = 900) -> float:
        """run.py --prepare-only: migrations, admin, the search index (built from the database when empty)."""
        self.instance.mkdir(parents=True, exist_ok=True)
        self._note("run.py --prepare-only")
        t = time.perf_counter()
        with self.log.open("ab") as out:
            proc = subprocess.run([sys.executable, str(RUN_PY), "--prepare-only", "--admin-password-stdin"],  # noqa: S603
                                  cwd=ROOT, env=self.env, input=f"{PASSWORD}\n".encode(), stdout=out,
                                  stderr=subprocess.STDOUT, timeout=timeout, check=False)
        if proc.returncode != 0:
            raise ServerDied(f"run.py --prepare-only failed ({proc.returncode}); see {self.log}\n{self.tail()}")
        return time.perf_counter() - t

    def start(self, timeout: float = 900) -> float:
        """Starts run.py and waits until /api/v1/health answers 200 (and index_lag, if reported, is 0)."""
        self.instance.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        cmd = [sys.executable, str(RUN_PY), "--host", HOST, "--port", str(self.port), "--admin-password-stdin"]
        if self.workers is not None and run_py_takes_workers():
            cmd += ["--workers", str(self.workers)]
        self._note(" ".join(cmd[1:]))
        t = time.perf_counter()
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdin=subprocess.PIPE, stdout=out,  # noqa: S603
                                         stderr=subprocess.STDOUT, start_new_session=True)
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(f"{PASSWORD}\n".encode())
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.wait_ready(timeout)
        return time.perf_counter() - t

    def health(self) -> tuple[int, dict[str, Any]]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
        try:
            conn.request("GET", "/api/v1/health")
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        try:
            data = json.loads(body)
        except ValueError:
            data = {}
        return resp.status, data if isinstance(data, dict) else {}

    def wait_ready(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise ServerDied(f"run.py exited with {self.proc.returncode} before it was ready; "
                                 f"see {self.log}\n{self.tail()}")
            try:
                status, data = self.health()
            except (OSError, http.client.HTTPException) as exc:
                last = type(exc).__name__
            else:
                lag = data.get("index_lag")
                if status == 200 and (lag is None or lag == 0):
                    return data
                last = f"{status} {data}"
            time.sleep(0.2)
        raise ServerDied(f"not ready after {timeout:.0f} s (last: {last}); see {self.log}\n{self.tail()}")

    def _signal_group(self, sig: signal.Signals) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM to the whole process group, then waits (SIGKILL after timeout)."""
        if self.proc is None:
            return None
        self._signal_group(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            rc = self.proc.wait(timeout)
        self._signal_group(signal.SIGKILL)  # workers a master left behind
        self._note(f"stopped ({rc})")
        self.proc = None
        return rc

    def kill(self) -> None:
        """SIGKILL to the whole process group, as a power cut would."""
        if self.proc is None:
            return
        self._signal_group(signal.SIGKILL)
        rc = self.proc.wait(30)
        self._note(f"killed with SIGKILL ({rc})")
        self.proc = None

    def processes(self) -> int:
        """How many live processes the server's group holds (gunicorn: the master and its workers)."""
        if self.proc is None:
            return 0
        count = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if len(fields) > 2 and int(fields[2]) == self.proc.pid and fields[0] not in ("Z", "X"):
                count += 1
        return count

    def banner(self) -> str:
        """The last line run.py printed about how it serves."""
        lines = [line for line in self.tail(10**9).splitlines() if line.startswith("Service desk on")]
        return lines[-1] if lines else ""

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


CHAINED = ("The above exception was the direct cause", "During handling of the above exception")
LOG_LINE = re.compile(r"^(?:[A-Z]+:[\w.]+:|\[\d{4}-|=== |Traceback )")


def log_errors(log: Path, since: int = 0) -> list[dict[str, Any]]:
    """The tracebacks in a server log (from byte offset since), chained ones taken as one, grouped by the line
    before them (which names the request) and their last exception line; also the integrity-error warnings."""
    try:
        with log.open("rb") as fh:
            fh.seek(since)
            lines = fh.read().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return []
    n = len(lines)
    found: dict[str, dict[str, Any]] = {}

    def add(header: str, error: str, detail: str, text: str) -> None:
        key = re.sub(r"\d+", "N", f"{header} | {error} | {detail}")
        entry = found.setdefault(key, {"header": header, "error": error, "detail": detail, "count": 0,
                                       "traceback": text})
        entry["count"] += 1

    i = 0
    while i < n:
        line = lines[i]
        if line.startswith("Traceback (most recent call last)"):
            before = lines[i - 1] if i else ""
            # The message logged with the traceback (unhandled error on POST /api/v1/..., a follower's retry).
            header = before if before.strip() and not before.startswith((" ", "\t", "=== ", *CHAINED)) else ""
            start, j = (i - 1 if header else i), i
            while True:
                j += 1
                while j < n and lines[j].startswith((" ", "\t")):
                    j += 1
                error = lines[j] if j < n else ""
                k = j + 1
                while k < n and lines[k].strip() and not LOG_LINE.match(lines[k]):
                    k += 1  # the rest of the exception's message ([SQL: ...], [parameters: ...])
                detail = next((x for x in lines[j + 1:k] if x.startswith("[SQL:")), "")
                m = k
                while m < n and not lines[m].strip():
                    m += 1
                if m < n and lines[m].startswith(CHAINED):
                    m += 1
                    while m < n and not lines[m].strip():
                        m += 1
                    if m < n and lines[m].startswith("Traceback"):
                        j = m
                        continue
                break
            add(header, error[:300], detail[:200], "\n".join(lines[start:k]))
            i = k
            continue
        if "integrity error" in line:
            add("", line[:300], "", "")
        i += 1
    return sorted(found.values(), key=lambda e: -int(e["count"]))


# -- seeding (in a spawned child, inside the app) -------------------------------------------------------------------


def seed_data(env: dict[str, str], n_articles: int, n_incidents: int) -> dict[str, Any]:
    """Users with tokens, n_articles approved articles and n_incidents incidents, through the app's services
    (create, submit, approve by a lead who is not the author; create_incident), committed in batches.

    A plain Session on the app's engine, without the search-index hooks of the app's scoped session (which
    would build each article's document at each of its three flushes): the index folder is removed at the
    end and run.py builds the index whole from the database."""
    os.environ.update(env)
    from sqlalchemy.orm import Session

    from kb import services as kb
    from kb.actors import Role
    from servicedesk import create_app, db
    from servicedesk.cli import upgrade_database
    from servicedesk.incidents import services as svc
    from servicedesk.users.services import create_user, issue_token

    t0 = time.perf_counter()
    app = create_app()
    with app.app_context():
        upgrade_database()
        db.session.remove()
        s = Session(bind=app.extensions["sqlalchemy_engine"], expire_on_commit=False)
        people = {"agent": ("bench_agent", Role.AGENT), "agent2": ("bench_agent2", Role.AGENT),
                  "lead": ("bench_lead", Role.LEAD), "lead2": ("bench_lead2", Role.LEAD)}
        # No passwords (hashing one costs 0.2 s): these users only call the API, with tokens.
        users = {label: create_user(s, name, role, display_name=f"压测{label}")
                 for label, (name, role) in people.items()}
        subs = [create_user(s, f"bench_sub{i:02d}", Role.USER, display_name=f"用户{i:02d}")
                for i in range(1, SUBSCRIBERS + 1)]
        tokens = {label: issue_token(s, u, "bench") for label, u in users.items()}
        tokens["subscriber"] = issue_token(s, subs[0], "bench")
        s.commit()
        authors = [users["agent"], users["agent2"]]
        solutions: list[int] = []
        for n, a in enumerate(articles(n_articles), 1):
            data = {k: a[k] for k in ARTICLE_FIELDS if a.get(k) not in (None, "", [])}
            author = authors[n % 2]
            article = kb.create_article(s, author, data)
            kb.submit_article(s, article, author)
            kb.review_article(s, article, users["lead"], content_ok=True, form_ok=True, decision="approve")
            if a["type"] == "solution":
                solutions.append(article.id)
            if n % 250 == 0:
                s.commit()
        s.commit()
        t_articles = time.perf_counter() - t0
        vocab, rng = Vocabulary(random.Random(31)), random.Random(32)
        policy = app.extensions["sla_policy"]
        for n in range(1, n_incidents + 1):
            state = rng.getstate()
            service = vocab.service(rng)  # the service incident_description draws first
            rng.setstate(state)
            title, description = incident_description(vocab, rng)
            svc.create_incident(s, users["agent"], {"title": title, "description": description, "service": service,
                                                    "category": "fault", "area": rng.choice(["urban", "township"])},
                                reporter=subs[n % len(subs)], policy=policy)
            if n % 100 == 0:
                s.commit()
        s.commit()
        s.close()
        index_dir = Path(app.config["INDEX_DIR"])
    shutil.rmtree(index_dir, ignore_errors=True)
    return {"tokens": tokens, "subscribers": [u.username for u in subs], "agent": people["agent"][0],
            "solution_ids": solutions, "articles": n_articles, "incidents": n_incidents,
            "articles_seconds": round(t_articles, 1), "seconds": round(time.perf_counter() - t0, 1)}


# -- the HTTP client -----------------------------------------------------------------------------------------------


class ConnectionFailed(Exception):
    """No HTTP answer: refused, reset, closed without a response, timed out."""


class Client:
    """One persistent HTTP/1.1 connection to 127.0.0.1; reopened when the server closes it."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def connect(self) -> None:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        if self.conn.sock is None:
            self.conn.connect()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, token: str | None = None,
                body: dict[str, Any] | None = None) -> tuple[int, bytes]:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = None
        if body is not None or method in ("POST", "PUT", "PATCH"):
            payload = json.dumps(body or {}, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            reused = self.conn is not None and self.conn.sock is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                # A kept-alive connection the server closed meanwhile: a GET is safe to send again.
                stale = isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError))
                if attempt == 1 and reused and stale and method == "GET":
                    continue
                raise ConnectionFailed(type(exc).__name__) from exc
            return resp.status, data
        raise ConnectionFailed("unreachable")

    def json(self, method: str, path: str, token: str | None = None,
             body: dict[str, Any] | None = None) -> tuple[int, Any]:
        status, data = self.request(method, path, token, body)
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, None


# -- workloads -----------------------------------------------------------------------------------------------------

Plan = tuple[str, str, str, str, dict[str, Any] | None]  # kind, method, path, token, body


@dataclass
class Pools:
    """Requests generated before the clock starts, so the generator spends its time sending them."""

    tokens: dict[str, str]
    creates: list[dict[str, Any]]
    searches: list[tuple[str, bool]]  # path, as staff
    list_pages: int

    @classmethod
    def make(cls, seeded: dict[str, Any]) -> Pools:
        vocab, rng = Vocabulary(random.Random(41)), random.Random(42)
        services = list(SERVICE_WEIGHTS)
        creates = []
        for n in range(600):
            state = rng.getstate()
            service = vocab.service(rng)
            rng.setstate(state)
            title, description = incident_description(vocab, rng)
            if service not in services:
                service = "broadband"
            creates.append({"title": title, "description": description, "service": service, "category": "fault",
                            "area": rng.choice(["urban", "township"]),
                            "reporter": seeded["subscribers"][n % len(seeded["subscribers"])]})
        searches = []
        for q in queries(400, seed=7):
            params = {"q": " ".join(q.text.split())[:500], "per_page": "10"}  # no control characters (400)
            params.update(q.filters or {})
            searches.append((f"/api/v1/search?{urlencode(params, quote_via=quote)}", q.staff))
        return cls(seeded["tokens"], creates, searches, max(1, seeded["incidents"] // 20))

    def create(self, rnd: random.Random) -> Plan:
        return ("create", "POST", "/api/v1/incidents", self.tokens["agent"], rnd.choice(self.creates))

    def search(self, rnd: random.Random) -> Plan:
        path, staff = rnd.choice(self.searches)
        return ("search", "GET", path, self.tokens["agent" if staff else "subscriber"], None)

    def listing(self, rnd: random.Random) -> Plan:
        return ("list", "GET", f"/api/v1/incidents?page={rnd.randint(1, self.list_pages)}", self.tokens["agent"], None)

    def planner(self, workload: str) -> Callable[[int, int, random.Random], Plan]:
        """(client number, request number, rng) -> the next request of that workload."""
        if workload == "writes":
            return lambda c, n, rnd: self.create(rnd)
        if workload == "search":
            return lambda c, n, rnd: self.search(rnd)
        if workload == "reads":
            return lambda c, n, rnd: self.search(rnd) if (c + n) % 2 == 0 else self.listing(rnd)
        if workload == "mixed":
            # Two reads for one write, spread over the clients as 8 readers and 4 writers would be.
            def mixed(c: int, n: int, rnd: random.Random) -> Plan:
                k = (c + n) % 3
                return self.create(rnd) if k == 2 else self.search(rnd) if k == 0 else self.listing(rnd)
            return mixed
        raise ValueError(workload)


@dataclass
class Tally:
    """What the clients of one measure saw."""

    samples: list[tuple[str, int, float]] = field(default_factory=list)  # kind, status (0: no answer), ms
    failures: Counter[str] = field(default_factory=Counter)  # connection errors by kind
    longest_ms: float = 0.0  # warm-up included: a request stuck from the warm-up on shows here
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, rows: list[tuple[str, int, float]], failures: Counter[str], longest_ms: float) -> None:
        with self.lock:
            self.samples.extend(rows)
            self.failures.update(failures)
            self.longest_ms = max(self.longest_ms, longest_ms)


def figures(samples: list[tuple[str, int, float]], seconds: float) -> dict[str, Any]:
    answered = [ms for _, status, ms in samples if status > 0]
    statuses = Counter(str(status) for _, status, _ in samples if status > 0)
    return {"requests": len(answered), "req_s": round(len(answered) / seconds, 1), **ms_summary(answered),
            "statuses": dict(sorted(statuses.items())),
            "non_2xx": {k: v for k, v in sorted(statuses.items()) if not k.startswith("2")},
            "conn_errors": sum(1 for _, status, _ in samples if status == 0)}


def drive(port: int, planner: Callable[[int, int, random.Random], Plan], clients: int, seconds: float,
          warmup: float = WARMUP_S) -> dict[str, Any]:
    """clients threads, each with its own connection, send requests back to back for warmup + seconds; what
    starts within the measured seconds is counted."""
    tally = Tally()
    start = time.perf_counter() + 0.2  # every thread is up before the clock starts
    measured_from, until = start + warmup, start + warmup + seconds

    def client(c: int) -> None:
        rnd = random.Random(1000 + c)
        http_client = Client(port)
        rows: list[tuple[str, int, float]] = []
        failures: Counter[str] = Counter()
        longest = 0.0
        while time.perf_counter() < start:
            time.sleep(0.005)
        for n in range(MAX_REQUESTS_PER_CLIENT):
            t = time.perf_counter()
            if t >= until:
                break
            kind, method, path, token, body = planner(c, n, rnd)
            try:
                status, _ = http_client.request(method, path, token, body)
            except ConnectionFailed as exc:
                status = 0
                if t >= measured_from:
                    failures[str(exc)] += 1
                time.sleep(0.05)  # a dead server is not hammered
            elapsed = (time.perf_counter() - t) * 1000
            longest = max(longest, elapsed)
            if t >= measured_from:
                rows.append((kind, status, elapsed))
        http_client.close()
        tally.add(rows, failures, longest)

    cpu = time.process_time()
    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(warmup + seconds + 120)
    out = figures(tally.samples, seconds)
    out["conn_error_kinds"] = dict(tally.failures)
    out["longest_ms"] = round(tally.longest_ms, 1)
    kinds = sorted({k for k, _, _ in tally.samples})
    if len(kinds) > 1:
        out["kinds"] = {k: figures([r for r in tally.samples if r[0] == k], seconds) for k in kinds}
    out["client_cpu_s"] = round(time.process_time() - cpu, 1)
    out["load_average"] = round(os.getloadavg()[0], 2)
    return out


def warm_up(port: int, token: str, parallel: int = 8, timeout: float = 120.0) -> tuple[float, int]:
    """After /health answered, the workers may still be starting (gunicorn loads the app in each) and each
    loads its dictionaries on first use: rounds of parallel authenticated reads, each on a new connection
    (so they land on every worker), until a whole round answers 200 within a second. Returns the seconds and
    how many answers were not 200."""
    t0 = time.perf_counter()
    paths = [f"/api/v1/search?q={quote('光猫 红灯')}", "/api/v1/incidents?page=1"]

    def one(i: int) -> tuple[int, float]:
        client = Client(port, timeout=60)
        t = time.perf_counter()
        try:
            status, _ = client.request("GET", paths[i % len(paths)], token)
        except ConnectionFailed:
            status = 0
        finally:
            client.close()
        return status, time.perf_counter() - t

    failed = 0
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        for _ in range(100):
            answers = list(pool.map(one, range(parallel * 2)))
            failed += sum(1 for status, _ in answers if status != 200)
            if all(status == 200 and seconds < 1.0 for status, seconds in answers):
                break
            if time.perf_counter() - t0 > timeout:
                banner(f"the server is still slow or failing after {timeout:.0f} s of warm-up: {answers[:4]}")
                break
    return time.perf_counter() - t0, failed


def expect(status: int, data: Any, want: int, what: str) -> Any:
    if status != want:
        raise RuntimeError(f"{what}: expected {want}, got {status}: {str(data)[:300]}")
    return data


def closable_incident(client: Client, tokens: dict[str, str], reporter: str, solution_id: int) -> int:
    """An incident resolved, verified by its reporter and linking an approved solution, through the API."""
    agent = tokens["agent"]
    body = {"title": "光猫红灯闪，无法上网（关单并发）", "description": "用户来电反映光猫 LOS 灯红灯闪烁。",
            "service": "broadband", "category": "fault", "area": "urban", "reporter": reporter}
    incident = expect(*client.json("POST", "/api/v1/incidents", agent, body), 201, "create incident")
    path = f"/api/v1/incidents/{incident['id']}"
    expect(*client.json("POST", f"{path}/start", agent, {}), 200, "start")
    expect(*client.json("PUT", f"{path}/solution", agent, {"article_id": solution_id}), 200, "link solution")
    expect(*client.json("POST", f"{path}/resolve", agent, {"note": "更换尾纤后恢复"}), 200, "resolve")
    expect(*client.json("POST", f"{path}/verify", tokens["subscriber"], {"accepted": True, "rating": 5}), 200,
           "verify by the reporter")
    return int(incident["id"])


def race_closes(port: int, seeded: dict[str, Any], race: int, rounds: int) -> dict[str, Any]:
    """rounds times: one closable incident, race clients POST /close at the same moment."""
    setup = Client(port)
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    good = 0
    problems: list[str] = []
    tokens = [seeded["tokens"]["agent"], seeded["tokens"]["agent2"]]
    for r in range(rounds):
        try:
            incident_id = closable_incident(setup, seeded["tokens"], seeded["subscribers"][0],
                                            seeded["solution_ids"][r % len(seeded["solution_ids"])])
        except (RuntimeError, ConnectionFailed) as exc:
            problems.append(f"round {r + 1}: {exc}")
            continue
        barrier = threading.Barrier(race)
        got: list[tuple[int, float]] = []
        lock = threading.Lock()

        def closer(c: int, incident_id: int = incident_id, barrier: threading.Barrier = barrier,
                   got: list[tuple[int, float]] = got, lock: threading.Lock = lock) -> None:
            client = Client(port)
            with contextlib.suppress(OSError):
                client.connect()
            try:
                barrier.wait(30)
            except threading.BrokenBarrierError:
                return
            t = time.perf_counter()
            try:
                status, _ = client.request("POST", f"/api/v1/incidents/{incident_id}/close", tokens[c % 2], {})
            except ConnectionFailed:
                status = 0
            with lock:
                got.append((status, (time.perf_counter() - t) * 1000))
            client.close()

        threads = [threading.Thread(target=closer, args=(c,), daemon=True) for c in range(race)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(90)
        counts = Counter(str(s) if s else "conn_error" for s, _ in got)
        statuses.update(counts)
        latencies.extend(ms for s, ms in got if s)
        if counts.get("200") == 1 and counts.get("409") == race - 1:
            good += 1
    setup.close()
    return {"rounds": rounds, "race": race, "rounds_as_expected": good, "statuses": dict(sorted(statuses.items())),
            **ms_summary(latencies), "problems": problems}


def approve_article(client: Client, tokens: dict[str, str], word: str, label: str,
                    steps: dict[str, list[float]] | None = None) -> tuple[int, float]:
    """create (agent) -> submit -> approve (a lead, not the author); returns (id, when the approval answered).
    steps, if given, collects each call's milliseconds by name."""
    body = {"type": "solution", "title": f"{word} 光猫红灯闪的处理（{label}）", "visibility": "public",
            "services": ["broadband"], "category": "FTTH", "tags": ["光猫", "LOS"],
            "symptom": "光猫 LOS 灯红灯闪烁，用户无法上网。", "cause": "入户光纤弯折，光衰过大。",
            "steps": "1. 检查尾纤是否弯折，重新盘纤\n2. 用光功率计测量收光\n3. 更换尾纤或重新熔接"}

    def call(name: str, method: str, path: str, token: str, data: dict[str, Any], want: int) -> Any:
        t = time.perf_counter()
        status, answer = client.json(method, path, token, data)
        if steps is not None:
            steps.setdefault(name, []).append((time.perf_counter() - t) * 1000)
        return expect(status, answer, want, name)

    article = call("create", "POST", "/api/v1/articles", tokens["agent"], body, 201)
    path = f"/api/v1/articles/{article['id']}"
    call("submit", "POST", f"{path}/submit", tokens["agent"], {}, 200)
    review = {"content_ok": True, "form_ok": True, "decision": "approve", "comment": ""}
    call("approve", "POST", f"{path}/review", tokens["lead"], review, 200)
    return int(article["id"]), time.perf_counter()


def search_holds(client: Client, token: str, word: str, article_id: int) -> bool:
    status, data = client.json("GET", f"/api/v1/search?q={quote(word)}&per_page=20", token)
    return status == 200 and isinstance(data, dict) and any(i.get("id") == article_id for i in data.get("items", []))


def poll(check: Callable[[], bool], since: float, timeout: float, interval: float = 0.002) -> float | None:
    """Milliseconds from since (a perf_counter time) until check() is true, or None after timeout."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            if check():
                return (time.perf_counter() - since) * 1000
        except ConnectionFailed:
            time.sleep(0.05)
        time.sleep(interval)
    return None


def publish_measure(port: int, seeded: dict[str, Any], n: int, timeout: float) -> dict[str, Any]:
    """Approve through the API; time from the approval's answer until search (same server) finds the article."""
    client, searcher = Client(port), Client(port)
    rng = random.Random(time.time_ns())
    found: list[float] = []
    lost = 0
    problems: list[str] = []
    steps: dict[str, list[float]] = {}
    for _ in range(n):
        word = unique_word(rng)
        try:
            article_id, approved = approve_article(client, seeded["tokens"], word, "发布测速", steps)
        except (RuntimeError, ConnectionFailed) as exc:
            problems.append(str(exc))
            continue
        def found_it(w: str = word, a: int = article_id) -> bool:
            return search_holds(searcher, seeded["tokens"]["agent"], w, a)

        waited = poll(found_it, approved, timeout)
        if waited is None:
            lost += 1
        else:
            found.append(waited)
    return {"attempts": n, "lost": lost, **ms_summary(found), "problems": problems[:5],
            "steps": {name: ms_summary(ms) for name, ms in steps.items()}}


def convergence_measure(a: Server, b: Server, seeded: dict[str, Any], n: int, timeout: float) -> dict[str, Any]:
    """Approve on node A, poll search on node B until found; retire on A, poll B until gone. Stops after three
    losses in a row (each costs the whole timeout)."""
    on_a, on_b = Client(a.port), Client(b.port)
    rng = random.Random(time.time_ns())
    token = seeded["tokens"]["agent"]
    appear: list[float] = []
    vanish: list[float] = []
    lost_appear = lost_vanish = attempts = streak = 0
    problems: list[str] = []
    for _ in range(n):
        if streak >= 3:
            problems.append(f"gave up after {attempts} attempts: three lost in a row")
            break
        attempts += 1
        word = unique_word(rng)
        try:
            article_id, approved = approve_article(on_a, seeded["tokens"], word, "多节点")
        except (RuntimeError, ConnectionFailed) as exc:
            problems.append(str(exc))
            continue
        def on_node_b(w: str = word, i: int = article_id) -> bool:
            return search_holds(on_b, token, w, i)

        def gone_from_b(w: str = word, i: int = article_id) -> bool:
            return not search_holds(on_b, token, w, i)

        waited = poll(on_node_b, approved, timeout)
        if waited is None:
            lost_appear += 1
            streak += 1
            continue
        appear.append(waited)
        try:
            expect(*on_a.json("POST", f"/api/v1/articles/{article_id}/retire", seeded["tokens"]["lead"], {}), 200,
                   "retire")
        except (RuntimeError, ConnectionFailed) as exc:
            problems.append(str(exc))
            continue
        retired = time.perf_counter()
        gone = poll(gone_from_b, retired, timeout)
        if gone is None:
            lost_vanish += 1
            streak += 1
        else:
            vanish.append(gone)
            streak = 0
    return {"attempts": attempts, "appear": {"lost": lost_appear, **ms_summary(appear)},
            "vanish": {"lost": lost_vanish, **ms_summary(vanish)}, "problems": problems[:5]}


# -- one database --------------------------------------------------------------------------------------------------


def run_database(kind: str, args: argparse.Namespace, workdir: Path, workers_list: list[int],
                 multi: bool) -> dict[str, Any]:
    print(f"\n== {kind} ==", flush=True)
    folder = workdir / kind
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    url = fresh_database(kind, folder)
    instance = folder / "node-a"
    env = server_env(instance, url)
    seeded = in_child(seed_data, env, args.articles, args.incidents)
    print(f"seeded {seeded['articles']:,} approved articles ({seeded['articles_seconds']} s) and "
          f"{seeded['incidents']:,} incidents in {seeded['seconds']} s", flush=True)
    out: dict[str, Any] = {"database": kind, "seed": {k: v for k, v in seeded.items()
                                                         if k not in ("tokens", "solution_ids", "subscribers")},
                           "runs": [], "errors": []}
    prep = Server(instance, url, folder / "prepare.log")
    out["index_build_s"] = round(prep.prepare(), 1)
    print(f"run.py --prepare-only (migrations, admin, index build): {out['index_build_s']} s", flush=True)
    pools = Pools.make(seeded)
    for workers in workers_list:
        log = folder / f"server-w{workers}.log"
        server = Server(instance, url, log, workers if multi else None)
        ready = server.start()
        warm, warm_failed = warm_up(server.port, seeded["tokens"]["agent"])
        mark = log.stat().st_size  # the errors reported are those after the warm-up
        print(f"-- {kind}, {workers} worker process(es): ready in {ready:.1f} s, warm {warm:.1f} s later "
              f"({warm_failed} warm-up answers not 200; port {server.port}, log {log})", flush=True)
        run: dict[str, Any] = {"workers": workers, "ready_s": round(ready, 1), "warm_s": round(warm, 1),
                               "warm_up_not_200": warm_failed, "measures": []}
        try:
            for workload in args.workloads:
                if workload == "closes":
                    closes = race_closes(server.port, seeded, args.race, args.close_rounds)
                    run["measures"].append({"workload": "closes", "clients": args.race, **closes})
                    print(f"   closes x{args.race}: {closes['statuses']} (as expected in {closes['rounds_as_expected']}"
                          f"/{closes['rounds']} rounds)", flush=True)
                    continue
                for clients in args.concurrency:
                    m = drive(server.port, pools.planner(workload), clients, args.seconds)
                    run["measures"].append({"workload": workload, "clients": clients, **m})
                    print(f"   {workload:7} {clients:3} clients: {m['req_s']:8.1f} req/s  p50 {m['p50_ms']:7.1f}  "
                          f"p95 {m['p95_ms']:7.1f} max {m['longest_ms']:7.1f} ms  non-2xx {m['non_2xx'] or '-'}  "
                          f"conn errors {m['conn_errors'] or '-'}", flush=True)
            if args.publishes:
                run["publish"] = publish_measure(server.port, seeded, args.publishes, args.poll_timeout)
                p = run["publish"]
                calls = ", ".join(f"{k} {v['p50_ms']}" for k, v in p["steps"].items())
                print(f"   publish until searchable: p50 {p['p50_ms']} p95 {p['p95_ms']} ms, lost {p['lost']}"
                      f"/{p['attempts']} (p50 ms of the calls: {calls})", flush=True)
            if args.nodes == 2:
                node_b = Server(folder / "node-b", url, folder / f"server-b-w{workers}.log",
                                workers if multi else None)
                ready_b = node_b.start() + warm_up(node_b.port, seeded["tokens"]["agent"])[0]
                mark_b = node_b.log.stat().st_size
                print(f"   node B ready and warm in {ready_b:.1f} s (own instance folder and index, same database)",
                      flush=True)
                try:
                    run["convergence"] = convergence_measure(server, node_b, seeded, args.publishes or 10,
                                                             args.poll_timeout)
                finally:
                    node_b.stop()
                    run["errors_node_b"] = log_errors(node_b.log, mark_b)
                c = run["convergence"]
                print(f"   convergence A->B: appear p95 {c['appear']['p95_ms']} ms (lost {c['appear']['lost']}), "
                      f"retire p95 {c['vanish']['p95_ms']} ms (lost {c['vanish']['lost']}) of {c['attempts']}",
                      flush=True)
            procs = server.processes()
            # gunicorn: a master and its workers; waitress (or a run.py without gunicorn): one process.
            run["processes"], run["worker_processes"], run["banner"] = procs, max(1, procs - 1), server.banner()
            print(f"   server: {procs} process(es) in its group; {run['banner']}", flush=True)
            if multi and workers > 1 and run["worker_processes"] != workers:
                banner(f"asked run.py for {workers} workers, found {procs} process(es) serving")
        finally:
            server.stop()
        run["errors"] = log_errors(log, mark)
        out["runs"].append(run)
    return out


# -- report --------------------------------------------------------------------------------------------------------


NUMBER = re.compile(r"^-?[\d.]+$|^nan$")


def workers_label(run: dict[str, Any]) -> str:
    """The worker processes asked for, and those seen serving when they differ."""
    seen = run.get("worker_processes")
    return str(run["workers"]) if seen in (None, run["workers"]) else f"{run['workers']} (ran {seen})"


def fmt_counts(counts: dict[str, int]) -> str:
    return " ".join(f"{k}:{v}" for k, v in counts.items()) or "-"


def print_rows(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("  ".join(c.rjust(w) if NUMBER.match(c) else c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def targets(results: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for every target the runs can answer."""
    out: list[tuple[str, str, str]] = []

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    def measures(db: dict[str, Any]) -> Iterable[tuple[int, dict[str, Any]]]:
        for run in db["runs"]:
            for m in run["measures"]:
                yield run.get("worker_processes", 1), m

    for db in results:
        name = db["database"]
        for workers, m in measures(db):
            if m["workload"] in ("writes", "mixed") and m["clients"] in (16, 64):
                fives = sum(v for k, v in m["non_2xx"].items() if k.startswith("5"))
                out.append((f"{name} w{workers} {m['workload']} @{m['clients']}: 0 responses >= 500",
                            f"{fives} (conn errors {m['conn_errors']})", verdict(fives == 0)))
            if m["workload"] == "writes" and m["clients"] == 16 and (name == "sqlite" or workers > 1):
                floor = 100 if name == "sqlite" else 150
                out.append((f"{name} w{workers} creates @16 >= {floor}/s", f"{m['req_s']}/s",
                            verdict(m["req_s"] >= floor)))
            if m["workload"] == "search" and m["clients"] == 16 and workers > 1:
                out.append((f"{name} w{workers} search @16 >= 400 req/s, p95 <= 100 ms",
                            f"{m['req_s']}/s, p95 {m['p95_ms']} ms", verdict(m["req_s"] >= 400 and m["p95_ms"] <= 100)))
            if m["workload"] == "closes":
                out.append((f"{name} w{workers} closes x{m['clients']}: one 200, the rest 409",
                            f"{m['rounds_as_expected']}/{m['rounds']} rounds, {fmt_counts(m['statuses'])}",
                            verdict(m["rounds_as_expected"] == m["rounds"])))
        for run in db["runs"]:
            p = run.get("publish")
            if p:
                out.append((f"{name} w{run.get('worker_processes', 1)} publish until searchable p95 <= 100 ms",
                            f"p95 {p['p95_ms']} ms, lost {p['lost']}/{p['attempts']}",
                            verdict(p["lost"] == 0 and p["p95_ms"] <= 100)))
            c = run.get("convergence")
            if c:
                ok = c["appear"]["lost"] == 0 and c["vanish"]["lost"] == 0 and c["appear"]["n"] > 0 and \
                    c["appear"]["p95_ms"] <= 1000 and (c["vanish"]["n"] == 0 or c["vanish"]["p95_ms"] <= 1000)
                out.append((f"{name} w{run.get('worker_processes', 1)} convergence p95 <= 1 s",
                            f"appear p95 {c['appear']['p95_ms']} ms lost {c['appear']['lost']}, retire p95 "
                            f"{c['vanish']['p95_ms']} ms lost {c['vanish']['lost']}", verdict(ok)))
    if not any(run.get("worker_processes", 1) > 1 for db in results for run in db["runs"]):
        out.append(("targets 'with several processes'", "no run with more than one worker process", "n/a"))
    return out


def report(results: list[dict[str, Any]]) -> None:
    rows: list[tuple[str, ...]] = [("database", "workers", "workload", "clients", "req/s", "p50 ms", "p95 ms",
                                    "max ms", "non-2xx", "conn err")]
    for db in results:
        for run in db["runs"]:
            for m in run["measures"]:
                if m["workload"] == "closes":
                    rows.append((db["database"], workers_label(run), "closes", str(m["clients"]), "-",
                                 str(m["p50_ms"]), str(m["p95_ms"]), str(m["max_ms"]), fmt_counts(m["statuses"]),
                                 str(m["statuses"].get("conn_error", 0))))
                    continue
                rows.append((db["database"], workers_label(run), m["workload"], str(m["clients"]), str(m["req_s"]),
                             str(m["p50_ms"]), str(m["p95_ms"]), str(m["longest_ms"]), fmt_counts(m["non_2xx"]),
                             str(m["conn_errors"])))
                for kind, k in m.get("kinds", {}).items():
                    rows.append(("", "", f"  {kind}", "", str(k["req_s"]), str(k["p50_ms"]), str(k["p95_ms"]),
                                 str(k["max_ms"]), fmt_counts(k["non_2xx"]), str(k["conn_errors"])))
    print()
    print_rows(rows)
    extra: list[tuple[str, ...]] = [("database", "workers", "measure", "n", "p50 ms", "p95 ms", "max ms", "lost")]
    for db in results:
        for run in db["runs"]:
            p = run.get("publish")
            if p:
                extra.append((db["database"], workers_label(run), "publish->searchable", str(p["n"]),
                              str(p["p50_ms"]), str(p["p95_ms"]), str(p["max_ms"]), f"{p['lost']}/{p['attempts']}"))
                for name, x in p.get("steps", {}).items():
                    extra.append(("", "", f"  {name} call", str(x["n"]), str(x["p50_ms"]), str(x["p95_ms"]),
                                  str(x["max_ms"]), ""))
            c = run.get("convergence")
            if c:
                for what in ("appear", "vanish"):
                    x = c[what]
                    extra.append((db["database"], workers_label(run), f"convergence A->B {what}", str(x["n"]),
                                  str(x["p50_ms"]), str(x["p95_ms"]), str(x["max_ms"]), str(x["lost"])))
    if len(extra) > 1:
        print()
        print_rows(extra)
    print()
    print_rows([("target", "measured", "verdict"), *targets(results)])
    errors = [(db["database"], run["workers"], e) for db in results for run in db["runs"]
              for e in run.get("errors", []) + run.get("errors_node_b", [])]
    if errors:
        print("\nserver-side errors found in the server logs (full tracebacks in the JSON and the logs):")
        for name, workers, e in errors:
            print(f"  {name} w{workers}: {e['count']}x  {e['header'][:100]}  ->  {e['error'][:160]}"
                  + (f"  {e['detail'][:100]}" if e["detail"] else ""))
    else:
        print("\nno traceback in the server logs")


def python_loop_ms() -> float:
    """How fast this machine is now: the same pure-Python loop as bench/incidents_bench.py (best of five)."""
    best = float("inf")
    for _ in range(5):
        started, total = time.perf_counter(), 0
        for i in range(1_000_000):
            total += i
        best = min(best, (time.perf_counter() - started) * 1000)
    return round(best, 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--databases", default=None,
                    help="comma-separated: sqlite, postgresql (default both; --quick: sqlite)")
    ap.add_argument("--workers", default=None, help="comma-separated process counts (default: 1 and the core count)")
    ap.add_argument("--concurrency", default=None, help="comma-separated client counts (default 1,4,16,64)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated, of: " + ", ".join(WORKLOADS))
    ap.add_argument("--seconds", type=float, default=None, help="measured seconds per measure (default 10)")
    ap.add_argument("--articles", type=int, default=None, help="approved articles seeded (default 3000)")
    ap.add_argument("--incidents", type=int, default=None, help="incidents seeded (default 300)")
    ap.add_argument("--race", type=int, default=8, help="simultaneous POST /close per round")
    ap.add_argument("--close-rounds", type=int, default=None, help="rounds of the close race (default 5)")
    ap.add_argument("--publishes", type=int, default=None, help="articles approved then searched for (default 30)")
    ap.add_argument("--nodes", type=int, choices=(1, 2), default=1, help="2: also measure convergence A->B")
    ap.add_argument("--poll-timeout", type=float, default=10.0, help="seconds before a poll counts as lost")
    ap.add_argument("--quick", action="store_true", help="smoke run: first database, 1 and 4 clients, 3 s")
    ap.add_argument("--workdir", default=None, help="instance folders, databases, logs (default bench/results/...)")
    args = ap.parse_args(argv)

    def listed(value: str) -> list[str]:
        return [v.strip() for v in value.split(",") if v.strip()]

    quick = args.quick
    databases = listed(args.databases or ("sqlite" if quick else "sqlite,postgresql"))
    args.concurrency = [int(v) for v in listed(args.concurrency or ("1,4" if quick else "1,4,16,64"))]
    args.seconds = args.seconds or (3.0 if quick else 10.0)
    args.articles = args.articles if args.articles is not None else (500 if quick else 3000)
    args.incidents = args.incidents if args.incidents is not None else (100 if quick else 300)
    args.close_rounds = args.close_rounds if args.close_rounds is not None else (2 if quick else 5)
    args.publishes = args.publishes if args.publishes is not None else (5 if quick else 30)
    args.workloads = listed(args.workloads)
    unknown = [w for w in args.workloads if w not in WORKLOADS] + \
        [d for d in databases if d not in ("sqlite", "postgresql")]
    if unknown:
        ap.error(f"unknown: {', '.join(unknown)}")
    cores = os.cpu_count() or 1
    requested = [int(v) for v in listed(args.workers or f"1,{cores}")]
    requested = list(dict.fromkeys(requested))
    workers_list, multi = effective_workers(requested)

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    workdir = Path(args.workdir) if args.workdir else RESULTS / f"load-{stamp}"
    workdir.mkdir(parents=True, exist_ok=True)
    meta = {"argv": sys.argv[1:] if argv is None else argv, "python": sys.version.split()[0],
            "machine": platform.machine(), "cpus": cores, "workers_requested": requested,
            "workers_run": workers_list, "run_py_has_workers": multi, "seconds": args.seconds,
            "warmup_s": WARMUP_S, "concurrency": args.concurrency, "workloads": args.workloads,
            "load_average_before": os.getloadavg(), "workdir": str(workdir)}
    meta["python_loop_1m_ms_before"] = python_loop_ms()
    print(f"machine: a 1M-step Python loop takes {meta['python_loop_1m_ms_before']} ms now "
          "(compare runs only at a similar figure: this machine's speed drifts several-fold)", flush=True)
    results: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    for kind in databases:
        if kind == "postgresql":
            why = postgres_answers()
            if why is not None:
                banner(f"PostgreSQL does not answer on 127.0.0.1:5432 ({why}): SKIPPING postgresql")
                skipped[kind] = why
                continue
        try:
            results.append(run_database(kind, args, workdir, workers_list, multi))
        except ServerDied as exc:
            banner(f"{kind}: the server failed: {exc}")
            skipped[kind] = str(exc)
    report(results)
    if skipped:
        print("\nnot measured: " + "; ".join(f"{k}: {v.splitlines()[0]}" for k, v in skipped.items()))
    meta["load_average_after"] = os.getloadavg()
    meta["python_loop_1m_ms_after"] = python_loop_ms()
    print(f"machine: the Python loop took {meta['python_loop_1m_ms_before']} ms before and "
          f"{meta['python_loop_1m_ms_after']} ms after")
    out = RESULTS / f"load-{stamp}.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "skipped": skipped, "results": results,
                               "targets": [{"target": t, "measured": m, "verdict": v} for t, m, v in targets(results)]},
                              ensure_ascii=False, indent=2, default=str))
    print(f"\nresults written to {out.relative_to(ROOT)}; server logs in {workdir}")
    return 0 if results else 1


if __name__ == "__main__":
    raise SystemExit(main())
