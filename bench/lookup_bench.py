"""Hotline caller lookup benchmark: `servicedesk.incidents.intake.lookup_callers` over a large subscriber base.

    .venv/bin/python -m bench.lookup_bench [--subscribers 500000] [--lookups 200] \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/helper_bench] [--reuse]

Generates N subscribers into a fresh schema (a SQLite file under bench/results/ by default) with set-based
bulk inserts: Chinese names (a surname and one or two given characters, drawn Zipf-like), 11-digit mobile
numbers, accounts like the demo's (KD-<zone>-<seven digits>). Then times `--lookups` lookups through the
service, mixed evenly over the kinds an agent types: the last four digits of a phone, a whole phone, the
start of an account, a surname, a two-character name, one character of a given name (a part that is not the
name's start), and a name nobody has (the worst case of a contains-search: nothing stops it early). Prints
the median and p95 per kind, in ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.generate import Zipf, fresh_schema  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧建国平红玉兰桂春霞海波鹏飞婷雪梅宇浩辉刚健鑫"
ZONES = ["CD", "NH", "QS", "LH", "XC", "BJ", "HX", "SQ", "TY", "JK"]
ABSENT = ["欧阳", "司马", "诸葛亮", "上官"]  # surnames the generator never draws
KINDS = ("last 4 digits", "whole phone", "account prefix", "surname", "2-char name", "given name", "absent name")


def subscribers(n: int, seed: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    surname, given = Zipf(list(SURNAMES), rng), Zipf(list(GIVEN), rng, s=0.8)
    now = datetime.now(UTC)
    for i in range(1, n + 1):
        name = surname(rng) + given(rng) + (given(rng) if rng.random() < 0.6 else "")
        yield {"id": i, "account": f"KD-{ZONES[i % len(ZONES)]}-{3200000 + i:07d}", "name": name,
               "phone": rng.choice(["13", "15", "18", "17"]) + f"{rng.randrange(10**9):09d}",
               "address": f"城东路{i % 999}号", "zone_id": None, "service_level": "normal", "user_id": None,
               "created_at": now}


def generate(engine: Engine, n: int, seed: int) -> float:
    from servicedesk.db import load_models

    load_models()
    from servicedesk.org.models import Subscriber

    t0 = time.perf_counter()
    with engine.begin() as conn:
        fresh_schema(conn)
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for row in subscribers(n, seed):
            batch.append(row)
            if len(batch) == 5000:
                conn.execute(insert(Subscriber), batch)  # phone_rev: the column's default, per row
                batch = []
        if batch:
            conn.execute(insert(Subscriber), batch)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE subscribers" if engine.dialect.name == "postgresql" else "ANALYZE"))
    return time.perf_counter() - t0


def queries(s: Session, count: int, seed: int) -> list[tuple[str, str]]:
    from servicedesk.org.models import Subscriber

    rng = random.Random(seed + 1)
    top = s.scalar(select(func.max(Subscriber.id))) or 0
    out: list[tuple[str, str]] = []
    for k in range(count):
        kind = KINDS[k % len(KINDS)]
        sub = s.get(Subscriber, rng.randrange(1, top + 1))
        assert sub is not None
        s.expunge(sub)
        out.append((kind, {"last 4 digits": sub.phone[-4:], "whole phone": sub.phone,
                           "account prefix": sub.account[:-2], "surname": sub.name[0],
                           "2-char name": sub.name[:2], "given name": sub.name[-1],
                           "absent name": rng.choice(ABSENT) + rng.choice(GIVEN)}[kind]))
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subscribers", type=int, default=500_000)
    ap.add_argument("--lookups", type=int, default=200)
    ap.add_argument("--database-url", default="")
    ap.add_argument("--reuse", action="store_true", help="measure an already generated database")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    from servicedesk.db import make_engine
    from servicedesk.incidents import intake

    RESULTS.mkdir(exist_ok=True)
    url = args.database_url or f"sqlite:///{RESULTS / f'lookup-{args.subscribers}.db'}"
    engine = make_engine(url)
    if not args.reuse:
        print(f"generating {args.subscribers:,} subscribers into {engine.url} ...", flush=True)
        print(f"generated in {generate(engine, args.subscribers, args.seed):.1f} s", flush=True)
    with Session(engine) as s:
        mix = queries(s, args.lookups, args.seed)
        s.rollback()
        for _, q in mix[:len(KINDS) * 2]:  # warm the caches and the connection
            intake.lookup_callers(s, q)
            s.rollback()
        times: dict[str, list[float]] = {kind: [] for kind in KINDS}
        found: dict[str, list[int]] = {kind: [] for kind in KINDS}
        for kind, q in mix:
            t0 = time.perf_counter()
            hits = intake.lookup_callers(s, q)
            times[kind].append((time.perf_counter() - t0) * 1000)
            found[kind].append(len(hits))
            s.rollback()
    print(f"{engine.dialect.name}, {args.subscribers:,} subscribers, {args.lookups} lookups "
          f"(load average {' '.join(f'{x:.2f}' for x in __import__('os').getloadavg())})")
    print(f"{'kind':<16}{'n':>4}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}{'hits (median)':>15}")
    everything: list[float] = []
    for kind in KINDS:
        ms = times[kind]
        everything += ms
        print(f"{kind:<16}{len(ms):>4}{statistics.median(ms):>11.1f}{percentile(ms, 95):>9.1f}{max(ms):>9.1f}"
              f"{statistics.median(found[kind]):>15.0f}")
    print(f"{'all':<16}{len(everything):>4}{statistics.median(everything):>11.1f}{percentile(everything, 95):>9.1f}"
          f"{max(everything):>9.1f}")
    engine.dispose()


if __name__ == "__main__":
    main()
