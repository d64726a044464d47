"""Writing a whole index fast: segments of bounded size, never merged, on every core.

Whoosh spends most of a rebuild in Python per posting (pooling, sorting, block writing), so
the documents are spread over worker processes, each writing its own segments into its own
folder; the caller gathers all segments into one table of contents. Small rebuilds, and any
process that already runs threads (forking those is unsafe), write in-process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import shutil
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.index import FileIndex

from kb.search.schema import make_schema

SEGMENT_DOCS = 10_000  # documents per segment: bounds the writer's memory and sort cost
PARALLEL_MIN = 3_000  # below this many documents, forking costs more than it saves
BATCH = 250


def write_segments(ix: FileIndex, documents: Iterable[dict[str, Any]]) -> int:
    """Adds documents to ix as segments of SEGMENT_DOCS, committing each without merging."""
    count = 0
    writer = None
    in_segment = 0
    # The writer builds millions of small tuples; the cyclic collector would rescan them all.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for doc in documents:
            if writer is None:
                writer = ix.writer(limitmb=256)
            writer.add_document(**doc)
            count += 1
            in_segment += 1
            if in_segment >= SEGMENT_DOCS:
                writer.commit(merge=False)
                writer, in_segment = None, 0
                gc.collect()  # the pool is gone: now a collection is cheap, and frees its cycles
        if writer is not None:
            done, writer = writer, None
            done.commit(merge=False)
    except BaseException:
        if writer is not None:
            writer.cancel()
        raise
    finally:
        if was_enabled:
            gc.enable()
    return count


def _worker(folder: str, jobs: Any, results: Any) -> None:
    def batches() -> Iterator[dict[str, Any]]:
        while True:
            batch = jobs.get()
            if batch is None:
                return
            yield from batch

    try:
        ix = index.create_in(folder, make_schema())
        results.put(("ok", write_segments(ix, batches())))
    except BaseException as exc:  # reported to the parent, which raises
        results.put(("error", repr(exc)))


def build(folder: Path, documents: Iterable[dict[str, Any]], procs: int | None = None) -> tuple[int, list[Path]]:
    """Writes documents into one or more fresh indexes under folder; returns (count, index folders)."""
    docs = iter(documents)
    head: list[dict[str, Any]] = []
    for doc in docs:
        head.append(doc)
        if len(head) >= PARALLEL_MIN:
            break
    procs = procs if procs is not None else min(os.cpu_count() or 1, 4)
    can_fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    if len(head) < PARALLEL_MIN or procs < 2 or not can_fork:
        main = folder / "w0"
        main.mkdir(parents=True)
        ix = index.create_in(str(main), make_schema())

        def everything() -> Iterator[dict[str, Any]]:
            yield from head
            yield from docs

        return write_segments(ix, everything()), [main]
    ctx = multiprocessing.get_context("fork")
    jobs = ctx.Queue(maxsize=procs * 4)
    results = ctx.Queue()
    folders = [folder / f"w{i}" for i in range(procs)]
    workers = []
    for f in folders:
        f.mkdir(parents=True)
        p = ctx.Process(target=_worker, args=(str(f), jobs, results), daemon=True)
        p.start()
        workers.append(p)

    def check() -> None:
        if any(not p.is_alive() and p.exitcode not in (0, None) for p in workers):
            raise RuntimeError("an index rebuild worker died")

    def put(item: object) -> None:
        while True:
            try:
                jobs.put(item, timeout=2)
                return
            except queue.Full:
                check()

    try:
        batch: list[dict[str, Any]] = []
        for doc in _chain(head, docs):
            batch.append(doc)
            if len(batch) >= BATCH:
                put(batch)
                batch = []
        if batch:
            put(batch)
        for _ in workers:
            put(None)
        total = 0
        errors = []
        pending = len(workers)
        while pending:
            try:
                status, value = results.get(timeout=2)
            except queue.Empty:
                check()
                continue
            pending -= 1
            if status == "ok":
                total += int(value)
            else:
                errors.append(value)
        for p in workers:
            p.join()
        if errors:
            raise RuntimeError(f"index rebuild failed in a worker: {errors[0]}")
        return total, folders
    except BaseException:
        for p in workers:
            if p.is_alive():
                p.terminate()
        raise


def _chain(head: list[dict[str, Any]], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield from head
    yield from rest


def clear(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
