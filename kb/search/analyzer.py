"""A Whoosh analyzer for O&M text: Chinese words by jieba, English words stemmed, codes kept whole.

Fault and alarm codes (E-102, 691), IP addresses and model numbers are taken out before
segmentation and indexed as single tokens, so E-102 never matches W-102 and 691 never
becomes 69 + 1. English words are lower-cased and stemmed; Chinese runs are cut by our
own jieba.Tokenizer with a shipped O&M user dictionary (never jieba.analyse, which costs
half a second and 130 MB per worker).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jieba
from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter import stem

USERDICT = Path(__file__).with_name("userdict.txt")

_CODE = re.compile(
    r"""
    (?P<ip>\b\d{1,3}(?:\.\d{1,3}){3}\b)
  | (?P<code>(?<![A-Za-z0-9])[A-Za-z]{1,5}[-_]?\d{1,6}[A-Za-z]?(?![A-Za-z0-9]))
    """,
    re.VERBOSE,
)
_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[A-Za-z][A-Za-z0-9']*|\d+(?:\.\d+)?")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CODE_PARTS = re.compile(r"([A-Za-z]+)[-_]?(\d+[A-Za-z]?)")

STOPWORDS = frozenset(
    (
        "的 了 是 在 和 与 或 及 也 都 就 又 而 且 把 被 让 给 对 从 到 向 于 为 以 之 其 这 那 有 没 吗 呢 吧 啊 呀 "
        "我 你 他 她 它 们 个 一 不 很 还 要 会 能 可 着 过 地 得 所 等 则 即 如 若 但 并 该 此 "
        "a an the of to in on at for and or is are was were be been it this that with as by from"
    ).split()
)

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_extra_words: list[str] = []


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
                for word in _extra_words:
                    tok.add_word(word)
                _tokenizer = tok
    return _tokenizer


def add_words(words: list[str]) -> None:
    """Teaches the segmenter more words (a lead's dictionary entries)."""
    _extra_words.extend(words)
    if _tokenizer is not None:
        for word in words:
            _tokenizer.add_word(word)


def normalize_code(raw: str) -> str:
    """E102, e-102 and E_102 are one code: 'e-102'."""
    m = _CODE_PARTS.fullmatch(raw)
    if m is None:
        return raw.lower()
    return f"{m.group(1).lower()}-{m.group(2).lower()}"


def _word(raw: str) -> str | None:
    low = raw.lower()
    if low in STOPWORDS:
        return None
    if low.isascii() and low.isalpha() and len(low) > 3:
        return stem(low)
    return low


def segment(text: str, *, search_mode: bool = False) -> Iterator[tuple[str, int, int]]:
    """(token, start, end) for text; search_mode also yields the shorter words inside long ones."""
    pos = 0
    for m in _CODE.finditer(text):
        yield from _segment_plain(text, pos, m.start(), search_mode)
        raw = m.group(0)
        yield (raw if m.group("ip") else normalize_code(raw)), m.start(), m.end()
        pos = m.end()
    yield from _segment_plain(text, pos, len(text), search_mode)


def _segment_plain(text: str, begin: int, end: int, search_mode: bool) -> Iterator[tuple[str, int, int]]:
    for run in _RUN.finditer(text, begin, end):
        chunk = run.group(0)
        if _CJK.match(chunk):
            mode = "search" if search_mode else "default"
            for word, s, e in segmenter().tokenize(chunk, mode=mode):
                if word in STOPWORDS:
                    continue
                yield word, run.start() + s, run.start() + e
        else:
            word = _word(chunk)
            if word:
                yield word, run.start(), run.end()


class ChineseTokenizer(Tokenizer):
    """A Whoosh tokenizer over segment(); index mode yields sub-words for recall."""

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
        pos = start_pos
        for text, start, end in segment(value, search_mode=(mode == "index")):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def chinese_analyzer() -> ChineseTokenizer:
    return ChineseTokenizer()


def tokens(text: str) -> list[str]:
    """The query-mode tokens of text (for tests and suggestions)."""
    return [t for t, _, _ in segment(text)]
