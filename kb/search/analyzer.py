"""A Whoosh analyzer for O&M text: Chinese words by jieba, English words stemmed, codes kept whole.

Fault and alarm codes (E-102, 691, ONU_LOS), IP and MAC addresses and model numbers are taken
out before segmentation and indexed as single tokens, so E-102 never matches W-102 and 691
never becomes 69 + 1. English words are lower-cased and stemmed (dialing -> dial); Chinese
runs are cut by our own jieba.Tokenizer (dictionary + DAG, no HMM, so a phrase segments the
same way in a document and in a query) with the shipped O&M user dictionary. jieba.analyse is
never imported: it costs half a second and 130 MB per worker.

Positions: in index mode the shorter dictionary words inside a long word (无法上网 -> 无法, 上网)
share the long word's position, so a query's word sequence always finds consecutive positions
and quoted phrases work whichever way the query was cut.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Mapping
from functools import lru_cache
from math import log as _log
from pathlib import Path
from typing import Any, NamedTuple

import jieba
from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter import stem

USERDICT = Path(__file__).with_name("userdict.txt")

# Order matters: the first alternative that matches at a position wins.
_SPECIAL = re.compile(
    r"""
    (?P<ip>(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?![\d.]))
  | (?P<mac>(?<![0-9A-Fa-f:-])[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}(?![0-9A-Fa-f:-]))
  | (?P<alarm>(?<![A-Za-z0-9_])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z][A-Za-z0-9]*)+(?![A-Za-z0-9_]))
  | (?P<code>(?<![A-Za-z0-9_-])[A-Za-z]{1,6}[-_]?\d{1,6}[A-Za-z]{0,2}\d{0,3}(?![A-Za-z0-9_]))
    """,
    re.VERBOSE,
)
_CJK_CHARS = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK_CHARS}]+|[A-Za-z][A-Za-z0-9']*|\d+(?:\.\d+)?")
_CJK = re.compile(rf"[{_CJK_CHARS}]")
_CODE_PARTS = re.compile(r"([A-Za-z]+)[-_]?(\d[A-Za-z0-9]*)")

STOPWORDS = frozenset(
    (
        "的 了 是 在 和 与 或 及 也 都 就 又 而 且 把 被 让 给 对 从 到 向 于 为 以 之 其 这 那 有 "
        "吗 呢 吧 啊 呀 哦 嗯 "
        "我 你 他 她 它 们 个 一 很 还 要 会 能 可 着 过 地 得 所 等 则 即 如 若 但 并 该 此 "
        "a an the of to in on at for and or is are was were be been it its this that with as by from"
    ).split()
)


class Segment(NamedTuple):
    """One token of a text: its indexed form, position, and where it stands in the text."""

    text: str
    pos: int
    start: int
    end: int
    kind: str  # "cjk", "word" (English), "num", "code", "ip"


_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
# The leads' words (word -> frequency) on top of the shipped dictionary, and what each word's
# frequency was before a lead added it, so removing a word restores the shipped segmentation.
_lead_words: dict[str, int] = {}
_pristine: dict[str, int | None] = {}
_words_version = 0
LEAD_WORD_FREQ = 500  # as the shipped dictionary's common O&M words


def segmenter() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer, initialised once with the O&M dictionary."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                tok.load_userdict(str(USERDICT))
                for word, freq in _lead_words.items():
                    _teach(tok, word, freq)
                _tokenizer = tok
    return _tokenizer


def _teach(tok: jieba.Tokenizer, word: str, freq: int) -> None:
    # Not tok.add_word(): it adds to the total without taking the old frequency out, so the
    # same words added in another order would segment differently in another worker.
    old = tok.FREQ.get(word)
    _pristine.setdefault(word, old)
    tok.FREQ[word] = freq
    tok.total += freq - (old or 0)
    for i in range(1, len(word)):
        tok.FREQ.setdefault(word[:i], 0)


def _forget(tok: jieba.Tokenizer, word: str) -> None:
    before = _pristine.pop(word, None)
    current = tok.FREQ.get(word) or 0
    # 0 marks a prefix of a longer word, which is what an unknown word's entry becomes.
    tok.FREQ[word] = before or 0
    tok.total += (before or 0) - current


def set_lead_words(words: Mapping[str, int]) -> bool:
    """Makes exactly these the leads' words (word -> frequency) on top of the shipped dictionary.

    Returns whether anything changed; documents indexed before keep their old segmentation
    until they are indexed again.
    """
    global _words_version
    wanted = {w.strip(): int(f) for w, f in words.items() if w.strip()}
    with _lock:
        if wanted == _lead_words:
            return False
        if _tokenizer is not None:
            for word in [w for w in _lead_words if _lead_words[w] != wanted.get(w)]:
                _forget(_tokenizer, word)
            for word, freq in wanted.items():
                if _lead_words.get(word) != freq:
                    _teach(_tokenizer, word, freq)
        _lead_words.clear()
        _lead_words.update(wanted)
        _words_version += 1
    _cut.cache_clear()
    return True


def lead_words() -> dict[str, int]:
    """The leads' words in force in this process, with their frequencies."""
    return dict(_lead_words)


