"""From what a user types to a search plan: clauses with their alternatives, filters, exclusions.

Query language: free text (Chinese, English, codes, mixed), "quoted phrases" (required),
-exclusions (-路由器, -"光猫 LOS"), and field:value filters (service:, type:, tag:, code:,
category:, status:, visibility:, author:; -field:value excludes). Every other word is one
clause; a document matching more clauses ranks first. A clause has alternatives that all count
as that clause: the word itself, its synonyms, the dictionary words that tile a long word, and
(for Chinese) its fuzzy pinyin against titles and tags, for input-method typos.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from kb.errors import ValidationError
from kb.search import synonyms as synonyms_mod
from kb.search.analyzer import Segment, boundaries, is_code, normalize_code, segment, segmenter, split_word
from kb.search.pinyin import spellings
from kb.vocabulary import SERVICES

FILTER_FIELDS = ("type", "services", "category", "tags", "code", "status", "visibility", "author", "updated")
FIELD_ALIASES = {"service": "services", "tag": "tags", "fault_code": "code", "codes": "code",
                 "fault_codes": "code", "cat": "category"}
MAX_CLAUSES = 10
PINYIN_MAX_CHARS = 6
STOP_PHRASES_FILE = Path(__file__).with_name("stopphrases.txt")
RUN_MAX_WORDS = 5  # words typed together, looked for as they stand (双节点测试)
PART_BOOST = 0.6  # a three-character word found as its parts apart (信号弱: 信号 ... 弱)
SYNONYM_BOOST = 0.7  # a synonym or glossary term weighs less than the word typed
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "＂": '"', "：": ":"})
# A leading '-' excludes, except before a small or decimal number (-27 dBm, -8.5): 3+ digit
# numbers are codes (-678 excludes error 678).
_TOKEN = re.compile(
    r'(?P<neg>-(?!\d{1,2}(?:[.,]\d+)?(?![\d.])|\d+[.,]\d)(?=\S))?'
    r'(?:(?P<field>[A-Za-z_]+):)?(?:"(?P<quoted>[^"]*)"?|(?P<word>\S+))'
)
# What people call the services when they type a filter by hand.
_ALIASES = {"有线电视": "cable_tv", "数字电视": "cable_tv", "户户通": "satellite_tv", "卫星电视": "satellite_tv",
            "直播卫星": "satellite_tv", "专线": "leased_line", "固话": "voice", "语音": "voice", "基站": "mobile",
            "网络电视": "iptv"}
_by_label: tuple[tuple[tuple[str, tuple[str, str]], ...], dict[str, str]] = ((), {})


def _service_by_label() -> dict[str, str]:
    """Label (either language, or a part of a "/" label, or an alias) -> code, for the catalogue as it is now
    (an administrator may add a service at any time); rebuilt when the catalogue changed."""
    global _by_label
    now = tuple(SERVICES.items())
    if now == _by_label[0]:
        return _by_label[1]
    found = {label.lower(): code for code, labels in now for label in labels}
    for code, labels in now:
        for part in labels[0].split("/"):
            found.setdefault(part.lower(), code)
    for alias, code in _ALIASES.items():
        found.setdefault(alias, code)
    _by_label = (now, found)
    return found


@dataclass(frozen=True)
class Alt:
    """One way to satisfy a clause: a term, a phrase, or all of several words anywhere."""

    tokens: tuple[str, ...]
    mode: str = "term"  # "term" | "phrase" | "all"
    boost: float = 1.0
    synonym: bool = False  # a synonym of what was typed, not the typed word itself
    exact: bool = False  # a quoted phrase: always checked word by word, never approximated


@dataclass
class Clause:
    alts: tuple[Alt, ...]
    pinyin: tuple[str, ...] = ()
    code: bool = False  # also look in the exact code field
    weak: bool = False  # a lone character: counts for score, not for "matches more terms"
    label: str = ""
    count: int = 1  # how often the text says it (long pasted text)

    def key(self) -> tuple[object, ...]:
        return (self.alts, self.pinyin, self.code)


@dataclass
class Plan:
    optional: list[Clause] = field(default_factory=list)
    required: list[Clause] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)
    filters: list[tuple[str, str]] = field(default_factory=list)
    not_filters: list[tuple[str, str]] = field(default_factory=list)
    updated_from: datetime | None = None  # naive UTC, inclusive
    updated_to: datetime | None = None  # naive UTC, exclusive
    marks: list[str] = field(default_factory=list)  # what to highlight
    runs: list[tuple[str, ...]] = field(default_factory=list)  # words typed together, as they stand

    @property
    def has_text(self) -> bool:
        return bool(self.optional or self.required)

    @property
    def clauses(self) -> list[Clause]:
        return [*self.required, *self.optional]


# -- lexing ---------------------------------------------------------------------------------------


def parse_query_text(text: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """Splits user input into free text, field:value filters and -exclusions; quoted phrases survive."""
    free: list[str] = []
    filters: list[tuple[str, str]] = []
    excluded: list[str] = []
    for kind, value, name in lex(text):
        if kind == "filter":
            filters.append((name, value))
        elif kind == "word":
            free.append(value)
        elif kind == "phrase":
            free.append(f'"{value}"')
        elif kind in ("exclude", "exclude_phrase"):
            excluded.append(f'"{value}"' if kind == "exclude_phrase" else value)
    return " ".join(free), filters, excluded


def lex(text: str) -> list[tuple[str, str, str]]:
    """(kind, value, field) pieces: word, phrase, exclude, exclude_phrase, filter, not_filter."""
    out: list[tuple[str, str, str]] = []
    for m in _TOKEN.finditer((text or "").translate(_QUOTES)):
        neg = bool(m.group("neg"))
        fname = m.group("field")
        quoted = m.group("quoted")
        value = quoted if quoted is not None else (m.group("word") or "")
        value = value.strip()
        if fname is not None:
            name = FIELD_ALIASES.get(fname.lower(), fname.lower())
            if name in FILTER_FIELDS:
                if value:
                    out.append(("not_filter" if neg else "filter", value, name))
                continue
            # Not a filter (a time, a MAC address ...): the whole thing is text.
            value = f"{fname}:{value}" if quoted is None else f"{fname} {value}"
        if not value:
            continue
        if neg:
            out.append(("exclude_phrase" if quoted is not None else "exclude", value, ""))
        elif quoted is not None:
            out.append(("phrase", value, ""))
        else:
            out.append(("word", value, ""))
    return out


def normalize_filter(name: str, value: str) -> str:
    value = value.strip()
    if name == "code":
        return normalize_code(value)
    if name in ("tags", "category"):
        return value.lower()
    if name == "services":
        return _service_by_label().get(value.lower(), value)
    if name in ("type", "status", "visibility"):
        return value.lower()
    return value


# -- spoken chatter --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _stop_pattern() -> re.Pattern[str] | None:
    if not STOP_PHRASES_FILE.exists():
        return None
    phrases = {line.split("#", 1)[0].strip() for line in STOP_PHRASES_FILE.read_text(encoding="utf-8").splitlines()}
    phrases.discard("")
    if not phrases:
        return None
    return re.compile("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)))


def strip_chatter(text: str) -> str:
    """Free text without the spoken filler that stands in it as whole words; unchanged when nothing else is left."""
    pattern = _stop_pattern()
    if pattern is None or not text:
        return text
    cuts: set[int] | None = None
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        if cuts is None:
            cuts = boundaries(text)
        if m.start() not in cuts or m.end() not in cuts:
            continue  # inside a word
        out.append(text[last:m.start()])
        out.append(" ")
        last = m.end()
    if not out:
        return text
    out.append(text[last:])
    stripped = "".join(out)
    return stripped if any(ch.isalnum() for ch in stripped) else text


# -- clauses --------------------------------------------------------------------------------------


def _term_alt(token: str, boost: float = 1.0) -> Alt:
    return Alt((token,), "term", boost)


def _alt_for_text(text: str, boost: float, synonym: bool) -> tuple[Alt | None, bool]:
    segs = segment(text)
    toks = tuple(s.text for s in segs)
    if not toks:
        return None, False
    if len(toks) == 1:
        return Alt(toks, "term", boost, synonym), segs[0].kind in ("code", "num", "ip")
    return Alt(toks, "phrase", boost, synonym), False


def compound_parts(word: str) -> tuple[str, ...] | None:
    """The dictionary words that tile a word: split_word for four characters and more, and a three-character
    word as a dictionary word and one character (信号弱 -> 信号, 弱), for documents that say them apart."""
    parts = split_word(word)
    if parts or len(word) != 3 or not all("\u3400" <= c <= "\u9fff" for c in word):
        return parts
    freq = segmenter().FREQ
    if freq.get(word[:2]):
        return (word[:2], word[2])
    if freq.get(word[1:]):
        return (word[0], word[1:])
    return None


def _part_alt(word: str) -> Alt | None:
    parts = compound_parts(word)
    if not parts:
        return None
    if len(word) == 3:  # two words, one of them a lone character: a partial match
        return Alt(parts, "all", PART_BOOST, synonym=True)
    return Alt(parts, "all", 0.8)


def _pinyin_for(word: str) -> tuple[str, ...]:
    if 2 <= len(word) <= PINYIN_MAX_CHARS:
        return spellings(word)
    return ()


def synonym_clause(terms: tuple[str, ...]) -> Clause | None:
    """A clause for a synonym group; terms[0] is the one the user typed."""
    alts: list[Alt] = []
    code = False
    for i, term in enumerate(terms):
        alt, is_code_alt = _alt_for_text(term, 1.0 if i == 0 else SYNONYM_BOOST, synonym=i > 0)
        if alt is not None and all(a.tokens != alt.tokens for a in alts):
            alts.append(alt)
            code = code or is_code_alt
    if not alts:
        return None
    typed = terms[0]
    chinese = all("\u3400" <= c <= "\u9fff" for c in typed)
    if chinese:
        part = _part_alt(typed)
        if part is not None and all(a.tokens != part.tokens for a in alts):
            alts.insert(1, part)
    pinyin = _pinyin_for(typed) if chinese else ()
    return Clause(tuple(alts), pinyin, code, label=typed)


def _segment_clauses(segs: list[Segment], table: synonyms_mod.SynonymTable | None = None) -> list[Clause]:
    clauses: list[Clause] = []
    i = 0
    while i < len(segs):
        seg = segs[i]
        if seg.kind == "cjk" and len(seg.text) == 1:
            # Characters jieba could not join are most likely one unknown or mistyped word (光帽):
            # ask for them as a phrase, and by their pinyin.
            j = i
            while j + 1 < len(segs) and segs[j + 1].kind == "cjk" and len(segs[j + 1].text) == 1 \
                    and segs[j + 1].start == segs[j].end:
                j += 1
            chars = tuple(s.text for s in segs[i:j + 1])
            word = "".join(chars)
            if len(chars) == 1:
                clauses.append(Clause((_term_alt(word),), weak=True, label=word))
            else:
                clauses.append(Clause((Alt(chars, "phrase"),), _pinyin_for(word), label=word))
            i = j + 1
            continue
        group = table.by_token(seg.text) if table is not None and seg.kind in ("word", "cjk") else None
        if group is not None:
            # A synonym the text match could not see: an English word in another form (dialing).
            clause = synonym_clause((seg.text, *group))
            if clause is not None:
                clauses.append(clause)
                i += 1
                continue
        if seg.kind == "cjk":
            alts = [_term_alt(seg.text)]
            part = _part_alt(seg.text)
            if part is not None:
                alts.append(part)
            clauses.append(Clause(tuple(alts), _pinyin_for(seg.text), label=seg.text))
        elif seg.kind in ("code", "num", "ip"):
            clauses.append(Clause((_term_alt(seg.text),), code=is_code(seg.text) or seg.kind == "code",
                                  label=seg.text))
        else:
            clauses.append(Clause((_term_alt(seg.text),), weak=len(seg.text) == 1, label=seg.text))
        i += 1
    return clauses


def free_text_clauses(text: str, table: synonyms_mod.SynonymTable | None = None) -> list[Clause]:
    """The clauses of a run of free text: synonym groups first, the rest word by word."""
    table = table or synonyms_mod.current()
    cuts = boundaries(text)
    clauses: list[Clause] = []
    last = 0
    for match in table.find(text):
        if match.start not in cuts or match.end not in cuts:
            continue  # the synonym would cut a word in two (没网 inside 没网络)
        clauses.extend(_segment_clauses(segment(text[last:match.start]), table))
        clause = synonym_clause(match.terms)
        if clause is not None:
            clauses.append(clause)
        last = match.end
    clauses.extend(_segment_clauses(segment(text[last:]), table))
    return clauses


def phrase_clause(text: str) -> Clause | None:
    """A quoted phrase: exactly these words in this order (no synonyms)."""
    segs = segment(text)
    toks = tuple(s.text for s in segs)
    if not toks:
        return None
    if len(toks) == 1:
        return Clause((_term_alt(toks[0]),), code=segs[0].kind in ("code", "num", "ip"), label=text)
    return Clause((Alt(toks, "phrase", exact=True),), label=text)


def build_plan(text: str, filters: Mapping[str, object] | None = None) -> Plan:
    """The plan for user input plus the filters chosen in the UI (API filter names accepted)."""
    plan = Plan()
    words: list[str] = []

    def flush() -> None:
        if words:
            plan.optional.extend(free_text_clauses(strip_chatter(" ".join(words))))
            words.clear()

    for kind, value, name in lex(text):
        if kind == "word":
            words.append(value)
            run = typed_run(value)
            if run:
                plan.runs.append(run)
            continue
        flush()
        if kind == "phrase":
            clause = phrase_clause(value)
            if clause is not None:
                plan.required.append(clause)
        elif kind in ("exclude", "exclude_phrase"):
            clause = phrase_clause(value) if kind == "exclude_phrase" else _exclusion(value)
            if clause is not None:
                plan.excluded.append(clause)
        elif kind == "filter" and name == "updated":
            low, _, high = value.partition("..")
            plan.updated_from = _when(low, end=False, strict=False) or plan.updated_from
            plan.updated_to = _when(high, end=True, strict=False) or plan.updated_to
        elif kind == "filter":
            plan.filters.append((name, normalize_filter(name, value)))
        elif kind == "not_filter":
            plan.not_filters.append((name, normalize_filter(name, value)))
    flush()
    for name, raw in (filters or {}).items():
        if raw is None or str(raw).strip() == "":
            continue
        fname = FIELD_ALIASES.get(name, name)
        if fname in UPDATED_FROM:
            plan.updated_from = _when(raw, end=False, strict=True)
        elif fname in UPDATED_TO:
            plan.updated_to = _when(raw, end=True, strict=True)
        elif fname in FILTER_FIELDS and fname != "updated":
            plan.filters.append((fname, normalize_filter(fname, str(raw))))
    plan.optional = _dedupe(plan.optional, {c.key() for c in plan.required})
    plan.marks = marks_for(plan.clauses)
    return plan


def typed_run(word: str) -> tuple[str, ...] | None:
    """The words of one thing typed without a space or a stop (双节点测试, 光猫LOS), when it is several words."""
    segs = segment(word)
    if not 2 <= len(segs) <= RUN_MAX_WORDS or sum(len(s.text) > 1 for s in segs) < 2:
        return None  # 灯亮 is one short word, not a name
    if any(b.start != a.end for a, b in pairwise(segs)):
        return None  # punctuation or chatter between them
    return tuple(s.text for s in segs)


UPDATED_FROM = ("updated_from", "updated_after", "since", "from")
UPDATED_TO = ("updated_to", "updated_before", "until", "to")


def _when(value: object, *, end: bool, strict: bool) -> datetime | None:
    """A filter bound as naive UTC; a bare date as an end bound means the whole of that day."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day) + (timedelta(days=1) if end else timedelta())
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            if len(text) <= 10:
                day = date.fromisoformat(text)
                moment = datetime(day.year, day.month, day.day) + (timedelta(days=1) if end else timedelta())
            else:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            if strict:
                raise ValidationError("Dates are written 2024-05-31 or 2024-05-31T08:00.",
                                      fields={"updated_to" if end else "updated_from": "not a date"}) from None
            return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _exclusion(value: str) -> Clause | None:
    clauses = free_text_clauses(value, synonyms_mod.SynonymTable())
    if not clauses:
        return None
    if len(clauses) == 1:
        return clauses[0]
    return phrase_clause(value)


