"""Tab completion for `pql repl`: prompt commands, PQL keywords, tables, ``table.column``, DEFINEd names,
WITH options and their values, and file names after ``.open`` / ``.save``; read from the open database
(no query runs, so completing is instant)."""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable

from pql.keywords import RESERVED

AGGREGATIONS = ("COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX", "FIRST", "LAST", "LIST_DISTINCT")
UNITS = ("minutes", "hours", "days", "weeks", "months", "years")
EXTRA_WORDS = ("TOP", "TIMEFRAMES", "BUDGET", "INF", "OR REPLACE")
#: characters that end a word for completion ('.' is not one: ``orders.amount`` completes as one word)
DELIMITERS = " \t\n(),;=<>!+-*/'\""
#: prompt commands whose argument is a file
FILE_COMMANDS = (".open", ".save")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|;")
_VALUE_AT_END = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*=\s*$")


def completions(text: str, line: str, *, commands: Iterable[str], db=None, defines: Iterable[str] = (),
                before: str = "") -> list[str]:
    """What the word ``text`` (the end of ``line``, the input so far on this line) may complete to,
    sorted. ``before``: the earlier lines of the statement being typed (a WITH there counts)."""
    if line.lstrip().startswith("."):
        return _command_completions(text, line, commands, db)
    head = line[: len(line) - len(text)] if text and line.endswith(text) else line
    code, quote = _code(f"{before}\n{head}" if before else head)
    statement = code.rsplit(";", 1)[-1]  # the statement being typed, not one ended earlier on the line
    option = _option_at_value(statement)
    if option is not None:
        return _option_values(option, text, quoted=quote == "'")
    if quote is not None:  # inside a string or a quoted name: nothing to offer
        return []
    if "." in text and db is not None:
        return _columns(text, db)
    words: list[str] = [*RESERVED, *AGGREGATIONS, *EXTRA_WORDS]
    upper = text.isupper() or not text
    pool = [w if upper else w.lower() for w in words]
    pool += list(UNITS) + list(defines)
    if _in_with(statement):
        from pql.options import OPTION_NAMES

        pool += list(OPTION_NAMES)
    if db is not None:
        pool += [t.name for t in db.tables]
    low = text.lower()
    return sorted({w for w in pool if w.lower().startswith(low)})


def _command_completions(text: str, line: str, commands: Iterable[str], db) -> list[str]:
    name, _, rest = line.lstrip().partition(" ")
    if not rest and not line.endswith(" "):
        return sorted(c for c in commands if c.startswith(text.lower()))
    name = name.lower()
    if name == ".schema" and db is not None:
        return sorted(t.name for t in db.tables if t.name.lower().startswith(text.lower()))
    if name == ".models":
        return ["all"] if "all".startswith(text.lower()) else []
    if name in FILE_COMMANDS:
        return _paths(rest.lstrip(), text)
    return []


def _columns(text: str, db) -> list[str]:
    """``table.col…`` → the table's columns, the table named as the binder finds it (any case, singular
    or plural: ``purchases.`` finds table ``purchase``), the table kept as typed."""
    from pql.binder.names import find_table

    name, _, prefix = text.rpartition(".")
    table, _ = find_table(db, name)
    if table is None:
        return []
    cols = ["*", *(c.name for c in table.columns)]
    return sorted(f"{name}.{c}" for c in cols if c.lower().startswith(prefix.lower()))


def _paths(typed: str, text: str) -> list[str]:
    """Files and folders (these with a '/') whose path starts with ``typed``, the argument so far; each
    as the rest of the word ``text`` (readline's word stops at '/' and '-', the argument does not)."""
    folder_typed, base = typed[: len(typed) - len(os.path.basename(typed))], os.path.basename(typed)
    folder = os.path.expanduser(folder_typed) or "."
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        if not name.startswith(base) or (name.startswith(".") and not base.startswith(".")):
            continue
        path = folder_typed + name + ("/" if os.path.isdir(os.path.join(folder, name)) else "")
        found.append(path[len(typed) - len(text):])  # what replaces ``text``
    return sorted(found)


def _code(text: str) -> tuple[str, str | None]:
    """``text`` with comments dropped and the insides of strings and quoted names blanked, and the quote
    still open at its end (None if none), read as the PQL lexer reads it."""
    out, quote, i, n = [], None, 0, len(text)
    while i < n:
        c = text[i]
        if quote is not None:
            if c == quote and text.startswith(quote * 2, i):
                i += 2
                continue
            if c == quote:
                quote = None
                out.append(c)
        elif c in "'\"`":
            quote = c
            out.append(c)
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out), quote


def _in_with(statement: str) -> bool:
    """Whether the statement's text (strings blanked) ends inside its WITH clause (``STARTS WITH`` /
    ``ENDS WITH`` are comparisons, and INTO ends the clause)."""
    inside, previous = False, ""
    for word in _WORD.findall(statement):
        upper = word.upper()
        if upper == "WITH" and previous not in ("STARTS", "ENDS"):
            inside = True
        elif upper == "INTO":
            inside = False
        previous = upper
    return inside


def _option_at_value(statement: str) -> str | None:
    """The WITH option whose value is being typed (``… WITH model = '``), else None."""
    text = statement.rstrip("'") if statement.endswith("'") and statement.count("'") % 2 else statement
    match = _VALUE_AT_END.search(text)
    if match is None or not _in_with(text[: match.start()]):
        return None
    from pql.options import spec

    option = spec(match.group(1))
    return option.name if option is not None else None


def option_values(name: str) -> tuple[str, ...]:
    """The values option ``name`` allows, when they are a short list ('auto', 'gnn', …; true, false)."""
    from pql.options import spec

    option = spec(name)
    if option is None:
        return ()
    if option.name == "metric":  # free text checked against the task at bind time: offer every task's
        from engine.metrics import SELECTABLE

        return tuple(sorted({m for names in SELECTABLE.values() for m in names}))
    try:
        option.check("\0")  # no option accepts it: the message lists what they do accept
    except ValueError as e:
        message = str(e).split(";", 1)[0]
    else:
        return ()
    if "one of" in message:
        return tuple(re.findall(r"'([^']*)'", message.split("one of", 1)[1]))
    if "true or false" in message:
        return ("true", "false")
    return ()


def _option_values(option: str, text: str, *, quoted: bool) -> list[str]:
    """Option ``option``'s values starting with ``text``: inside the open quote as they are (``model =
    'gn`` → ``gnn``; readline closes the quote of a single match), or quoted whole after ``=``
    (``'gnn'``; true and false need no quotes)."""
    values = option_values(option)
    strings = values != ("true", "false")
    out = []
    for value in values:
        if not value.lower().startswith(text.lower().lstrip("'")):
            continue
        out.append(value if quoted or not strings else f"'{value}'")
    return sorted(out)


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
