"""Keep a native library's own stderr lines (LightGBM's ``[LightGBM] [Fatal] …``) off the user's terminal.

LightGBM's C++ core writes to file descriptor 2 directly, past Python's ``sys.stderr`` and past its
``verbose`` parameter (a model file is parsed before any parameter applies), so only redirecting the
descriptor itself silences it. What it wrote is kept, for an error that needs it.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass
class Captured:
    """What the native code wrote to stderr inside `native_stderr_captured` (filled in on exit)."""

    text: str = ""

    def lines(self, prefix: str = "") -> list[str]:
        """The non-blank lines, ``prefix`` (e.g. ``"[LightGBM] [Fatal] "``) taken off where present."""
        return [line.removeprefix(prefix).strip() for line in self.text.splitlines() if line.strip()]


@contextlib.contextmanager
def native_stderr_captured() -> Iterator[Captured]:
    """Send file descriptor 2 to a temporary file for the block; Python's own stderr is flushed first,
    so nothing written before the block is lost or caught."""
    captured = Captured()
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield captured
            finally:
                os.dup2(saved, 2)
                sink.seek(0)
                captured.text = sink.read().decode("utf-8", errors="replace")
    finally:
        os.close(saved)
