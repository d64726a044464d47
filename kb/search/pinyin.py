"""Toneless, fuzzy pinyin of Chinese words, so input-method typos (光帽 for 光猫) still match.

Only pypinyin's single-character table is read (straight from its JSON file): importing the
pypinyin package would load its phrase dictionary, about 55 MB per worker. Both the index and
the query side use the same function, so heteronyms only need to agree with themselves; each
character contributes at most two readings and a word at most four spellings.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import unicodedata
from functools import lru_cache
from itertools import product
from pathlib import Path

MAX_SPELLINGS = 4
# Confusions that pinyin input methods make easy (模糊音): zh/z, ch/c, sh/s, -ng/-n.
_FUZZY = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ang", "an"), ("eng", "en"), ("ing", "in"))

_lock = threading.Lock()
_table: dict[int, tuple[str, ...]] | None = None


def _table_path() -> Path | None:
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "pinyin_dict.json"
        if path.exists():
            return path
    return None


def _strip_tone(syllable: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(c))
    return plain.lower()


def _fuzz(syllable: str) -> str:
    for long, short in _FUZZY:
        if syllable.startswith(long) and long in ("zh", "ch", "sh"):
            syllable = short + syllable[len(long):]
        elif syllable.endswith(long) and long not in ("zh", "ch", "sh"):
            syllable = syllable[: -len(long)] + short
    return syllable


def table() -> dict[int, tuple[str, ...]]:
    """Code point -> up to two fuzzy toneless readings, loaded once."""
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                path = _table_path()
                loaded: dict[int, tuple[str, ...]] = {}
                if path is not None:
                    raw: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
                    for key, readings in raw.items():
                        seen: list[str] = []
                        for r in readings.split(","):
                            f = _fuzz(_strip_tone(r))
                            if f and f not in seen:
                                seen.append(f)
                            if len(seen) == 2:
                                break
                        loaded[int(key)] = tuple(seen)
                _table = loaded
    return _table


@lru_cache(maxsize=50_000)
def spellings(word: str) -> tuple[str, ...]:
    """The fuzzy pinyin spellings of a Chinese word ('光猫' -> ('guanmao',)); () when it has none."""
    t = table()
    per_char: list[tuple[str, ...]] = []
    for ch in word:
        readings = t.get(ord(ch))
        if not readings:
            return ()
        per_char.append(readings)
    out: list[str] = []
    for combo in product(*per_char):
        out.append("".join(combo))
        if len(out) >= MAX_SPELLINGS:
            break
    return tuple(out)
