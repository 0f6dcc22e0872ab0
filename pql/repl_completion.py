"""Tab completion for `pql repl`: prompt commands, PQL keywords, tables, ``table.column``, DEFINEd names
and WITH options, read from the open database (no query runs, so completing is instant)."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from pql.keywords import RESERVED

AGGREGATIONS = ("COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX", "FIRST", "LAST", "LIST_DISTINCT")
UNITS = ("minutes", "hours", "days", "weeks", "months", "years")
EXTRA_WORDS = ("TOP", "TIMEFRAMES", "BUDGET", "INF", "OR REPLACE")
#: characters that end a word for completion ('.' is not one: ``orders.amount`` completes as one word)
DELIMITERS = " \t\n(),;=<>!+-*/'\""


def completions(text: str, line: str, *, commands: Iterable[str], db=None, defines: Iterable[str] = ()) -> list[str]:
    """What the word ``text`` (the end of ``line``, the input so far) may complete to, sorted."""
    if line.lstrip().startswith("."):
        head, _, rest = line.lstrip().partition(" ")
        if not rest and not line.endswith(" "):
            return sorted(c for c in commands if c.startswith(text.lower()))
        if head.lower() == ".schema" and db is not None:
            return sorted(t.name for t in db.tables if t.name.lower().startswith(text.lower()))
        return []
    if "." in text and db is not None:
        name, _, prefix = text.rpartition(".")
        table = db.table(name)
        if table is None:
            return []
        cols = ["*", *(c.name for c in table.columns)]
        return sorted(f"{name}.{c}" for c in cols if c.lower().startswith(prefix.lower()))
    words: list[str] = [*RESERVED, *AGGREGATIONS, *EXTRA_WORDS]
    upper = text.isupper() or not text
    pool = [w if upper else w.lower() for w in words]
    pool += list(UNITS) + list(defines) + _options_after_with(line)
    if db is not None:
        pool += [t.name for t in db.tables]
    low = text.lower()
    return sorted({w for w in pool if w.lower().startswith(low)})


def _options_after_with(line: str) -> list[str]:
    if " with " not in f" {line.lower()} ":
        return []
    from pql.options import OPTIONS

    return [spec.name for spec in OPTIONS]


def readline_completer(source: Callable[[str, str], list[str]]) -> Callable[[str, int], str | None]:
    """A ``readline.set_completer`` function over ``source(text, line)``."""
    import readline

    found: list[str] = []

    def complete(text: str, state: int) -> str | None:
        nonlocal found
        if state == 0:
            try:
                found = source(text, readline.get_line_buffer()[: readline.get_endidx()])
            except Exception:  # a completion must never break the prompt
                found = []
        return found[state] if state < len(found) else None

    return complete
