"""Merging the small segments that publishing leaves behind, without holding up publishing.

Each publish commits one small segment (no merge: a merge re-writes every posting in Python
and would put a few hundred milliseconds on that publish). When a size tier holds MERGE_FACTOR
small segments, they are merged off to the side: the merged segment is written into a
scratch folder with no lock held, then swapped in under the write lock in a few
milliseconds. Documents deleted from the sources while the merge ran (an article updated
again meanwhile) are deleted from the merged segment by document number before the swap.
Large segments (from a rebuild) are never merged automatically.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.index import TOC, FileIndex, clean_files
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

log = logging.getLogger(__name__)

MERGE_FACTOR = 10  # merge a size tier once it holds this many segments
MAX_SOURCE_DOCS = 2_000  # segments this big are left alone (a rebuild makes them)
MAX_MERGED_DOCS = 10_000


def _tier(docs: int) -> int:
    return int(math.log10(max(docs, 1)))


def plan(segments: Sequence[Any]) -> list[Any]:
    """The segments to merge next (the smallest tier with MERGE_FACTOR small segments), or []."""
    tiers: dict[int, list[Any]] = {}
    for seg in segments:
        n = seg.doc_count_all()
        if n < MAX_SOURCE_DOCS:
            tiers.setdefault(_tier(n), []).append(seg)
    for tier in sorted(tiers):
        group = tiers[tier]
        if len(group) >= MERGE_FACTOR:
            chosen: list[Any] = []
            total = 0
            for seg in sorted(group, key=lambda s: s.doc_count_all()):
                if total + seg.doc_count_all() > MAX_MERGED_DOCS and len(chosen) >= 2:
                    break
                chosen.append(seg)
                total += seg.doc_count_all()
            return chosen if len(chosen) >= 2 else []
    return []


def merge_due(ix: FileIndex, live: Path) -> int:
    """Merges tier after tier while one is due; returns how many merges ran."""
    done = 0
    while True:
        sources = plan(ix._read_toc().segments)
        if not sources or not merge(ix, live, sources):
            return done
        done += 1


def merge_in_child(live: Path, timeout: float = 600.0) -> None:
    """Runs merge_due in a process of its own. A merge re-writes postings in Python: in a thread it would
    hold the serving process's interpreter lock for its whole length and slow every search and publish
    of that process; a process of its own runs beside them, on another core where there is one."""
    subprocess.run([sys.executable, "-m", "kb.search.merging", str(live)], check=True, timeout=timeout,  # noqa: S603
                   stdin=subprocess.DEVNULL)


def clear_stale_scratch(live: Path) -> None:
    """Removes the scratch folders of merges whose process is gone (killed mid-merge)."""
    for folder in live.parent.glob(f"{live.name}.merge-*"):
        try:
            pid = int(folder.name.rsplit(".merge-", 1)[1].split("-", 1)[0])
        except (IndexError, ValueError):
            continue
        if _alive(pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def merge(ix: FileIndex, live: Path, sources: list[Any], lock_timeout: float = 30.0) -> bool:
    """Merges sources (segments of ix's current generation) into one; False if they changed meanwhile."""
    if len(sources) < 2:
        return False
    scratch = live.with_name(f"{live.name}.merge-{os.getpid()}-{time.monotonic_ns()}")
    scratch.mkdir(parents=True)
    try:
        side = index.create_in(str(scratch), ix.schema)
        writer = SegmentWriter(side, _lk=False)
        try:
            for seg in sources:
                reader = SegmentReader(ix.storage, ix.schema, seg)
                try:
                    writer.add_reader(reader)
                finally:
                    reader.close()
            merged = writer._finalize_segment()
        except FileNotFoundError:
            return False  # another process merged or rebuilt these segments meanwhile
        finally:
            writer._finish()
        return _swap(ix, live, scratch, sources, merged, lock_timeout)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _swap(ix: FileIndex, live: Path, scratch: Path, sources: list[Any], merged: Any, timeout: float) -> bool:
    lock = ix.lock("WRITELOCK")
    deadline = time.monotonic() + timeout
    while not lock.acquire(blocking=False):
        if time.monotonic() > deadline:
            log.warning("search index merge gave up waiting for the write lock")
            return False
        time.sleep(0.01)
    try:
        toc = ix._read_toc()
        current = {s.segment_id(): s for s in toc.segments}
        if any(s.segment_id() not in current for s in sources):
            return False  # another process merged or rebuilt meanwhile
        # Carry over deletions made while we merged: new docnums follow the sources' live docs in order.
        newdoc = 0
        for snapshot in sources:
            now = current[snapshot.segment_id()]
            for d in range(snapshot.doc_count_all()):
                if snapshot.is_deleted(d):
                    continue
                if now.is_deleted(d):
                    merged.delete_document(newdoc)
                newdoc += 1
        for name in os.listdir(scratch):
            if name.startswith(f"{ix.indexname}_") and not name.endswith("WRITELOCK"):
                os.replace(scratch / name, live / name)
        source_ids = {s.segment_id() for s in sources}
        segments = [s for s in toc.segments if s.segment_id() not in source_ids] + [merged]
        generation = ix.latest_generation() + 1
        TOC(toc.schema, segments, generation).write(ix.storage, ix.indexname)
        clean_files(ix.storage, ix.indexname, generation, segments)
        return True
    finally:
        lock.release()


def main(argv: list[str]) -> int:
    """python -m kb.search.merging INDEX_DIR: the child of merge_in_child."""
    from kb.search import whoosh_fixes  # the serving process's Whoosh, corrected the same way

    whoosh_fixes.install()
    logging.basicConfig(level=logging.WARNING)
    live = Path(argv[0])
    merge_due(index.open_dir(str(live)), live)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
