"""Synonyms, expanded at query time: 光猫 = ONU = 光调制解调器; 网断了 ≈ 无法上网 ≈ 上不了网.

The shipped groups live in synonyms.txt (one group a line, terms separated by '=' or ',');
the leads' groups (kb.lexicon, in the database) are fed in through set_extra_groups(), and
reload() re-reads the file. Expansion happens in the query, never in the index, so a new
group works at once without reindexing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")
# The bilingual O&M glossary (English <-> Chinese), shipped and expanded like the synonyms.
GLOSSARY_FILE = Path(__file__).with_name("glossary.txt")
_SPLIT = re.compile(r"\s*[=＝,，、≈\n]\s*")


@dataclass(frozen=True)
class SynonymMatch:
    start: int
    end: int
    terms: tuple[str, ...]  # the whole group, the matched term first


def _clean(term: str) -> str:
    return " ".join(term.split())


def split_terms(text: str) -> list[str]:
    """The terms of one group as written: separated by '=', ',', '≈' (or their full-width forms)."""
    return [_clean(t) for t in _SPLIT.split(text) if _clean(t)]


def parse_lines(lines: Iterable[str]) -> list[tuple[str, ...]]:
    """Groups from synonyms-file lines; '#' starts a comment, blank lines are skipped."""
    groups: list[tuple[str, ...]] = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        terms = tuple(dict.fromkeys(split_terms(line)))
        if len(terms) > 1:
            groups.append(terms)
    return groups


class SynonymTable:
    """Equivalence groups and a matcher that finds their terms in a query, longest first."""

    def __init__(self, groups: Iterable[Sequence[str]] = ()) -> None:
        merged: dict[str, set[str]] = {}
        for group in groups:
            terms = {_clean(t) for t in group if _clean(t)}
            # A term in two groups joins them: synonymy is transitive for the reader.
            joined = set(terms)
            for t in terms:
                joined |= merged.get(t.lower(), set())
            for t in joined:
                merged[t.lower()] = joined
        self._groups: dict[str, tuple[str, ...]] = {
            key: tuple(sorted(terms, key=lambda t: (-len(t), t))) for key, terms in merged.items()
        }
        self._pattern = self._compile(sorted(self._groups, key=len, reverse=True))
        self._by_token: dict[str, str] | None = None

    @staticmethod
    def _compile(keys: list[str]) -> re.Pattern[str] | None:
        if not keys:
            return None
        parts = []
        for key in keys:
            body = re.escape(key).replace(r"\ ", r"\s+")
            # ASCII ends must not run into more letters or digits (ONU, not ONUs).
            if key[0].isascii() and key[0].isalnum():
                body = r"(?<![A-Za-z0-9])" + body
            if key[-1].isascii() and key[-1].isalnum():
                body += r"(?![A-Za-z0-9])"
            parts.append(body)
        return re.compile("|".join(parts), re.IGNORECASE)

    def __len__(self) -> int:
        return len({id(g) for g in self._groups.values()})

    def groups(self) -> list[tuple[str, ...]]:
        seen: dict[tuple[str, ...], None] = {}
        for g in self._groups.values():
            seen.setdefault(g, None)
        return list(seen)

    def alternatives(self, term: str) -> tuple[str, ...]:
        """The group of term (term first), or just (term,) when it has no synonyms."""
        group = self._groups.get(_clean(term).lower())
        if group is None:
            return (term,)
        return (term, *(t for t in group if t.lower() != term.lower()))

    def by_token(self, token: str) -> tuple[str, ...] | None:
        """The group of a term that analyses to this one token (dialing -> dial -> 拨号 ...)."""
        if self._by_token is None:
            from kb.search.analyzer import tokens

            index: dict[str, str] = {}
            for key in self._groups:
                toks = tokens(key)
                if len(toks) == 1:
                    index.setdefault(toks[0], key)
            self._by_token = index
        found = self._by_token.get(token)
        if found is None:
            return None
        group = self._groups[found]
        term = next((t for t in group if t.lower() == found), found)
        return (term, *(t for t in group if t.lower() != found))

    def find(self, text: str) -> list[SynonymMatch]:
        """Non-overlapping synonym terms in text, leftmost-longest."""
        if self._pattern is None:
            return []
        out = []
        for m in self._pattern.finditer(text):
            key = " ".join(m.group(0).split()).lower()
            group = self._groups.get(key)
            if group is not None:
                out.append(SynonymMatch(m.start(), m.end(), self.alternatives(m.group(0))))
        return out


_lock = threading.Lock()
_extra: list[tuple[str, ...]] = []
_table: SynonymTable | None = None


def shipped_groups() -> list[tuple[str, ...]]:
    """The groups of the shipped synonyms file, in file order."""
    return _shipped()


def extra_groups() -> list[tuple[str, ...]]:
    """The groups set by set_extra_groups() (the leads' groups), in force in this process."""
    return list(_extra)


def _shipped() -> list[tuple[str, ...]]:
    groups: list[tuple[str, ...]] = []
    for path in (SYNONYMS_FILE, GLOSSARY_FILE):
        if path.exists():
            groups += parse_lines(path.read_text(encoding="utf-8").splitlines())
    return groups


def current() -> SynonymTable:
    """The table in force: the shipped file plus the groups set by set_extra_groups()."""
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                _table = SynonymTable([*_shipped(), *_extra])
    return _table


def set_extra_groups(groups: Iterable[Sequence[str]]) -> SynonymTable:
    """Replaces the extra groups (e.g. a lead-managed database table) and rebuilds the table."""
    global _table, _extra
    cleaned = [tuple(g) for g in groups]
    with _lock:
        _extra = cleaned
        _table = SynonymTable([*_shipped(), *_extra])
        return _table


def reload() -> SynonymTable:
    """Re-reads the shipped synonyms file (keeping the extra groups)."""
    global _table
    with _lock:
        _table = SynonymTable([*_shipped(), *_extra])
        return _table


def load(groups: Iterable[Sequence[str]]) -> SynonymTable:
    """Alias of set_extra_groups() for callers that feed groups from the database."""
    return set_extra_groups(groups)
