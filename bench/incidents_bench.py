"""Incident desk benchmark: queues, incident page, creation and the SLA check at operator scale.

    .venv/bin/python bench/incidents_bench.py --incidents 1000000 --subscribers 200000 \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench] [--requests 200] \
        [--reuse] [--only REGEX]

Generates realistic data with set-based bulk inserts into a fresh database (a SQLite file under
bench/results/ by default), then times, through the real application (Flask test client and the
services): every queue tab (mine, my team, unassigned, at risk, breached, awaiting verification, open),
the filters (service, area, zone, SLA state, assignee, dates), the searches (account, phone, number,
title words), deep paging, the subscriber and notification pages, the API lists, the incident page,
creating an incident (SLA and routing included), and `check_sla` over 100,000 open incidents (whose
changes are put back afterwards, so --reuse measures the same data again; --reuse also adds the
indexes the models gained since the data was generated). Prints p50/p95/p99 per measure and writes
JSON to bench/results/. Targets (issue 4): lists p95 <= 50 ms, incident page p95 <= 30 ms,
create p95 <= 20 ms, SLA check over 100k open <= 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import g  # noqa: E402
from sqlalchemy import Connection, Engine, func, insert, inspect, select, text  # noqa: E402

from bench.generate import Vocabulary, Zipf, fresh_schema  # noqa: E402
from kb.orm import Base  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SERVICES = ["broadband"] * 50 + ["iptv"] * 15 + ["cable_tv"] * 15 + ["satellite_tv"] * 10 + ["leased_line"] * 5 + \
    ["voice"] * 5
CATEGORIES = ["fault"] * 70 + ["complaint"] * 15 + ["request"] * 10 + ["consultation"] * 5
TITLES = [
    "光猫红灯闪，无法上网", "网速慢，晚上看视频卡", "拨号提示691错误", "电视没信号", "机顶盒开机黑屏",
    "户户通开机提示 E-102", "IPTV 播放卡顿马赛克", "WiFi 信号弱，卧室连不上", "专线中断，ping 丢包",
    "宽带经常掉线", "遥控器失灵", "新装宽带预约上门", "投诉装维人员迟到", "有线电视部分频道无信号",
]
FIRST = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗"
PLACE_SHARE = 0.3
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50_ms": round(pct(values, 50), 2), "p95_ms": round(pct(values, 95), 2),
            "p99_ms": round(pct(values, 99), 2), "mean_ms": round(statistics.fmean(values), 2)}


def machine(engine: Engine) -> dict[str, float]:
    """How fast this machine is now, to read the figures against: the same pure-Python loop and the same
    database round trip (SELECT 1) on every run. On a shared machine both drift from one hour to the next;
    timings taken while they are slow are slow everywhere."""
    loops = []
    for _ in range(5):
        t, total = time.perf_counter(), 0
        for i in range(1_000_000):
            total += i
        loops.append((time.perf_counter() - t) * 1000)
    with engine.connect() as conn:
        trips = []
        for _ in range(200):
            t = time.perf_counter()
            conn.execute(text("SELECT 1")).scalar()
            trips.append((time.perf_counter() - t) * 1000)
    return {"python_loop_1m_ms": round(min(loops), 1), "select_1_p50_ms": round(pct(trips, 50), 3),
            "load_average_1m": round(os.getloadavg()[0], 2)}


def batches(rows: Iterator[dict[str, Any]], size: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def generate(engine: Engine, n_incidents: int, n_subscribers: int, seed: int = 7) -> dict[str, Any]:
    """Fills a fresh schema; returns ids the measurements need."""
    from servicedesk.db import load_models

    load_models()
    from kb.models import Article, ArticleRevision
    from servicedesk.incidents.models import Incident, IncidentEvent
    from servicedesk.incidents.sla import DEFAULT_RULES
    from servicedesk.org.models import MaintenanceGroup, ServiceStation, SlaPolicyRule, Subscriber, Zone
    from servicedesk.users.models import User

    rnd = random.Random(seed)
    places = place_names(seed)
    trng = random.Random(seed + 1)  # titles' own draws: every other field is the same as without places
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        fresh_schema(conn)
        staff = [{"id": i, "username": f"agent{i:03d}", "display_name": rnd.choice(FIRST) + rnd.choice(GIVEN),
                  "email": "", "phone": "", "role": "agent" if i % 10 else "specialist", "password_hash": "",
                  "active": True, "locale": "", "created_at": now} for i in range(1, 301)]
        users = [{"id": 1000 + i, "username": f"sub{i:06d}", "display_name": rnd.choice(FIRST) + rnd.choice(GIVEN),
                  "email": "", "phone": "", "role": "user", "password_hash": "", "active": True, "locale": "",
                  "created_at": now} for i in range(1, 5001)]
        conn.execute(insert(User), staff + users)
        conn.execute(insert(ServiceStation), [{"id": i, "name": f"第{i}服务站"} for i in range(1, 11)])
        conn.execute(insert(MaintenanceGroup), [{"id": i, "station_id": (i - 1) // 5 + 1, "name": f"维护{i}组",
                                                  "leader_id": i} for i in range(1, 51)])
        conn.execute(insert(Zone), [{"id": i, "code": f"Z{i:03d}", "name": f"片区{i}", "group_id": (i - 1) // 4 + 1,
                                     "manager_id": 50 + i, "area": "urban" if i % 3 else "township"}
                                    for i in range(1, 201)])
        for batch in batches({"id": i, "account": f"GD{i:08d}", "name": rnd.choice(FIRST) + rnd.choice(GIVEN),
                              "phone": f"13{rnd.randrange(10**9):09d}", "address": f"城东路{i % 999}号",
                              "zone_id": i % 200 + 1, "service_level": "enterprise" if i % 97 == 0 else "normal",
                              "user_id": None, "created_at": now} for i in range(1, n_subscribers + 1)):
            conn.execute(insert(Subscriber), batch)

        conn.execute(insert(Article), [{"id": i, "type": "solution", "status": "draft", "author_id": 1 + i,
                                        "created_at": now, "updated_at": now, "view_count": 0, "helpful_count": 0}
                                       for i in range(1, 51)])
        conn.execute(insert(ArticleRevision), [
            {"id": i, "article_id": i, "number": 1, "status": "approved", "title": f"{rnd.choice(TITLES)}的处理方法",
             "body": "处理步骤……", "symptom": "", "cause": "", "steps": "", "services": ["broadband"], "category": "",
             "tags": [], "fault_codes": [], "device_models": [], "visibility": "public", "extra": {},
             "author_id": 1 + i, "created_at": now, "updated_at": now, "version": 1} for i in range(1, 51)])
        conn.execute(text("UPDATE articles SET status = 'approved', live_revision_id = id"))
        conn.execute(insert(SlaPolicyRule), [{**vars(rule), "updated_at": now} for rule in DEFAULT_RULES])

        def title(base: str) -> str:
            # A third of the titles name the place (a long tail of rare words, like real tickets).
            return f"{places(trng)}{base}" if trng.random() < PLACE_SHARE else base

        def incident_rows() -> Iterator[dict[str, Any]]:
            for i in range(1, n_incidents + 1):
                created = now - timedelta(minutes=rnd.randrange(2 * 365 * 24 * 60))
                sub = rnd.randrange(1, n_subscribers + 1)
                zone = sub % 200 + 1
                roll = rnd.random()
                status = ("closed" if roll < 0.855 else "cancelled" if roll < 0.86 else "resolved" if roll < 0.89
                          else "in_progress" if roll < 0.94 else "assigned" if roll < 0.97 else "pending" if roll < 0.98
                          else "new")
                open_ = status in ("new", "assigned", "in_progress", "pending")
                if open_:
                    created = now - timedelta(minutes=rnd.randrange(7 * 24 * 60))
                category = rnd.choice(CATEGORIES)
                hours = {"fault": 4, "complaint": 2, "request": 24, "consultation": 24}[category]
                done = status in ("resolved", "closed")
                resolved = created + timedelta(minutes=rnd.randrange(int(hours * 90))) if done else None
                yield {
                    "id": i, "number": f"INC{created:%Y%m%d}-{i:07d}", "title": title(rnd.choice(TITLES)),
                    "description": "用户来电反映：" + rnd.choice(TITLES) + "，请尽快处理。",
                    "service": rnd.choice(SERVICES),
                    "category": category, "area": "urban" if zone % 3 else "township",
                    "customer_account": f"GD{sub:08d}", "channel": rnd.choice(["hotline", "portal", "field"]),
                    "priority": "normal", "status": status, "tier": 1 if rnd.random() < 0.8 else 2,
                    "reporter_id": 1001 + sub % 5000, "created_by_id": rnd.randrange(1, 301),
                    "assignee_id": None if status == "new" else 50 + zone,
                    "solution_id": rnd.randrange(1, 51) if status == "closed" else None,
                    "verified": status == "closed", "resolution_note": "", "reopen_count": 0,
                    "cancel_reason": "用户重复报障，已撤销" if status == "cancelled" else "", "duplicate_of_id": None,
                    "subscriber_id": sub, "zone_id": zone, "group_id": (zone - 1) // 4 + 1, "repeat_of_id": None,
                    "respond_by": created + timedelta(minutes=30), "resolve_by": created + timedelta(hours=hours),
                    "sla_calendar": "24x7",
                    "paused_at": created + timedelta(minutes=20) if status == "pending" else None,
                    "responded_at": created + timedelta(minutes=10),
                    "resolved_at": resolved, "closed_at": resolved + timedelta(hours=2) if status == "closed" else None,
                    "created_at": created, "updated_at": created, "version": 1,
                }

        for batch in batches(incident_rows()):
            conn.execute(insert(Incident), batch)
        for batch in batches({"incident_id": i, "actor_id": None, "at": now, "action": "create", "field": "status",
                              "old": None, "new": "new", "note": ""} for i in range(1, n_incidents + 1)):
            conn.execute(insert(IncidentEvent), batch)
        add_report_types(conn)
        add_visits(conn, random.Random(seed + 3), now)
        fill_terms(conn)
        conn.execute(text("ANALYZE"))
    return {"seconds": round(time.perf_counter() - t0, 1), "staff_ids": list(range(1, 301))}


def add_report_types(conn: Connection) -> None:
    """A report type of the catalogue's for nine incidents in ten, spread over its service's shipped types by
    the incident's id (one UPDATE, no random draws)."""
    from sqlalchemy import case, update

    from kb.vocabulary import REPORT_TYPES
    from servicedesk.incidents.models import Incident

    by_service = {service: case(dict(enumerate(types)), value=(Incident.id // 10) % len(types))
                  for service, types in REPORT_TYPES.items() if types}
    conn.execute(update(Incident).values(report_type=case(
        (Incident.id % 10 == 0, None), else_=case(by_service, value=Incident.service))))


def add_visits(conn: Connection, rnd: random.Random, now: datetime) -> dict[str, int]:
    """Every incident past "new" dispatched 5–40 minutes after its report (an assignment in its history); 70% of
    the dispatched faults and requests given a visit window, mostly agreed within the half hour; 85% of the
    visits to resolved or closed ones with an arrival, mostly inside the window: what the appointment promises
    count. Its own random draws, so the rest of the generated data is unchanged."""
    from servicedesk.incidents.models import Appointment, FieldWork, Incident, IncidentEvent

    events: list[dict[str, Any]] = []
    windows: list[dict[str, Any]] = []
    visits: list[dict[str, Any]] = []
    counts = {"assignments": 0, "windows": 0, "arrivals": 0}

    def flush(force: bool = False) -> None:
        for table, rows, name in ((IncidentEvent, events, "assignments"), (Appointment, windows, "windows"),
                                  (FieldWork, visits, "arrivals")):
            if rows and (force or len(rows) >= 20_000):
                conn.execute(insert(table), rows)
                counts[name] += len(rows)
                rows.clear()

    query = select(Incident.id, Incident.created_at, Incident.status, Incident.category, Incident.assignee_id) \
        .where(Incident.assignee_id.is_not(None)).order_by(Incident.id)
    for row in conn.execute(query).all():
        dispatched = row.created_at + timedelta(minutes=rnd.randrange(5, 40))
        if dispatched >= now:
            continue
        events.append({"incident_id": row.id, "actor_id": None, "at": dispatched, "action": "assign",
                       "field": "assignee", "old": None, "new": f"agent{row.assignee_id:03d}", "note": ""})
        category = getattr(row.category, "value", row.category)
        if category in ("fault", "request") and rnd.random() < 0.7:
            made = dispatched + timedelta(minutes=rnd.randrange(3, 28) if rnd.random() < 0.8
                                          else rnd.randrange(35, 120))
            starts = made + timedelta(minutes=rnd.choice((60, 90, 120, 180)))
            if made < now:
                windows.append({"incident_id": row.id, "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                                "agreed_with": "用户本人", "engineer_id": row.assignee_id, "note": "", "reason": "",
                                "made_by_id": row.assignee_id, "made_at": made, "ended_at": None,
                                "cancel_reason": ""})
                arrived = starts + timedelta(minutes=rnd.randrange(-10, 100) if rnd.random() < 0.85
                                             else rnd.randrange(125, 200))
                status = getattr(row.status, "value", row.status)
                if status in ("resolved", "closed") and arrived < now and rnd.random() < 0.85:
                    visits.append({"incident_id": row.id, "arrived_at": arrived, "completed_at": None})
        flush()
    flush(force=True)
    return counts


def place_names(seed: int) -> Zipf:
    """The place names of bench/generate.py (hundreds, Zipf-distributed): the rarest is the last."""
    return Vocabulary(random.Random(seed)).zone


def fill_terms(conn: Connection) -> int:
    """The title word index of every incident, set-based: the analyzer cuts each distinct title once, in
    Python (tens of microseconds a title), then one INSERT … SELECT joins titles to their words. The
    incident_id index is built after the rows, which is cheaper than keeping it up to date."""
    from servicedesk.incidents.terms import title_terms

    titles = list(conn.scalars(text("SELECT DISTINCT title FROM incidents")))
    conn.execute(text("DROP TABLE IF EXISTS bench_title_terms"))
    conn.execute(text("CREATE TEMPORARY TABLE bench_title_terms (title VARCHAR(200), term VARCHAR(40))"))
    rows = ({"title": t, "term": w} for t in titles for w in sorted(title_terms(t)))
    for batch in batches(rows):
        conn.execute(text("INSERT INTO bench_title_terms (title, term) VALUES (:title, :term)"), batch)
    conn.execute(text("DELETE FROM incident_terms"))
    conn.execute(text("DROP INDEX IF EXISTS ix_incident_terms_incident_id"))
    conn.execute(text("INSERT INTO incident_terms (term, incident_id) SELECT t.term, i.id FROM incidents i "
                      "JOIN bench_title_terms t ON t.title = i.title ORDER BY t.term, i.id"))
    conn.execute(text("CREATE INDEX ix_incident_terms_incident_id ON incident_terms (incident_id)"))
    conn.execute(text("DROP TABLE bench_title_terms"))
    return len(titles)


def ensure_schema(engine: Engine, refill_terms: bool = False) -> None:
    """On a reused database: the tables and indexes the models gained since it was generated, and (asked,
    or none there) the title word index written again by the current rules."""
    from servicedesk.db import load_models

    load_models()
    from servicedesk.incidents.sla import DEFAULT_RULES
    from servicedesk.incidents.terms import NO_PARALLEL
    from servicedesk.org.models import SlaPolicyRule

    Base.metadata.create_all(engine)  # new tables (with their indexes)
    with engine.begin() as conn:
        present = inspect(conn)
        for table in Base.metadata.sorted_tables:  # new columns: with their server default, or nullable
            have = {c["name"] for c in present.get_columns(table.name)}
            for column in table.columns:
                if column.name in have:
                    continue
                kind = column.type.compile(engine.dialect)
                if column.server_default is not None:
                    default = column.server_default.arg  # type: ignore[attr-defined]
                    conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind} "
                                      f"NOT NULL DEFAULT '{default}'"))
                elif column.nullable:  # e.g. incidents.problem_id: empty on every generated row
                    conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
        fill_phone_rev(conn)  # added just now with its default '': the lookup's last digits would miss them all
        for table in Base.metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)
        if engine.dialect.name == "postgresql":
            conn.execute(NO_PARALLEL)  # generated before the table said so
        if conn.scalar(select(func.count()).select_from(SlaPolicyRule)) == 0:  # generated before policies were rows
            now = datetime.now(UTC)
            conn.execute(insert(SlaPolicyRule), [{**vars(rule), "updated_at": now} for rule in DEFAULT_RULES])
        if refill_terms or conn.scalar(text("SELECT count(*) FROM (SELECT 1 FROM incident_terms LIMIT 1) t")) == 0:
            fill_terms(conn)
    settle(engine)


