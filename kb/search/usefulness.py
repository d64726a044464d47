"""How useful articles proved: "solved it" answers and incidents linked to them as their solution.

A bounded ranking signal. The counts are read from the database now and then (servicedesk.search refreshes
them, never per search) and kept here per process; the factor for an article grows with the log of its
count and is capped at 1 + MAX_BOOST, so it only reorders articles whose relevance scores lie within that
band: among equally fitting articles the useful one comes first, and a popular article never outranks a
clearly more exact one.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping

MAX_BOOST = 0.08  # the most an article's score is raised (8 %)
SATURATION = 50  # uses at which the boost reaches its cap

_lock = threading.Lock()
_factors: dict[int, float] = {}


def factor(uses: int) -> float:
    """The score factor for an article used this many times: 1 for none, at most 1 + MAX_BOOST."""
    if uses <= 0:
        return 1.0
    return 1.0 + MAX_BOOST * min(1.0, math.log1p(uses) / math.log1p(SATURATION))


def set_uses(uses: Mapping[int, int]) -> None:
    """Replaces the counts in force (article id -> "solved it" answers plus solution links)."""
    factors = {int(aid): factor(int(n)) for aid, n in uses.items() if n > 0}
    global _factors
    with _lock:
        _factors = factors


def factors() -> dict[int, float]:
    """Article id -> score factor, for the articles with any use (the same dict until the next refresh)."""
    return _factors
