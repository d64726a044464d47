"""Crash benchmark: SIGKILL the server in the middle of a burst of writes, restart it, and check that nothing
the database committed is missing from the search index, and that no incident row is half written.

    .venv/bin/python bench/crash_bench.py                                  # SQLite, 20 trials
    .venv/bin/python bench/crash_bench.py --database postgresql --workers 2 --trials 20
    .venv/bin/python bench/crash_bench.py --trials 2                       # a quick look

Once: a fresh instance folder and database (SQLite file, or the PostgreSQL database bench_crash dropped and
created again), seeded like bench/load_bench.py, and `run.py --prepare-only`. Then each trial, on the same
instance folder and database (recovery after each crash is the point):

1. the server runs (`run.py`, --workers when run.py has it); --approvers clients each create, submit and approve
   (a lead, not the author) fresh articles whose titles carry a unique word, and --creators clients create
   incidents, back to back;
2. at a random moment of the burst (0 to --burst s after the first write answered) the whole process group gets
   SIGKILL;
3. run.py starts again; the trial waits until /api/v1/health answers 200 and, when it reports index_lag, until
   that is 0 (the restart time), then warms the workers up with a few searches (the next burst starts warm);
4. checks, reading the database directly with SQLAlchemy: every article of this benchmark whose status is
   approved is found by searching its unique word through GET /api/v1/search, and none that is not approved
   (lost index updates / phantoms); every incident has its number, its title words in incident_terms (as
   servicedesk.incidents.terms cuts them) and its creation event in incident_events (half-written rows).

Prints a line per trial and the totals, writes JSON to bench/results/crash-<time>.json (the server's output
to bench/results/crash-<time>/server.log), and exits 1 when any update was lost, any row half written, or an
article could not be checked (its searches kept failing).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load_bench import (  # noqa: E402
    RESULTS,
    Client,
    ConnectionFailed,
    Pools,
    Server,
    ServerDied,
    banner,
    effective_workers,
    fresh_database,
    in_child,
    log_errors,
    postgres_answers,
    seed_data,
    server_env,
    unique_word,
    warm_up,
)

MARK = "（崩溃演练）"  # in the title of every article this benchmark writes
PG_DATABASE = "bench_crash"
MAX_ROUNDS_PER_CLIENT = 10_000
SEARCH_ATTEMPTS = 5


# -- the burst -----------------------------------------------------------------------------------------------------


class Burst:
    """What the clients did before the server died."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[str] = Counter()  # "<step> <status>"
        self.approved = 0  # approvals answered 200
        self.created = 0  # incidents answered 201
        self.conn_errors = 0
        self.writing = threading.Event()  # set at the first write answered 2xx

    def note(self, step: str, status: int) -> None:
        if status in (200, 201):
            self.writing.set()
        with self.lock:
            self.statuses[f"{step} {status}"] += 1
            if step == "approve" and status == 200:
                self.approved += 1
            if step == "create_incident" and status == 201:
                self.created += 1

    def lost_connection(self) -> None:
        with self.lock:
            self.conn_errors += 1


def approver(port: int, tokens: dict[str, str], seq: int, stop: threading.Event, burst: Burst) -> None:
    rng = random.Random(time.time_ns() + seq)
    client = Client(port, timeout=10)
    lead = tokens["lead" if seq % 2 else "lead2"]
    try:
        for _ in range(MAX_ROUNDS_PER_CLIENT):
            if stop.is_set():
                return
            word = unique_word(rng, 10)
            body = {"type": "solution", "title": f"{word} 光猫红灯闪的处理{MARK}", "visibility": "public",
                    "services": ["broadband"], "category": "FTTH", "tags": ["光猫"],
                    "symptom": "光猫 LOS 灯红灯闪烁，用户无法上网。", "steps": "1. 检查尾纤\n2. 重新熔接"}
            status, article = client.json("POST", "/api/v1/articles", tokens["agent"], body)
            burst.note("create_article", status)
            if status != 201 or not isinstance(article, dict):
                continue
            path = f"/api/v1/articles/{article['id']}"
            status, _ = client.json("POST", f"{path}/submit", tokens["agent"], {})
            burst.note("submit", status)
            if status != 200:
                continue
            review = {"content_ok": True, "form_ok": True, "decision": "approve", "comment": ""}
            status, _ = client.json("POST", f"{path}/review", lead, review)
            burst.note("approve", status)
    except ConnectionFailed:
        burst.lost_connection()
    finally:
        client.close()


