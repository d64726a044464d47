"""The search relevance evaluation: labelled queries over the demo knowledge base, R@1, R@5 and MRR per kind.

Run: `.venv/bin/python -m bench.relevance.evaluate` (add `--misses` to list the queries whose relevant article
is not first). The queries (`queries.tsv`) are written from the domain, as subscribers, agents and field staff
type them; each names the demo articles (servicedesk/demo_content.py keys) that answer it. The index holds the
demo's approved articles as the demo loads them, searched as an agent (internal articles included) through
kb.search.service, the function the desk, the portal and the API use.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kb.actors import Role
from kb.search.index import SearchIndex
from kb.search.schema import make_document
from kb.search.service import search_articles
from servicedesk.demo_content import ARTICLES, DemoArticle

QUERIES = Path(__file__).with_name("queries.tsv")
KINDS = ("code", "colloquial", "synonym", "long", "mixed", "english")
LIVE_FATES = {"approved", "revised", "resubmitted"}  # revised: the approved revision stays live
_DOC_FIELDS = set(inspect.signature(make_document).parameters)


@dataclass(frozen=True)
class Query:
    kind: str
    relevant: frozenset[str]
    text: str


@dataclass(frozen=True)
class _Agent:
    id: int
    role: Role


AGENT = _Agent(1, Role.AGENT)


def load_queries(path: Path = QUERIES) -> list[Query]:
    out: list[Query] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        kind, keys, text = line.split("\t")
        if kind not in KINDS:
            raise ValueError(f"{path.name}:{n}: unknown kind {kind!r}")
        out.append(Query(kind, frozenset(k.strip() for k in keys.split(",")), text.strip()))
    return out


def live_articles() -> list[DemoArticle]:
    return [a for a in ARTICLES if a.fate in LIVE_FATES]


def documents(articles: Iterable[DemoArticle]) -> Iterable[tuple[str, dict[str, Any]]]:
    now = datetime(2026, 1, 1, 9, 0)
    for n, a in enumerate(articles, 1):
        fields = dict(a.data)
        if a.fate == "resubmitted" and a.fix:
            fields.update(a.fix)
        fields = {k: v for k, v in fields.items() if k in _DOC_FIELDS}
        fields.update(id=n, status="approved", author=1, updated=now - timedelta(days=a.days_ago))
        yield a.key, make_document(**fields)


def build_index(path: Path) -> tuple[SearchIndex, dict[int, str]]:
    ix = SearchIndex(path)
    docs = list(documents(live_articles()))
    ix.rebuild(doc for _, doc in docs)
    return ix, {int(doc["id"]): key for key, doc in docs}


@dataclass
class Scores:
    n: int = 0
    at1: int = 0
    at5: int = 0
    rr: float = 0.0

    def add(self, rank: int | None) -> None:
        self.n += 1
        if rank is not None:
            self.at1 += rank == 1
            self.at5 += rank <= 5
            self.rr += 1.0 / rank

    def figures(self) -> dict[str, float]:
        n = self.n or 1
        return {"R@1": self.at1 / n, "R@5": self.at5 / n, "MRR": self.rr / n}


def rank_of(ix: SearchIndex, keys: dict[int, str], q: Query) -> tuple[int | None, list[str]]:
    result = search_articles(ix, AGENT, q.text, per_page=10)
    found = [keys.get(h.id, "?") for h in result.items]
    for i, key in enumerate(found, 1):
        if key in q.relevant:
            return i, found
    return None, found


def evaluate(ix: SearchIndex, keys: dict[int, str], queries: list[Query],
             misses: list[tuple[Query, int | None, list[str]]] | None = None) -> dict[str, dict[str, float]]:
    """Figures per kind and for "all"."""
    scores = {kind: Scores() for kind in ("all", *KINDS)}
    for q in queries:
        rank, found = rank_of(ix, keys, q)
        scores[q.kind].add(rank)
        scores["all"].add(rank)
        if misses is not None and rank != 1:
            misses.append((q, rank, found))
    return {kind: {**s.figures(), "n": s.n} for kind, s in scores.items() if s.n}


def report(figures: dict[str, dict[str, float]]) -> str:
    lines = [f"{'kind':<12}{'n':>5}{'R@1':>8}{'R@5':>8}{'MRR':>8}"]
    for kind, f in figures.items():
        lines.append(f"{kind:<12}{int(f['n']):>5}{f['R@1']:>8.3f}{f['R@5']:>8.3f}{f['MRR']:>8.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list queries whose relevant article is not first")
    args = parser.parse_args(argv)
    queries = load_queries()
    with tempfile.TemporaryDirectory() as tmp:
        ix, keys = build_index(Path(tmp) / "index")
        misses: list[tuple[Query, int | None, list[str]]] = []
        figures = evaluate(ix, keys, queries, misses)
    print(report(figures))
    if args.misses:
        for q, rank, found in misses:
            print(f"[{q.kind}] rank={rank} want={','.join(sorted(q.relevant))} q={q.text[:40]!r} got={found[:5]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
