"""Source positions carried by AST nodes and used by every error that points at query text."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Span:
    """A half-open character range ``[start, end)`` in the source text, with 1-based line/column
    of its start (and end) for messages. Spans never take part in AST equality (see pql.ast)."""

    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int

    @staticmethod
    def point(text: str, pos: int) -> "Span":
        """The one-character span at ``pos`` in ``text``."""
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return Span(start=pos, end=pos + 1, line=line, column=column, end_line=line, end_column=column + 1)


# A line up to LONG_LINE characters is shown whole (a one-line query, say); a longer one (a generated
# script's, 100 KB on one line) as a window WINDOW wide around the error, '…' marking each cut end.
LONG_LINE = 160
WINDOW = 100
WINDOW_BEFORE = 60  # of which this much comes before the error, where its cause usually is


def caret_block(text: str, span: Span) -> str:
    """The offending source line and a caret line under ``span`` (``^^^`` across its width on that line);
    of a line longer than ``LONG_LINE`` characters, only a window around ``span``."""
    lines = text.splitlines() or [""]
    idx = min(max(span.line - 1, 0), len(lines) - 1)
    src = lines[idx]
    width = 1
    if span.end_line == span.line:
        width = max(1, span.end_column - span.column)
    width = max(1, min(width, len(src) - span.column + 1)) if src else 1
    start = span.column - 1
    left = right = ""
    if len(src) > LONG_LINE:
        lo = max(0, min(start - WINDOW_BEFORE, len(src) - WINDOW))
        hi = lo + WINDOW
        left, right = ("…" if lo > 0 else ""), ("…" if hi < len(src) else "")
        src, start = src[lo:hi], start - lo
        width = max(1, min(width, len(src) - start))
    under = src[start:start + width]
    return f"  {left}{src}{right}\n  {_blank(left + src[:start])}{'^' * max(1, _display_width(under))}"


def _display_width(s: str) -> int:
    """Terminal columns of ``s``: wide (CJK) characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _blank(prefix: str) -> str:
    """Blank space as wide as ``prefix`` on a terminal; tabs are kept so they expand alike."""
    return "".join(c if c == "\t" else " " * _display_width(c) for c in prefix)


def narrow(text: str | None, span: Span | None, needle: str, *, after: str | None = None) -> Span | None:
    """The span of ``needle`` (case-insensitive) inside ``span``, so a caret can point at one name of a
    larger node; ``after``: search past the first occurrence of this text first. Falls back to ``span``."""
    if text is None or span is None:
        return span
    low = text.lower()
    begin = span.start
    if after:
        found = low.find(after.lower(), begin, span.end)
        if found >= 0:
            begin = found + len(after)
    pos = low.find(needle.lower(), begin, span.end)
    if pos < 0:
        return span
    start = Span.point(text, pos)
    end_col = start.column + len(needle)
    return Span(start=pos, end=pos + len(needle), line=start.line, column=start.column,
                end_line=start.line, end_column=end_col)
