"""State shared by the binder's rules: the database, the query text, collected errors and notes."""
from __future__ import annotations

from dataclasses import dataclass, field

from engine.schema.model import Database
from pql.errors import PQLBindError, PQLErrorGroup
from pql.span import Span, narrow


@dataclass(kw_only=True)
class BindContext:
    db: Database
    text: str | None
    errors: list[PQLBindError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def error(self, message: str, span: Span | None, hint: str | None = None) -> None:
        """Record an error and carry on: all errors of a statement are raised together."""
        self.errors.append(PQLBindError(message, text=self.text, span=span, hint=hint))

    def at(self, span: Span | None, name: str, *, after: str | None = None) -> Span | None:
        """Narrow ``span`` to where ``name`` is written inside it."""
        return narrow(self.text, span, name, after=after)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def raise_if_errors(self) -> None:
        self.errors.sort(key=lambda e: e.span.start if e.span else -1)
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise PQLErrorGroup(self.errors)


class Unresolved(Exception):
    """Internal: a name could not be resolved; the error is already recorded in the context."""