def fill_phone_rev(conn: Connection) -> None:
    """subscribers.phone_rev where it is empty though the phone is not (what migration 0040 does)."""
    from servicedesk.org.models import reversed_digits

    if conn.dialect.name == "postgresql":
        conn.execute(text("UPDATE subscribers SET phone_rev = reverse(regexp_replace(phone, '[^0-9]', '', 'g'))"
                          " WHERE phone_rev = '' AND phone <> ''"))
        return
    conn.connection.driver_connection.create_function(  # type: ignore[union-attr]
        "reversed_digits", 1, reversed_digits, deterministic=True)
    conn.execute(text("UPDATE subscribers SET phone_rev = reversed_digits(phone) WHERE phone_rev = '' AND phone <> ''"))


def settle(engine: Engine) -> None:
    """Statistics for the planner and, on PostgreSQL, the visibility map that index-only scans need:
    the state autovacuum keeps a live database in, which a bulk load has not reached yet."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # the generator wrote the ids itself: move the sequences past them
            present = set(inspect(conn).get_table_names())
            for table in Base.metadata.sorted_tables:
                if table.name in present and "id" in table.c and table.c.id.primary_key:
                    conn.execute(select(func.setval(func.pg_get_serial_sequence(table.name, "id"),
                                                    func.coalesce(func.max(table.c.id), 0) + 1, False)))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    out: list[float] = []
    fn()  # warm
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--incidents", type=int, default=1_000_000)
    ap.add_argument("--subscribers", type=int, default=200_000)
    ap.add_argument("--database-url", default="")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--reuse", action="store_true", help="measure an already generated database")
    ap.add_argument("--refill-terms", action="store_true",
                    help="with --reuse: write the title word index again (after its rules changed)")
    ap.add_argument("--only", default="", help="measure only what matches this regular expression "
                    "(the SLA check rewrites due times: run it last, or on a fresh database)")
    args = ap.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{RESULTS / f'incidents-{args.incidents}.db'}"

    from flask_login import FlaskLoginClient

    from servicedesk import create_app, db
    from servicedesk.incidents import services as svc
    from servicedesk.org.services import check_sla
    from servicedesk.users.models import User
    from servicedesk.users.services import issue_token

    engine = db.make_engine(url)
    gen: dict[str, Any] = {}
    if args.reuse:
        ensure_schema(engine, args.refill_terms)
        settle(engine)  # a run's SLA check rewrote 200k rows: measure again as autovacuum would have left them
    else:
        if url.startswith("sqlite"):
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            engine = db.make_engine(url)
        print(f"generating {args.incidents:,} incidents, {args.subscribers:,} subscribers into {engine.url} ...",
              flush=True)
        gen = generate(engine, args.incidents, args.subscribers)
        settle(engine)
        print(f"  generated in {gen['seconds']} s", flush=True)

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(RESULTS / "instance"),
                      "INDEX_DIR": str(RESULTS / "instance" / "index"), "WTF_CSRF_ENABLED": False,
                      "SESSION_COOKIE_SECURE": False})
    app.test_client_class = FlaskLoginClient
    rnd = random.Random(11)
    results: dict[str, Any] = {"database": engine.dialect.name, "incidents": args.incidents,
                               "subscribers": args.subscribers, "generate": gen.get("seconds"),
                               "machine": machine(engine)}
    print(f"{'machine':36} {results['machine']}", flush=True)
    with app.app_context():
        s = db.session()
        agent = s.get(User, 51)
        assert agent is not None
        token = issue_token(s, agent)
        s.commit()
        page = app.test_client(user=agent)  # type: ignore[call-arg]
        api = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        max_id = int(s.scalar(text("SELECT max(id) FROM incidents")) or 1)

        def get(client: Any, path: str, **kw: Any) -> None:
            # One app context spans the run, and Flask-Login keeps the user it loaded in `g`: without this
            # a request would act as whoever the previous one was (a subscriber's token, then an agent's page).
            g.pop("_login_user", None)
            resp = client.get(path, **kw)
            if resp.status_code != 200:
                raise SystemExit(f"{path} answered {resp.status_code}")

        probe = s.execute(text("SELECT i.number, sub.phone FROM incidents i JOIN subscribers sub "
                               "ON sub.id = i.subscriber_id WHERE i.id = :id"), {"id": max_id // 2}).one()
        week_ago = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
        rare_place, common_place = place_names(7).items[-1], place_names(7).items[0]
        pages = {
            "queue: mine": "/desk/incidents?tab=mine",
            "queue: my team": "/desk/incidents?tab=team",
            "queue: unassigned": "/desk/incidents?tab=unassigned",
            "queue: at risk": "/desk/incidents?tab=at_risk",
            "queue: breached": "/desk/incidents?tab=breached",
            "queue: awaiting verification": "/desk/incidents?tab=awaiting",
            "queue: open": "/desk/incidents?tab=open",
            "queue: open, due soonest": "/desk/incidents?tab=open&sort=resolve_by",
            "queue: open, oldest first": "/desk/incidents?tab=open&sort=oldest",
            "queue: filtered (service+area)": "/desk/incidents?tab=open&service=broadband&area=township",
            "queue: zone + SLA breached": "/desk/incidents?tab=open&zone=Z001&sla=breached",
            "queue: assignee, everything": "/desk/incidents?tab=all&assignee=agent051",
            "queue: last 7 days, closed": f"/desk/incidents?tab=closed&created_from={week_ago}",
            "queue: search account": "/desk/incidents?tab=all&q=GD00012345",
            "queue: search phone": f"/desk/incidents?tab=all&q={probe.phone}",
            "queue: search number": f"/desk/incidents?tab=all&q={probe.number}",
            # Title words, by the word index: a common word (光猫, in one title of 14), a rare one (the rarest
            # place name), a fault code, Chinese with English, two words, and two common words that never
            # stand together (the worst case: every row of the view is checked).
            "queue: search title, common word": "/desk/incidents?tab=open&q=光猫",
            "queue: search title, common word, all": "/desk/incidents?tab=all&q=光猫",
            "queue: search title, rare word": f"/desk/incidents?tab=all&q={rare_place}",
            "queue: search title, code": "/desk/incidents?tab=all&q=E-102",
            "queue: search title, mixed": "/desk/incidents?tab=open&q=IPTV 卡顿",
            "queue: search title, place + word": f"/desk/incidents?tab=all&q={common_place} 掉线",
            "queue: search title, never together": "/desk/incidents?tab=open&q=光猫 遥控器",
            "queue: page 50": "/desk/incidents?tab=open&page=50",
            "queue: everything": "/desk/incidents?tab=all",
            "queue: report type, open": "/desk/incidents?tab=open&report_type=broadband:los_red",
            "queue: report type, everything": "/desk/incidents?tab=all&report_type=cable_tv:mosaic",
            "queue: open, highest tier first": "/desk/incidents?tab=open&sort=tier",
            "queue: open, most chased first": "/desk/incidents?tab=open&sort=chases",
            "queue: everything, highest tier first": "/desk/incidents?tab=all&sort=tier",
            "subscribers: search phone": f"/desk/subscribers?q={probe.phone[:7]}",
            "notifications": "/notifications",
        }
        apis = {
            "api: open list": "/api/v1/incidents?status=in_progress",
            "api: open states merged": "/api/v1/incidents?status=new,assigned,in_progress,pending",
            "api: assignee": f"/api/v1/incidents?assignee={agent.username}",
            "api: area+status": "/api/v1/incidents?status=resolved&area=township",
            "api: area+open states": "/api/v1/incidents?status=new,assigned,in_progress,pending&area=township",
            "api: zone + sla breached": "/api/v1/incidents?zone=Z001&sla_state=breached",
            "api: everything": "/api/v1/incidents",
            "api: report type": "/api/v1/incidents?report_type=los_red&service=broadband",
            "api: q account": "/api/v1/incidents?q=GD00012345",
            "api: q phone": f"/api/v1/incidents?q={probe.phone}",
            "api: q number": f"/api/v1/incidents?q={probe.number}",
            "api: q title word": "/api/v1/incidents?q=光猫",
            "api: q title word, open": "/api/v1/incidents?q=光猫&status=new,assigned,in_progress,pending",
            "api: q title, rare word": f"/api/v1/incidents?q={rare_place}",
            "api: q title, code": "/api/v1/incidents?q=E-102",
            "api: q title, mixed": "/api/v1/incidents?q=IPTV 卡顿&status=new,assigned,in_progress,pending",
            "api: q title, place + word": f"/api/v1/incidents?q={common_place} 掉线",
            "api: q title, never together": "/api/v1/incidents?q=光猫 遥控器&status=new,assigned,in_progress,pending",
        }
        def wanted(name: str) -> bool:
            return not args.only or re.search(args.only, name) is not None

        def measure(name: str, fn: Callable[[], Any]) -> None:
            if wanted(name):
                results[name] = summary(timed(fn, args.requests))
                print(f"{name:36} {results[name]}", flush=True)

        for name, path in pages.items():
            measure(name, lambda p=path: get(page, p))
        for name, path in apis.items():
            measure(name, lambda p=path: get(api, p, headers=headers))
        # A subscriber's own list (the reporter filter) and search, with their own token.
        reporter = s.get(User, int(s.scalar(text("SELECT reporter_id FROM incidents WHERE id = :id"),
                                             {"id": max_id // 3}) or 1001))
        if reporter is not None and wanted("api: subscriber"):
            own = {"Authorization": f"Bearer {issue_token(s, reporter)}"}
            s.commit()
            measure("api: subscriber's own", lambda: get(api, "/api/v1/incidents", headers=own))
            measure("api: subscriber's own, q", lambda: get(api, "/api/v1/incidents?q=光猫", headers=own))
        measure("incident page", lambda: get(page, f"/desk/incidents/{rnd.randrange(1, max_id)}"))
        measure("api: incident", lambda: get(api, f"/api/v1/incidents/{rnd.randrange(1, max_id)}", headers=headers))

        def create() -> None:
            account = f"GD{rnd.randrange(1, args.subscribers):08d}"
            svc.create_incident(s, agent, {"title": "光猫红灯闪，无法上网", "description": "用户来电",
                                           "service": "broadband", "category": "fault", "customer_account": account})
            s.commit()

        measure("create incident (service + commit)", create)
        if not wanted("sla check"):
            return _write(results, engine.dialect.name, args.incidents)

        # SLA check over 100k open incidents, all past due. What it changes is put back afterwards, so the
        # database can be measured again (--reuse) with its realistic due times.
        marks = {"incident_events": int(s.scalar(text("SELECT coalesce(max(id), 0) FROM incident_events")) or 0),
                 "notifications": int(s.scalar(text("SELECT coalesce(max(id), 0) FROM notifications")) or 0)}
        open_ids = int(s.scalar(text("SELECT count(*) FROM incidents WHERE status IN "
                                     "('new','assigned','in_progress','pending')")) or 0)
        extra = max(0, 100_000 - open_ids)
        s.execute(text("DROP TABLE IF EXISTS bench_saved"))
        s.execute(text("CREATE TABLE bench_saved AS SELECT id, status, resolve_by, paused_at "
                       "FROM incidents WHERE status IN ('new','assigned','in_progress','pending') OR id IN ("
                       "SELECT id FROM incidents "
                       "WHERE status = 'resolved' ORDER BY id LIMIT :n)"), {"n": extra})
        s.execute(text("UPDATE incidents SET status = 'in_progress', paused_at = NULL, resolve_by = created_at "
                       "WHERE id IN (SELECT id FROM bench_saved)"))
        s.execute(text("DELETE FROM incident_sla_breaches"))
        s.commit()
        settle(engine)  # as autovacuum would have, between the incidents' last changes and the cron run
        t = time.perf_counter()
        report = check_sla(s)
        s.commit()
        results["sla check"] = {"seconds": round(time.perf_counter() - t, 2), "breached": report.breached,
                                "notified": report.notified}
        s.execute(text("UPDATE incidents SET status = b.status, resolve_by = b.resolve_by, paused_at = b.paused_at "
                       "FROM bench_saved b WHERE incidents.id = b.id"))
        s.execute(text("DELETE FROM incident_sla_breaches"))
        s.execute(text("DELETE FROM incident_events WHERE id > :m"), {"m": marks["incident_events"]})
        s.execute(text("DELETE FROM notifications WHERE id > :m"), {"m": marks["notifications"]})
        s.execute(text("DROP TABLE bench_saved"))
        s.commit()
        print(f"{'sla check':36} {results['sla check']}", flush=True)
    return _write(results, engine.dialect.name, args.incidents)


def _write(results: dict[str, Any], dialect: str, n: int) -> int:
    out = RESULTS / f"incidents-{dialect}-{n}.json"
    if out.exists():  # a partial run (--only) adds to the figures of earlier runs
        results = {**json.loads(out.read_text()), **results}
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
