"""Cheap highlighting for the shown hits: one regular expression over the stored text.

The terms of the query (codes, numbers, English stems, Chinese words and phrases) become one
alternation; a fragment is the window around the densest cluster of matches. No analysis runs
at display time, so highlighting ten hits costs well under a millisecond each. Output is
HTML-escaped text with <mark> around the matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from html import escape

from kb.search.analyzer import is_cjk

FRAGMENT_CHARS = 120
_CODE = re.compile(r"([a-z]+)-(\d[a-z0-9]*)")


def _pattern_for(term: str) -> str:
    m = _CODE.fullmatch(term)
    if m:
        # e-102 matches E-102, E102 and E_102, but never W-102 or E-1021.
        return rf"(?<![A-Za-z0-9]){re.escape(m.group(1))}[-_]?{re.escape(m.group(2))}(?![A-Za-z0-9])"
    if is_cjk(term):
        return re.escape(term)
    if term.isascii() and term.isalpha():
        # English terms longer than three letters are stems: dial highlights dialing.
        suffix = r"(?:e|s|es|ed|ing|er|ers|ion|ions|ly|ation|ations)?" if len(term) > 3 else ""
        return rf"(?<![A-Za-z]){re.escape(term)}{suffix}(?![A-Za-z])"
    return rf"(?<![A-Za-z0-9.]){re.escape(term)}(?![A-Za-z0-9])"


@lru_cache(maxsize=512)
def compile_marks(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = [_pattern_for(t) for t in sorted({t for t in terms if t}, key=len, reverse=True)]
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


def mark(text: str, pattern: re.Pattern[str] | None, start: int = 0, end: int | None = None) -> str:
    """text[start:end] escaped, with every match wrapped in <mark>."""
    end = len(text) if end is None else end
    if pattern is None:
        return escape(text[start:end])
    out: list[str] = []
    pos = start
    for m in pattern.finditer(text, start, end):
        if m.end() == m.start():
            continue
        out.append(escape(text[pos:m.start()]))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        pos = m.end()
    out.append(escape(text[pos:end]))
    return "".join(out)


def best_fragment(text: str, pattern: re.Pattern[str] | None, size: int = FRAGMENT_CHARS) -> str:
    """The window of text holding the most distinct matches, marked; '' when nothing matches."""
    if pattern is None or not text:
        return ""
    matches = [(m.start(), m.end(), m.group(0).lower()) for m in pattern.finditer(text) if m.end() > m.start()]
    if not matches:
        return ""
    best_start, best_score = matches[0][0], -1
    for i, (s, _, _) in enumerate(matches):
        seen = {t for (s2, e2, t) in matches[i:] if e2 <= s + size}
        if len(seen) > best_score:
            best_start, best_score = s, len(seen)
    lead = min(30, best_start)
    start = best_start - lead
    end = min(len(text), start + size)
    start = max(0, min(start, end - size))
    body = mark(text, pattern, start, end).replace("\n", " ")
    return ("… " if start > 0 else "") + body + (" …" if end < len(text) else "")


def highlights(title: str, content: str, terms: Iterable[str]) -> list[str]:
    """[marked title (if it matches), best content fragment (if any)], as HTML strings."""
    pattern = compile_marks(tuple(terms))
    out: list[str] = []
    if pattern is not None and pattern.search(title):
        out.append(mark(title, pattern))
    fragment = best_fragment(content, pattern)
    if fragment:
        out.append(fragment)
    return out