def shipped_words() -> list[str]:
    """The shipped O&M dictionary's words, in file order."""
    return list(_shipped_words())


@lru_cache(maxsize=1)
def _shipped_words() -> tuple[str, ...]:
    lines = USERDICT.read_text(encoding="utf-8").splitlines()
    return tuple(line.split()[0] for line in lines if line.strip())


def is_whole_word(word: str) -> bool:
    """True when the segmenter already keeps word as one token."""
    return _cut(word) == (word,)


def suggested_freq(word: str) -> int:
    """A frequency that keeps word whole (jieba's suggest_freq), at least LEAD_WORD_FREQ."""
    tok = segmenter()
    share = 1.0
    for piece in _cut(word):
        share *= (tok.FREQ.get(piece) or 1) / tok.total
    return max(int(share * tok.total) + 1, LEAD_WORD_FREQ)


def domain_words() -> frozenset[str]:
    """The O&M vocabulary: the shipped dictionary and the words leads added."""
    return _domain_words(_words_version)


@lru_cache(maxsize=4)
def _domain_words(_version: int) -> frozenset[str]:
    words = {w.lower() for w in _shipped_words()}
    words.update(w.lower() for w in _lead_words)
    return frozenset(words)


def normalize_code(raw: str) -> str:
    """E102, e-102 and E_102 are one code: 'e-102'; numbers, IPs and alarm names are lower-cased."""
    raw = raw.strip()
    m = _CODE_PARTS.fullmatch(raw)
    if m is None:
        return raw.lower()
    return f"{m.group(1).lower()}-{m.group(2).lower()}"


def is_code(token: str) -> bool:
    """True for what the code field may hold: codes, plain numbers, alarm names, IPs."""
    return bool(token) and (any(c.isdigit() for c in token) or "_" in token)


@lru_cache(maxsize=50_000)
def _word(raw: str) -> str | None:
    low = raw.lower()
    if low in STOPWORDS:
        return None
    if low.isascii() and low.isalpha() and len(low) > 3:
        return stem(low)
    return low


@lru_cache(maxsize=20_000)
def _cut(chunk: str) -> tuple[str, ...]:
    """jieba's dictionary segmentation (max-probability route over the DAG, no HMM) of a CJK run.

    The same result as jieba.Tokenizer.cut(chunk, HMM=False) for a run of Chinese characters,
    in one pass instead of jieba's DAG dict + generator max: about 1.5x faster, and this is
    most of the indexing time spent outside Whoosh.
    """
    n = len(chunk)
    if n == 1:
        return (chunk,)
    tok = segmenter()
    freq = tok.FREQ
    logtotal = _logtotal(tok.total)
    best = [0.0] * (n + 1)
    nxt = [0] * (n + 1)
    for k in range(n - 1, -1, -1):
        score: float | None = None
        end = k + 1
        i = k + 1
        frag = chunk[k]
        while True:
            f = freq.get(frag)
            if f is None:
                break
            if f:
                v = _log(f) - logtotal + best[i]
                if score is None or v >= score:
                    score, end = v, i
            if i >= n:
                break
            i += 1
            frag = chunk[k:i]
        if score is None:
            score, end = best[k + 1] - logtotal, k + 1
        best[k] = score
        nxt[k] = end
    out: list[str] = []
    x = 0
    while x < n:
        y = nxt[x]
        out.append(chunk[x:y])
        x = y
    return tuple(out)


@lru_cache(maxsize=4)
def _logtotal(total: float) -> float:
    return _log(total)


def _subwords(word: str) -> Iterator[tuple[str, int]]:
    """The dictionary words inside a long word (jieba's search mode), with their offsets."""
    freq = segmenter().FREQ
    n = len(word)
    if n > 2:
        for i in range(n - 1):
            if freq.get(word[i:i + 2]):
                yield word[i:i + 2], i
    if n > 3:
        for i in range(n - 2):
            if freq.get(word[i:i + 3]):
                yield word[i:i + 3], i