def creator(port: int, pools: Pools, seq: int, stop: threading.Event, burst: Burst) -> None:
    rng = random.Random(time.time_ns() + 7919 * seq)
    client = Client(port, timeout=10)
    try:
        for _ in range(MAX_ROUNDS_PER_CLIENT):
            if stop.is_set():
                return
            _, method, path, token, body = pools.create(rng)
            status, _ = client.request(method, path, token, body)
            burst.note("create_incident", status)
    except ConnectionFailed:
        burst.lost_connection()
    finally:
        client.close()


# -- the checks ----------------------------------------------------------------------------------------------------


def check_articles(url: str, port: int, token: str) -> dict[str, Any]:
    """Every article of this benchmark: approved in the database <=> found by searching its unique word."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT a.id, a.status, r.title FROM articles a JOIN article_revisions r "
                                 "ON r.article_id = a.id AND r.number = 1 WHERE r.title LIKE :mark"),
                            {"mark": f"%{MARK}%"}).all()
    engine.dispose()
    local = threading.local()

    def found(row: Any) -> tuple[int, str, bool | None]:
        client: Client | None = getattr(local, "client", None)
        if client is None:
            client = local.client = Client(port, timeout=30)
        word = str(row.title).split()[0]
        for attempt in range(SEARCH_ATTEMPTS):  # a search answered 5xx is asked again, a few times
            if attempt:
                time.sleep(0.2 * attempt)
            try:
                status, data = client.json("GET", f"/api/v1/search?q={word}&per_page=50", token)
            except ConnectionFailed:
                continue
            if status == 200 and isinstance(data, dict):
                return int(row.id), str(row.status), any(i.get("id") == row.id for i in data.get("items", []))
        return int(row.id), str(row.status), None

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(found, rows))
    lost = [i for i, status, hit in results if status == "approved" and hit is False]
    phantom = [i for i, status, hit in results if status != "approved" and hit]
    failed = [i for i, _, hit in results if hit is None]
    return {"articles": len(rows), "approved": sum(1 for r in rows if r.status == "approved"),
            "by_status": dict(Counter(str(r.status) for r in rows)), "lost": lost, "phantom": phantom,
            "search_failed": failed}


def check_incidents(url: str) -> dict[str, Any]:
    """Every incident whole: its number, its title words in incident_terms, its creation event."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from servicedesk.incidents.terms import title_terms

    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        incidents = conn.execute(text("SELECT id, number, title FROM incidents")).all()
        terms: dict[int, set[str]] = {}
        for incident_id, term in conn.execute(text("SELECT incident_id, term FROM incident_terms")):
            terms.setdefault(int(incident_id), set()).add(str(term))
        created = {int(i) for i in conn.execute(text("SELECT DISTINCT incident_id FROM incident_events "
                                                     "WHERE action = 'create'")).scalars()}
    engine.dispose()
    bad: dict[str, list[int]] = {"no_number": [], "no_terms": [], "missing_terms": [], "no_create_event": []}
    cut: dict[str, set[str]] = {}
    for row in incidents:
        iid = int(row.id)
        if not row.number:
            bad["no_number"].append(iid)
        have = terms.get(iid, set())
        wanted = cut.get(row.title)
        if wanted is None:
            wanted = cut[row.title] = title_terms(row.title or "")
        if not have:
            bad["no_terms"].append(iid)
        elif wanted - have:
            bad["missing_terms"].append(iid)
        if iid not in created:
            bad["no_create_event"].append(iid)
    half = sorted({i for ids in bad.values() for i in ids})
    return {"incidents": len(incidents), "half_written": half, **{k: v[:20] for k, v in bad.items()},
            "counts": {k: len(v) for k, v in bad.items()}}


