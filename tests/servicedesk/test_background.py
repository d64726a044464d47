"""The background loops' rounds: work at once while more is waiting, chores at most as often as asked, a failing
round said once in the log and then retried, and a stop that ends the loop."""

from __future__ import annotations

import logging
import threading

import pytest
from flask import Flask

from servicedesk.background import Chore, run_rounds


def test_rounds_run_work_and_chores_and_stop(app: Flask) -> None:
    stop = threading.Event()
    waiting = [3]  # three items queued: three rounds back to back, then the loop waits between rounds
    rounds: list[str] = []
    chores: list[str] = []

    def work() -> bool:
        rounds.append("round")
        if len(rounds) >= 8:
            stop.set()
        if waiting[0]:
            waiting[0] -= 1
            return True
        return False

    run_rounds(app, "test loop", 0.01, work, stop=stop,
               chores=(Chore(3600, lambda: chores.append("hourly at start"), at_start=True),
                       Chore(3600, lambda: chores.append("hourly later")),
                       Chore(0, lambda: chores.append("every round"), at_start=True)))
    assert len(rounds) == 8
    assert chores.count("hourly at start") == 1 and "hourly later" not in chores
    assert chores.count("every round") == 8


def test_a_failing_round_is_logged_once_and_retried(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    stop = threading.Event()
    calls = [0]

    def work() -> bool:
        calls[0] += 1
        if calls[0] <= 3:
            raise RuntimeError("database down")
        if calls[0] == 4:
            return False
        if calls[0] == 5:
            raise RuntimeError("down again")
        stop.set()
        return False

    with caplog.at_level(logging.ERROR, logger="servicedesk.background"):
        run_rounds(app, "test loop", 0.001, work, stop=stop)
    said = [r for r in caplog.records if "test loop: a round failed" in r.getMessage()]
    assert calls[0] == 6 and len(said) == 2  # once for the first spell of failures, once for the second


def test_expected_exceptions_are_not_logged(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    stop = threading.Event()

    class Busy(Exception):
        pass

    def work() -> bool:
        stop.set()
        raise Busy

    with caplog.at_level(logging.ERROR, logger="servicedesk.background"):
        run_rounds(app, "test loop", 0.001, work, stop=stop, quiet=(Busy,))
    assert not caplog.records
