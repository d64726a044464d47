"""Several processes write one index folder: they take turns, and a table of contents another process
cleaned up under us is not an error."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from kb.search.index import LockTimeout, SearchIndex
from kb.search.schema import make_document
from tests.kb.search.conftest import ARTICLES, STAFF, build_index
from tests.kb.search.test_index import ids


def test_a_toc_removed_by_another_process_does_not_fail_the_write(tmp_path: Path, monkeypatch) -> None:
    ix = build_index(tmp_path / "index")

    def gone() -> None:
        raise FileNotFoundError("_MAIN_7.toc")

    write = ix._write

    def write_then_another_process_commits(*args: object) -> None:
        write(*args)  # type: ignore[arg-type]
        monkeypatch.setattr(ix._ix, "_read_toc", gone)  # it cleaned up the table of contents we would read next

    monkeypatch.setattr(ix, "_write", write_then_another_process_commits)
    ix.apply([make_document(**{**ARTICLES[0], "id": 99, "title": "分光器端口故障排查"})])
    monkeypatch.undo()
    assert ids(ix, "分光器端口", actor=STAFF) == [99]


def test_the_applied_number_survives_a_new_process(tmp_path: Path) -> None:
    ix = SearchIndex(tmp_path / "index")
    assert ix.applied_seq() is None  # never followed a database yet
    ix.set_applied_seq(41)
    assert SearchIndex(tmp_path / "index").applied_seq() == 41


def _hold_lock(path: str, held: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event) -> None:
    ix = SearchIndex(path)
    with ix.sync_lock(timeout=5):
        held.set()
        release.wait(10)


def test_processes_of_one_node_take_turns_catching_up(tmp_path: Path) -> None:
    path = str(tmp_path / "index")
    SearchIndex(path)
    ctx = multiprocessing.get_context("spawn")
    held, release = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_hold_lock, args=(path, held, release))
    other.start()
    try:
        assert held.wait(30)
        ix = SearchIndex(path)
        with pytest.raises(LockTimeout), ix.sync_lock(timeout=0.2):
            pass
        threading.Timer(0.3, release.set).start()
        started = time.monotonic()
        with ix.sync_lock(timeout=10):
            assert time.monotonic() - started >= 0.2  # waited for the other process to let go
    finally:
        release.set()
        other.join(30)
