"""The one error root of pql and its per-stage subclasses.

Every error about query text carries the text and a span and renders as::

    line 1, column 9: unknown table 'custmer'; did you mean 'customer'?
      PREDICT COUNT(custmer.*, 0, 30) > 0 FOR EACH customer
                    ^^^^^^^
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from pql.span import Span, caret_block


class PQLError(Exception):
    """Root of every error pql raises on purpose.

    Every one has ``message`` (the text without position), ``hint`` and ``span`` (None where the error is
    not about query text), so code can handle any of them alike."""

    hint: str | None = None
    span: Span | None = None
    text: str | None = None

    @property
    def message(self) -> str:
        return self.__dict__.get("_message", str(self))

    @message.setter
    def message(self, value: str) -> None:
        self.__dict__["_message"] = value


def is_interrupt(error: BaseException) -> bool:
    """True when ``error`` wraps a Ctrl-C that DuckDB turned into its own exception (its cause chain
    holds an ``InterruptException``)."""
    seen = error
    while seen is not None:
        if type(seen).__name__ == "InterruptException" or isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class PQLInputError(PQLError, ValueError):
    """Something the user wrote or passed in is wrong (as opposed to an internal failure)."""


class OptionValueError(PQLInputError):
    """A ``WITH`` option's value that only the data shows to be wrong (a cut-off outside the data's span);
    the session points it at the option in the query text (``option``: its name)."""

    def __init__(self, message: str, *, option: str):
        self.option = option
        super().__init__(message)


class QueryTextError(PQLInputError):
    """An error that points at a place in query text."""

    def __init__(self, message: str, *, text: str | None = None, span: Span | None = None, hint: str | None = None):
        self.message = message
        self.text = text
        self.span = span
        self.hint = hint
        super().__init__(self.render())

    @property
    def line(self) -> int | None:
        return self.span.line if self.span else None

    @property
    def column(self) -> int | None:
        return self.span.column if self.span else None

    def render(self) -> str:
        head = self.message
        if self.span is not None:
            head = f"line {self.span.line}, column {self.span.column}: {self.message}"
        parts = [head]
        if self.text is not None and self.span is not None:
            parts.append(caret_block(self.text, self.span))
        if self.hint:
            parts.append(f"  hint: {self.hint}")
        return "\n".join(parts)


class PQLSyntaxError(QueryTextError):
    """The text is not valid PQL."""


class PQLBindError(QueryTextError):
    """The query is valid PQL but does not fit the database (unknown names, wrong types, …)."""


class PQLErrorGroup(PQLInputError):
    """Several errors found in one pass, raised together (the binder collects all it can find)."""

    def __init__(self, errors: Sequence[PQLError]):
        self.errors = tuple(errors)
        n = len(self.errors)
        header = f"{n} errors:" if n != 1 else "1 error:"
        super().__init__("\n".join([header, *(str(e) for e in self.errors)]))


class SchemaError(PQLInputError):
    """The database cannot be understood (bad override, ambiguous key, unreadable source)."""


class ConnectorError(PQLInputError):
    """A data source could not be opened or read."""


class EngineError(PQLError):
    """Training, prediction or writing results failed."""


def did_you_mean(name: str, candidates: Iterable[str], *, n: int = 1, cutoff: float = 0.6) -> str:
    """`"; did you mean 'x'?"` for the closest candidate(s), or "" when none is close."""
    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=cutoff)
    if not close:
        return ""
    names = " or ".join(f"'{lowered[c]}'" for c in close)
    return f"; did you mean {names}?"
