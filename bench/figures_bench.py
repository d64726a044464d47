"""Service figures benchmark: a month's figures with each breakdown, at operator scale.

    .venv/bin/python bench/figures_bench.py --incidents 1000000 [--database-url postgresql+psycopg://…/bench]
        [--reuse] [--repeat 20]

Generates (or, with --reuse, reuses and brings up to date) the incident bench's data (bench/incidents_bench.py:
two years of incidents), then times servicedesk.figures.compute for the last full month, with no breakdown and
with each one, through the service as the pages and the API call it, and the dashboard page
(/desk/dashboard for that month: breakdown by group, trend by day, rankings per group and per agent) through the
Flask test client as a lead. Prints p50/p95 per breakdown and writes JSON to bench/results/. Targets (issue 13):
p95 <= 1 s per breakdown and the dashboard <= 1.5 s at 1,000,000 incidents on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.incidents_bench import RESULTS, ensure_schema, generate, machine, settle, summary, timed  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--incidents", type=int, default=1_000_000)
    ap.add_argument("--subscribers", type=int, default=200_000)
    ap.add_argument("--database-url", default="")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--label", default="", help="added to the JSON file's name (e.g. before, after)")
    args = ap.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{RESULTS / f'incidents-{args.incidents}.db'}"

    from flask import g
    from flask_login import FlaskLoginClient
    from sqlalchemy import insert, select

    from servicedesk import create_app, db
    from servicedesk.figures import BREAKDOWNS, compute
    from servicedesk.figures.compute import period_bounds
    from servicedesk.incidents.appointments import count_promises
    from servicedesk.users.models import User

    engine = db.make_engine(url)
    if args.reuse:
        ensure_schema(engine)
    else:
        if url.startswith("sqlite"):
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            engine = db.make_engine(url)
        print(f"generating {args.incidents:,} incidents into {engine.url} ...", flush=True)
        gen = generate(engine, args.incidents, args.subscribers)
        print(f"  generated in {gen['seconds']} s", flush=True)
    settle(engine)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(RESULTS / "instance"),
                      "INDEX_DIR": str(RESULTS / "instance" / "index"), "SESSION_COOKIE_SECURE": False})
    app.test_client_class = FlaskLoginClient
    today = datetime.now(UTC).date()
    end = today.replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    results: dict[str, object] = {"incidents": args.incidents, "dialect": engine.dialect.name,
                                  "period": [start.isoformat(), end.isoformat()], "machine": machine(engine)}
    with app.app_context(), db.reading():  # as a GET request reads: no write lock taken
        s = db.session()
        desk = compute(s, start, end)[0].values
        counted = ("reported", "closed", "resolved_faults", "responded", "breached")
        results["desk_counts"] = {k: desk[k] for k in counted}
        for by in (None, *BREAKDOWNS):
            times = timed(lambda by=by: (compute(s, start, end, by), s.rollback()), args.repeat)
            results[by or "desk"] = summary(times)
            print(f"{by or 'desk':>10}: {results[by or 'desk']}", flush=True)
        # The dashboard's appointment promises (预约及时率, 履约准时率) over the month, per engineer too.
        bounds = period_bounds(start, end)
        promises = count_promises(s, *bounds)
        results["appointment_counts"] = {"dispatched": promises.dispatched,
                                         "agreed_in_time": promises.agreed_in_time.as_dict(),
                                         "arrived_in_window": promises.arrived_in_window.as_dict(),
                                         "engineers": len(promises.engineers)}
        results["appointments"] = summary(timed(lambda: (count_promises(s, *bounds), s.rollback()),
                                                max(5, args.repeat // 2)))
        print(f"{'appointments':>10}: {results['appointments']} {results['appointment_counts']}", flush=True)
        s.rollback()
    with app.app_context():
        s = db.session()
        lead = s.scalar(select(User).where(User.username == "figures-lead"))
        if lead is None:  # the generator makes agents and subscribers only: the dashboard is for leads
            s.execute(insert(User).values(username="figures-lead", display_name="Lead", email="", phone="",
                                          role="lead", password_hash="", active=True, locale="",
                                          created_at=datetime.now(UTC)))
            s.commit()
            lead = s.scalar(select(User).where(User.username == "figures-lead"))
        client = app.test_client(user=lead)  # type: ignore[call-arg]
        path = f"/desk/dashboard?from={start.isoformat()}&to={end.isoformat()}"

        def dashboard() -> None:
            g.pop("_login_user", None)
            resp = client.get(path)
            if resp.status_code != 200:
                raise SystemExit(f"{path} answered {resp.status_code}")

        results["dashboard"] = summary(timed(dashboard, max(5, args.repeat // 2)))
        print(f"{'dashboard':>10}: {results['dashboard']}", flush=True)
    out = RESULTS / f"figures-{engine.dialect.name}-{args.incidents}{'-' + args.label if args.label else ''}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