def _dedupe(clauses: list[Clause], seen: set[tuple[object, ...]]) -> list[Clause]:
    out: list[Clause] = []
    first: dict[tuple[object, ...], Clause] = {}
    for c in clauses:
        key = c.key()
        if key in first:
            first[key].count += 1
        elif key not in seen:
            first[key] = c
            out.append(c)
    return out


def marks_for(clauses: list[Clause]) -> list[str]:
    """The terms to highlight for these clauses."""
    marks: dict[str, None] = {}
    for c in clauses:
        for alt in c.alts:
            if alt.mode == "phrase" and all(len(t) == 1 for t in alt.tokens):
                marks.setdefault("".join(alt.tokens), None)
            else:
                for t in alt.tokens:
                    if len(t) > 1 or not ("\u3400" <= t <= "\u9fff"):
                        marks.setdefault(t, None)
    return list(marks)


PREFIX_EXPANSIONS = 12
PREFIX_SCAN = 200


def expand_prefix(view: object, clause: Clause) -> Clause:
    """The last word typed so far, also as the start of title words (rebo -> reboot, 光 -> 光猫, 光衰)."""
    if len(clause.alts) != 1 or clause.alts[0].mode != "term":
        return clause
    word = clause.alts[0].tokens[0]
    english = word.isascii() and word.isalpha() and len(word) >= 2
    chinese = all("\u3400" <= c <= "\u9fff" for c in word) and 1 <= len(word) <= 2
    if not (english or chinese):
        return clause
    reader = view.searcher.reader()  # type: ignore[attr-defined]
    found: list[str] = []
    for btext in reader.expand_prefix("title", word):
        text = btext.decode("utf-8") if isinstance(btext, bytes) else str(btext)
        if text != word:
            found.append(text)
        if len(found) >= PREFIX_SCAN:
            break
    if not found:
        return clause
    # The most common completions, not the first in dictionary order.
    found.sort(key=lambda t: -int(reader.doc_frequency("title", t)))
    extra = [Alt((t,), "term", 0.9) for t in found[:PREFIX_EXPANSIONS]]
    return Clause((*clause.alts, *extra), clause.pinyin, clause.code, False, clause.label)