# -- one trial -----------------------------------------------------------------------------------------------------


def trial(n: int, server: Server, url: str, seeded: dict[str, Any], pools: Pools, args: argparse.Namespace,
          rng: random.Random) -> dict[str, Any]:
    stop = threading.Event()
    burst = Burst()
    threads = [threading.Thread(target=approver, args=(server.port, seeded["tokens"], i, stop, burst), daemon=True)
               for i in range(args.approvers)]
    threads += [threading.Thread(target=creator, args=(server.port, pools, i, stop, burst), daemon=True)
                for i in range(args.creators)]
    kill_after = rng.uniform(0.0, args.burst)
    started = time.perf_counter()
    for th in threads:
        th.start()
    burst.writing.wait(30)
    first_write = time.perf_counter() - started
    time.sleep(kill_after)
    server.kill()
    stop.set()
    for th in threads:
        th.join(30)
    t = time.perf_counter()
    server.start(timeout=args.ready_timeout)
    recovery = time.perf_counter() - t
    warm_up(server.port, seeded["tokens"]["agent"])
    arts = check_articles(url, server.port, seeded["tokens"]["agent"])
    incs = check_incidents(url)
    fives = sum(v for k, v in burst.statuses.items() if k.split()[-1].startswith("5"))
    return {"trial": n, "kill_after_s": round(kill_after, 2), "first_write_s": round(first_write, 2),
            "approved_answered": burst.approved,
            "incidents_answered": burst.created, "statuses": dict(sorted(burst.statuses.items())),
            "responses_5xx": fives, "conn_errors": burst.conn_errors, "recovery_s": round(recovery, 1),
            "articles": arts, "incidents": incs,
            "lost": len(arts["lost"]), "phantom": len(arts["phantom"]), "unchecked": len(arts["search_failed"]),
            "half_written": len(incs["half_written"])}


def print_rows(rows: list[tuple[str, ...]], widths: list[int] | None = None) -> None:
    widths = widths or [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)), flush=True)
        if i == 0 and row == HEADER:
            print("  ".join("-" * w for w in widths))


def row(t: dict[str, Any]) -> tuple[str, ...]:
    return (str(t["trial"]), f"{t['first_write_s']}", f"{t['kill_after_s']}", str(t["approved_answered"]),
            str(t["incidents_answered"]), str(t["responses_5xx"]), f"{t['recovery_s']}",
            str(t["articles"]["approved"]), str(t["articles"]["articles"]), str(t["lost"]), str(t["phantom"]),
            str(t["incidents"]["incidents"]), str(t["half_written"]))


