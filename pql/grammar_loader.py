"""Find and compile the PQL grammar (``grammar/pql.lark``), once per process.

An installed wheel carries the grammar as package data at ``pql/grammar/pql.lark`` (pyproject
force-includes it there); a source checkout or editable install reads the repository's
``grammar/pql.lark``. Lark is imported here, never by ``import pql``.
"""
from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from pql.errors import PQLError

if TYPE_CHECKING:
    import lark

GRAMMAR_FILE = "pql.lark"
_REPO_GRAMMAR = Path(__file__).resolve().parent.parent / "grammar" / GRAMMAR_FILE


def grammar_location() -> str:
    """Where the grammar is read from: the packaged copy if there is one, else the repository's."""
    packaged = resources.files("pql").joinpath("grammar", GRAMMAR_FILE)
    if packaged.is_file():
        return str(packaged)
    if _REPO_GRAMMAR.is_file():
        return str(_REPO_GRAMMAR)
    raise PQLError(f"the PQL grammar is missing: neither {packaged} nor {_REPO_GRAMMAR} exists; reinstall pql")


def grammar_text() -> str:
    packaged = resources.files("pql").joinpath("grammar", GRAMMAR_FILE)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return Path(grammar_location()).read_text(encoding="utf-8")


@functools.cache
def lark_parser() -> "lark.Lark":
    """The compiled LALR parser, built once per process.

    ``cache=True`` lets Lark keep the compiled tables in the temp directory, keyed by a hash of the
    grammar and options, which cuts a cold start from about a second to a tenth; Lark rebuilds (and
    only logs) when the cache is missing, stale or unwritable.
    """
    import lark

    return lark.Lark(
        grammar_text(),
        start="script",
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,
    )
