"""The desk's background loops (the search index follower, the notification worker): one way to run rounds.

A round runs in an app context with its own database session; chores (pruning, refreshing caches) run in
the rounds at most every so many seconds each. A failing round is logged once until one succeeds again (a
loop that retries four times a second must not fill the log), then the loop waits and tries again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import Flask

from servicedesk import db

log = logging.getLogger(__name__)


@dataclass
class Chore:
    """Something a loop does now and then: fn, at most once every `every` seconds (not in the first round
    unless `at_start`)."""

    every: float
    fn: Callable[[], object]
    at_start: bool = False
    last: float | None = None

    def due(self, now: float) -> bool:
        if self.last is None:
            self.last = now if not self.at_start else now - self.every - 1
        return now - self.last > self.every


def run_rounds(app: Flask, name: str, interval: float, work: Callable[[], bool], *,
               chores: Sequence[Chore] = (), stop: threading.Event | None = None,
               quiet: tuple[type[BaseException], ...] = ()) -> None:
    """Runs work() and the due chores in rounds until stop is set (forever without one). work() says whether
    more is waiting: then the next round starts at once, else after interval seconds. Exceptions in `quiet`
    are expected (another process holds a lock) and not logged."""
    failing = False
    while stop is None or not stop.is_set():
        busy = False
        try:
            with app.app_context():
                try:
                    busy = bool(work())
                    for chore in chores:
                        if chore.due(time.monotonic()):
                            chore.last = time.monotonic()
                            chore.fn()
                finally:
                    db.session.remove()
            failing = False
        except quiet:
            pass
        except Exception:
            if not failing:
                log.exception("%s: a round failed; retrying", name)
            failing = True
        if not busy:
            if stop is not None:
                stop.wait(interval)
            else:
                time.sleep(interval)