HEADER = ("trial", "1st write s", "then kill s", "approved", "incidents", "5xx", "restart s", "approved in db",
          "articles", "lost", "phantom", "incidents in db", "half-written")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--workers", type=int, default=None, help="server processes (passed when run.py has --workers)")
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--approvers", type=int, default=4, help="clients approving fresh articles")
    ap.add_argument("--creators", type=int, default=4, help="clients creating incidents")
    ap.add_argument("--burst", type=float, default=5.0,
                    help="the kill comes 0 to this many seconds after the first write answered")
    ap.add_argument("--articles", type=int, default=500, help="approved articles seeded before the first trial")
    ap.add_argument("--incidents", type=int, default=100, help="incidents seeded before the first trial")
    ap.add_argument("--ready-timeout", type=float, default=300.0, help="seconds a restart may take")
    ap.add_argument("--seed", type=int, default=None, help="random seed of the kill moments")
    ap.add_argument("--workdir", default=None, help="instance folder, database, log (default bench/results/...)")
    args = ap.parse_args(argv)

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    workdir = Path(args.workdir) if args.workdir else RESULTS / f"crash-{stamp}"
    shutil.rmtree(workdir / "instance", ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    if args.database == "postgresql":
        why = postgres_answers()
        if why is not None:
            banner(f"PostgreSQL does not answer on 127.0.0.1:5432 ({why}): nothing measured")
            return 2
    workers = args.workers
    if workers is not None:
        runnable, multi = effective_workers([workers])
        workers = runnable[0] if multi else None
    url = fresh_database(args.database, workdir, PG_DATABASE)
    instance = workdir / "instance"
    seeded = in_child(seed_data, server_env(instance, url), args.articles, args.incidents)
    print(f"seeded {seeded['articles']:,} articles and {seeded['incidents']:,} incidents in {seeded['seconds']} s "
          f"({args.database}, {url})", flush=True)
    pools = Pools.make(seeded)
    server = Server(instance, url, workdir / "server.log", workers)
    server.prepare()
    ready = server.start(timeout=args.ready_timeout)
    warm, _ = warm_up(server.port, seeded["tokens"]["agent"])
    print(f"server ready in {ready:.1f} s, warm {warm:.1f} s later; log {server.log}", flush=True)
    rng = random.Random(args.seed)
    trials: list[dict[str, Any]] = []
    failure = ""
    print_rows([HEADER])
    try:
        for n in range(1, args.trials + 1):
            try:
                t = trial(n, server, url, seeded, pools, args, rng)
            except ServerDied as exc:
                failure = f"trial {n}: the server did not come back: {exc}"
                banner(failure)
                break
            trials.append(t)
            print_rows([row(t)], [len(h) for h in HEADER])
            for what, label in (("lost", "lost"), ("phantom", "phantom"), ("search_failed", "not checked")):
                if t["articles"][what]:
                    print(f"    {label} articles: {t['articles'][what][:20]}", flush=True)
            if t["half_written"]:
                print(f"    half-written incidents: {t['incidents']['counts']}", flush=True)
    finally:
        server.stop()
    totals = {k: sum(t[k] for t in trials) for k in ("lost", "phantom", "unchecked", "half_written",
                                                      "approved_answered", "incidents_answered", "responses_5xx",
                                                      "conn_errors")}
    recoveries = sorted(t["recovery_s"] for t in trials)
    print()
    print_rows([HEADER, *[row(t) for t in trials]])
    print(f"\ntotal over {len(trials)} trial(s): lost index updates {totals['lost']}, phantoms {totals['phantom']}, "
          f"articles not checked (search kept failing) {totals['unchecked']}, half-written incidents "
          f"{totals['half_written']}; approvals answered {totals['approved_answered']}, incidents answered "
          f"{totals['incidents_answered']}, 5xx {totals['responses_5xx']}; restart "
          f"{recoveries[0] if recoveries else '-'}..{recoveries[-1] if recoveries else '-'} s")
    errors = log_errors(server.log)
    if errors:
        print("server-side errors in the log:")
        for e in errors:
            print(f"  {e['count']}x  {e['header'][:100]}  ->  {e['error'][:160]}"
                  + (f"  {e['detail'][:100]}" if e["detail"] else ""))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"crash-{stamp}.json"
    meta = {"argv": sys.argv[1:] if argv is None else argv, "database": args.database, "url": url,
            "workers": workers, "python": sys.version.split()[0], "machine": platform.machine(),
            "cpus": os.cpu_count(), "load_average": os.getloadavg(), "seed": seeded["seconds"]}
    out.write_text(json.dumps({"meta": meta, "totals": totals, "failure": failure, "trials": trials,
                               "server_errors": errors}, ensure_ascii=False, indent=2, default=str))
    print(f"results written to {out.relative_to(ROOT)}; server log {server.log}")
    bad = totals["lost"] + totals["phantom"] + totals["half_written"] + totals["unchecked"]
    return 1 if bad or failure or not trials else 0


if __name__ == "__main__":
    raise SystemExit(main())
