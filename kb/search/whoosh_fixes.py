"""Small corrections to whoosh-reloaded 2.7.5, applied once at import.

- W3PerDocReader._cached_reader asks the file system whether a field's length column exists
  for every posting of a field that has none (IDs, keywords): tens of thousands of stat()
  calls per thousand documents indexed. The answer cannot change for an open reader, so it
  is remembered.
- W3PerDocReader.doc_field_length reads one byte through three layers of Python per call, and
  the postings writer calls it for every posting it writes. The whole (one byte per document)
  length column is read once instead.
- BufferFile wraps each file of a compound segment (a memoryview of the memory-mapped segment)
  in io.BytesIO, which copies it: opening a reader held a private copy of the whole postings,
  terms and stored-fields files (90 MB of worker memory for a 20,000-article index). It reads
  through the memoryview instead, so pages come from the shared page cache, with a read
  position per thread.
"""

from __future__ import annotations

import io
import threading
from typing import Any

from whoosh.codec import whoosh3
from whoosh.filedb import structfile
from whoosh.util.numeric import byte_to_length

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    original = whoosh3.W3PerDocReader._cached_reader

    def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
        readers = self._readers
        if fieldname in readers:
            return readers[fieldname]
        reader = original(self, fieldname, column)
        readers[fieldname] = reader
        return reader

    def doc_field_length(self: Any, docnum: int, fieldname: str, default: int = 0) -> Any:
        lengths = self.__dict__.get("_kb_lengths")
        if lengths is None:
            lengths = self.__dict__["_kb_lengths"] = {}
        data = lengths.get(fieldname)
        if data is None:
            data = lengths[fieldname] = _length_bytes(self, fieldname)
        if data is False:
            return default
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        lbyte = data[docnum] if docnum < len(data) else 0
        return _LENGTH[lbyte] if lbyte else None

    def buffer_file_init(self: Any, buf: Any, name: Any = None, onclose: Any = None) -> None:
        self._buf = buf
        self._name = name
        self.file = ViewFile(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    whoosh3.W3PerDocReader.doc_field_length = doc_field_length
    structfile.BufferFile.__init__ = buffer_file_init
    _installed = True


class ViewFile(io.RawIOBase):
    """A read-only file over a buffer (bytes or memoryview) that never copies the whole buffer.

    The read position is per thread: Whoosh reads postings with seek() then read(), and the
    web server's threads share one index reader.
    """

    def __init__(self, buf: Any) -> None:
        super().__init__()
        self._view = memoryview(buf).cast("B") if not isinstance(buf, bytes) else memoryview(buf)
        self._local = threading.local()
        self._len = len(self._view)

    @property
    def _pos(self) -> int:
        return int(getattr(self._local, "pos", 0))

    @_pos.setter
    def _pos(self, value: int) -> None:
        self._local.pos = value

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = self._len if size is None or size < 0 else min(self._len, start + size)
        self._pos = end
        return self._view[start:end].tobytes()

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        n = len(data)
        b[:n] = data
        return n

    def readline(self, size: int | None = -1) -> bytes:
        start = self._pos
        limit = self._len if size is None or size < 0 else min(self._len, start + size)
        chunk = self._view[start:limit].tobytes()
        nl = chunk.find(b"\n")
        if nl >= 0:
            chunk = chunk[: nl + 1]
        self._pos = start + len(chunk)
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 0:
            pos = offset
        elif whence == 1:
            pos = self._pos + offset
        else:
            pos = self._len + offset
        self._pos = max(0, pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        super().close()


_LENGTH = [byte_to_length(i) for i in range(256)]


def _length_bytes(perdoc: Any, fieldname: str) -> bytes | bool:
    reader = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    if reader is None:
        return False
    try:
        return bytes(reader._dbfile.get(reader._basepos, reader._count))
    except AttributeError:
        return bytes(reader[i] for i in range(perdoc._doccount))
