"""Standard output at the file-descriptor level, where C libraries write too.

HiGHS (1.16 and later) prints a banner on file descriptor 1 from C++ when the first
``Highs`` object of a process is created, before any option can be set; Python's
``sys.stdout`` never sees it. Two guards, both at the descriptor:

- ``silenced()`` points descriptor 1 at the null device for a moment (the solver's own
  start-up), so nothing of it reaches anyone's stdout: this process, a spawned worker or
  a Dask worker alike.
- ``reserved_for_json()`` keeps stdout for one JSON document for the whole of a
  ``--json`` command: anything else written to descriptor 1 meanwhile, by any library,
  goes to stderr, and only the document goes to the real stdout.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, TextIO

STDOUT_FD = 1
STDERR_FD = 2
_lock = threading.Lock()


def flush_all() -> None:
    """Flush Python's stdout and every C stdio stream, so no buffered byte changes destination."""
    for stream in (sys.stdout, sys.__stdout__):
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):  # closed or detached by the host program
                stream.flush()
    libc = c_library()
    if libc is not None:
        libc.fflush(None)


@cache
def c_library() -> Any:
    """The C library of this process (for ``fflush``), or None where it cannot be found."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name is not None else None
    except OSError:
        return None


@contextmanager
def descriptor_redirected(target_fd: int) -> Iterator[None]:
    """While inside, whatever is written to descriptor 1 goes to ``target_fd``."""
    with _lock:
        flush_all()
        saved = os.dup(STDOUT_FD)
        try:
            os.dup2(target_fd, STDOUT_FD)
            try:
                yield
            finally:
                flush_all()
                os.dup2(saved, STDOUT_FD)
        finally:
            os.close(saved)


@contextmanager
def silenced() -> Iterator[None]:
    """Discard what anything, C code included, writes to stdout while inside."""
    with open(os.devnull, "wb") as null, descriptor_redirected(null.fileno()):
        yield


class JsonStdout:
    """The real standard output of a ``--json`` command, kept for its one document."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write_document(self, text: str) -> None:
        self.stream.write(text if text.endswith("\n") else text + "\n")
        self.stream.flush()


@contextmanager
def reserved_for_json() -> Iterator[JsonStdout]:
    """Send everything written to stdout to stderr, except what goes through the yielded writer.

    Descriptor 1 points at stderr while inside (worker processes started meanwhile inherit
    that); the writer holds a duplicate of the original stdout.
    """
    try:
        stdout_is_descriptor_1 = sys.stdout.fileno() == STDOUT_FD
    except (AttributeError, OSError, ValueError):  # replaced by a host program, e.g. a test runner
        stdout_is_descriptor_1 = False
    if not stdout_is_descriptor_1:
        yield JsonStdout(sys.stdout)
        return
    flush_all()
    original = os.dup(STDOUT_FD)
    real = os.fdopen(original, "w", encoding="utf-8", closefd=True)
    try:
        os.dup2(STDERR_FD, STDOUT_FD)
        try:
            yield JsonStdout(real)
        finally:
            flush_all()
            os.dup2(real.fileno(), STDOUT_FD)
    finally:
        real.close()


def displayable(text: str) -> str:
    """``text`` as any stdout can print it: the undecodable bytes of a file name become U+FFFD.

    A name that is not UTF-8 reaches Python with surrogate escapes, which a strict UTF-8
    stream refuses (``UnicodeEncodeError`` after the solve).
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape" if escapes_only(text) else "replace").decode(
            "utf-8", "replace"
        )
    return text


def escapes_only(text: str) -> bool:
    """The only surrogates in ``text`` are the escapes of undecodable bytes (they re-encode)."""
    try:
        text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return False
    return True