def segment(text: str, *, index: bool = False) -> list[Segment]:
    """The tokens of text; index=True adds the words inside long words at the same position."""
    out: list[Segment] = []
    pos = 0
    last = 0
    for m in _SPECIAL.finditer(text):
        pos = _plain(text, last, m.start(), pos, index, out)
        raw = m.group(0)
        kind = m.lastgroup or "code"
        if kind == "alarm":
            # ONU_LOS is indexed whole, and (index mode) its parts at the same position,
            # so LOS finds it too; a query for ONU_LOS still asks for the whole name.
            whole = raw.lower()
            out.append(Segment(whole, pos, m.start(), m.end(), "code"))
            if index:
                offset = m.start()
                for part in raw.split("_"):
                    w = _word(part) if part.isalpha() else part.lower()
                    if w and w != whole:
                        out.append(Segment(w, pos, offset, offset + len(part), "word"))
                    offset += len(part) + 1
        elif kind in ("ip", "mac"):
            out.append(Segment(raw.lower(), pos, m.start(), m.end(), "ip"))
            if index and "/" in raw:
                # 10.0.0.0/24 is also found by its address alone.
                bare = raw.split("/", 1)[0]
                out.append(Segment(bare, pos, m.start(), m.start() + len(bare), "ip"))
        else:
            out.append(Segment(normalize_code(raw), pos, m.start(), m.end(), "code"))
        pos += 1
        last = m.end()
    _plain(text, last, len(text), pos, index, out)
    return out


def _plain(text: str, begin: int, end: int, pos: int, index: bool, out: list[Segment]) -> int:
    for run in _RUN.finditer(text, begin, end):
        chunk = run.group(0)
        base = run.start()
        if _CJK.match(chunk):
            offset = 0
            for word in _cut(chunk):
                start = base + offset
                offset += len(word)
                if word in STOPWORDS:
                    continue
                out.append(Segment(word, pos, start, start + len(word), "cjk"))
                if index and len(word) > 2:
                    for sub, i in _subwords(word):
                        out.append(Segment(sub, pos, start + i, start + i + len(sub), "cjk"))
                pos += 1
        elif chunk[0].isdigit():
            out.append(Segment(chunk, pos, base, run.end(), "num"))
            pos += 1
        else:
            english = _word(chunk)
            if english:
                out.append(Segment(english, pos, base, run.end(), "word"))
                pos += 1
    return pos


class ChineseTokenizer(Tokenizer):
    """A Whoosh tokenizer over segment(); index mode adds sub-words at the same position."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for seg in segment(value, index=(mode == "index")):
            token.text = seg.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[seg.start:seg.end]
            if positions:
                token.pos = start_pos + seg.pos
            if chars:
                token.startchar, token.endchar = start_char + seg.start, start_char + seg.end
            yield token


def chinese_analyzer() -> ChineseTokenizer:
    return ChineseTokenizer()


def tokens(text: str) -> list[str]:
    """The query-mode tokens of text (for tests and suggestions)."""
    return [seg.text for seg in segment(text)]


def index_tokens(text: str) -> list[str]:
    """The index-mode tokens of text (words, and the dictionary words inside long ones)."""
    return [seg.text for seg in segment(text, index=True)]


def is_cjk(text: str) -> bool:
    return bool(text) and _CJK.match(text) is not None


def boundaries(text: str) -> set[int]:
    """Every offset of text where a token (stopwords included) starts or ends."""
    out = {0, len(text)}
    last = 0

    def plain(begin: int, end: int) -> None:
        out.update((begin, end))
        for run in _RUN.finditer(text, begin, end):
            out.update((run.start(), run.end()))
            if _CJK.match(run.group(0)):
                offset = run.start()
                for word in _cut(run.group(0)):
                    offset += len(word)
                    out.add(offset)

    for m in _SPECIAL.finditer(text):
        plain(last, m.start())
        out.update((m.start(), m.end()))
        last = m.end()
    plain(last, len(text))
    return out


def split_word(word: str) -> tuple[str, ...] | None:
    """The fewest dictionary words (two or three characters) that tile word exactly, if any.

    These are the words the index holds inside a long word (index mode), so a query for
    红灯闪烁 can also find a document that says 红灯 ... 闪烁 apart.
    """
    n = len(word)
    if n < 4:
        return None
    freq = segmenter().FREQ
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for i in range(n):
        prev = best[i]
        if prev is None:
            continue
        for size in (2, 3):
            piece = word[i:i + size]
            if len(piece) == size and freq.get(piece):
                cand = (*prev, piece)
                if best[i + size] is None or len(cand) < len(best[i + size] or ()):
                    best[i + size] = cand
    result = best[n]
    return result if result and len(result) > 1 else None
