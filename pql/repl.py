"""`pql repl [DB]`: an interactive PQL prompt over one database.

Statements end with ``;`` (at a terminal also with a blank line) and may span lines; DEFINEs last for
the session, and a trained model is reused by a repeated query as everywhere else. Lines starting with
``.`` are prompt commands (``.help``); one typed while a statement is unfinished drops that statement,
with a note, and runs. A mistake prints the same error as ``pql query`` (line, column, caret, did you
mean) and the session goes on; Ctrl-C drops the statement being typed or stops the one running;
Ctrl-D or ``.quit`` leaves; Tab completes commands, keywords, tables, ``table.column``, DEFINEd
names, WITH options and their values, and file names after ``.open`` / ``.save``. With stdin not a
terminal the prompt reads it as a UTF-8 script, as ``pql run`` does (statements end only at ``;`` or
the end of input, a blank line inside one is part of it), without prompts, its errors naming lines of
the input, and exits 1 if any statement failed. A warning shows once per session; repeats are counted.

`Repl` holds the state and takes one line at a time (`feed`), so it is driven the same way by the
terminal loop (`run_repl`, with readline history in ``$PQL_HOME/repl_history``) and by tests.
"""
from __future__ import annotations

import copy
import dataclasses
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import click

from pql.errors import PQLError, PQLErrorGroup, PQLInputError, QueryTextError, did_you_mean

PROMPT, MORE = "pql> ", "...> "
HISTORY_FILE = "repl_history"
HELP = """Statements (end with ';', at a terminal also with a blank line; they may span lines):
  PREDICT … / EVALUATE PREDICT … / EXPLAIN PREDICT … / DEFINE name AS target
Commands:
  .tables            the tables, their rows, keys and time columns
  .schema [TABLE]    what pql sees: keys, links, time columns, column types
  .defines           the names DEFINEd in this session
  .save FILE         write the last result table (.parquet, .csv, .json or .jsonl)
  .models [all]      the saved models of this database (all: of every database)
  .open DB           work on another database (DEFINEs are kept)
  .help              this text
  .quit / .exit      leave (or Ctrl-D)"""
_COMMAND_LINE = re.compile(r"\.[A-Za-z]")  # no PQL line starts so (a number may: .5)


class Repl:
    """One prompt session: the open database, DEFINEs, the statement being typed, the last result."""

    def __init__(self, source: str | None = None, *, log: Callable[[str], None] | None = None,
                 show_progress: bool | None = False, echo: Callable[[str], None] | None = None,
                 echo_error: Callable[[str], None] | None = None, input_lines: bool = False):
        self.echo = echo or click.echo
        self.echo_error = echo_error or (lambda text: click.echo(text, err=True))
        self.log = _once_per_warning(log) if log is not None else None
        self.show_progress = show_progress
        self.session = None
        self.buffer: list[str] = []
        self.last_table = None
        self.failures = 0
        # stdin is a script, not a person: errors name the line of the input (not of the statement), and
        # statements end only at ';' or the end of input, as `pql run` reads a file (no blank-line rule)
        self.input_lines = input_lines
        self.line = 0  # lines fed so far
        self.first_line = 1  # the input line the statement being typed starts at
        if source is not None:
            self.open(source)

    @property
    def prompt(self) -> str:
        return MORE if self.buffer else PROMPT

    @property
    def repeated_warnings(self) -> int:
        """How many warnings were not shown again because the session had shown the same text before."""
        return getattr(self.log, "repeats", 0)

    # ---- input ----------------------------------------------------------------------------------

    def feed(self, line: str) -> bool:
        """Take one line of input; False once the user asked to leave."""
        stripped = line.strip()
        self.line += 1
        if not self.buffer:
            self.first_line = self.line
            if not stripped or stripped.startswith("--"):
                return True
            if stripped.startswith("."):
                return self.command(stripped)
        elif _COMMAND_LINE.match(stripped) and _scan("\n".join(self.buffer)).quote is None:
            self.drop_unfinished(stripped.split()[0])
            return self.command(stripped)
        if stripped or self.input_lines or _scan("\n".join(self.buffer)).quote is not None:
            self.buffer.append(line.rstrip("\n"))  # in a script a blank line is kept: lines stay counted
        state = _scan("\n".join(self.buffer))
        if state.ends or (not stripped and not self.input_lines and state.quote is None):
            self.submit()  # at a terminal a blank line ends the statement too
        return True

    def drop_unfinished(self, command: str) -> None:
        """A prompt command typed while a statement is unfinished: the statement is dropped, with a note
        (in a script an error: a statement that never ran)."""
        lines = f"line {self.first_line}" if self.line - 1 == self.first_line else \
            f"lines {self.first_line}-{self.line - 1}"
        message = (f"dropped the unfinished statement ({lines} of the input: no ';' before {command}, "
                   "a prompt command)" if self.input_lines else
                   f"dropped the unfinished statement ({command} is a prompt command; end a statement with ';')")
        self.buffer = []
        if self.input_lines:
            self.fail(message)
        else:
            self.echo_error(f"note: {message}")

    def submit(self) -> None:
        """Run what has been typed (at a ';', a blank line at a terminal, or the end of input)."""
        text, self.buffer = "\n".join(self.buffer), []
        if text.strip():
            self.execute(text, line=self.first_line if self.input_lines else 1)

    def cancel(self) -> None:
        """Ctrl-C at the prompt: forget the statement being typed."""
        self.buffer = []

    def leave(self) -> None:
        """Ctrl-D at the prompt means leave: an unfinished statement is dropped with a note, not run (it
        could start minutes of training on the way out)."""
        if "\n".join(self.buffer).strip():
            self.buffer = []
            self.echo_error("note: dropped the unfinished statement (no ';' before Ctrl-D); nothing ran")

    # ---- statements -----------------------------------------------------------------------------

    def execute(self, text: str, *, line: int = 1) -> None:
        """Run ``text`` (typed at input ``line``), showing each statement's result as it finishes."""
        if self.session is None:
            self.fail("no database is open; .open DB first (a .duckdb file or a folder of CSV/Parquet/JSON files)")
            return
        from rich.console import Console

        from pql.display import show_result

        console = Console()
        try:
            for result in self.session.run_iter(text):
                show_result(result, console, save_hint=".save FILE")
                if result.table is not None:
                    self.last_table = result.table
        except KeyboardInterrupt:
            self.fail("stopped (Ctrl-C); the session is still open")
        except PQLError as e:
            from pql.cli import interrupted

            self.fail("stopped (Ctrl-C); the session is still open" if interrupted(e) else _at_line(e, line - 1))
        except Exception as e:  # a bug must not end the session and lose its DEFINEs
            self.internal_error(e)

    def fail(self, message: str) -> None:
        self.failures += 1
        self.echo_error(f"Error: {message}")

    def internal_error(self, e: Exception) -> None:
        """An exception pql did not mean to raise: say so (with PQL_DEBUG=1, its traceback) and go on."""
        from pql.cli import debugging, internal_error

        if debugging():
            import traceback

            self.echo_error(traceback.format_exc().rstrip())
        self.fail(f"{internal_error(e)} The session is still open.")

    # ---- commands -------------------------------------------------------------------------------

    def command(self, line: str) -> bool:
        name, _, arg = line.partition(" ")
        name, arg = name.lower(), arg.strip()
        if name in (".quit", ".exit"):
            return False
        handler = COMMANDS.get(name)
        if handler is None:
            self.fail(f"unknown command {name}{did_you_mean(name, COMMANDS)} (.help lists them)")
            return True
        try:
            handler(self, arg)
        except PQLError as e:
            self.fail(str(e))
        except Exception as e:
            self.internal_error(e)
        return True

    def open(self, source: str) -> None:
        from pql.session import connect

        session = connect(source, log=self.log, show_progress=self.show_progress)
        if self.session is not None:
            session.defines = self.session.defines
            self.session.close()
        self.session = session

    def complete(self, text: str, line: str) -> list[str]:
        """Tab completions for ``text`` at the end of ``line`` (see `pql.repl_completion`)."""
        from pql.repl_completion import completions

        session = self.session
        return completions(text, line, commands=COMMANDS, db=session.db if session is not None else None,
                           defines=[d.name for d in session.defines.targets.values()] if session is not None else (),
                           before="\n".join(self.buffer))

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def _database(self):
        if self.session is None:
            raise PQLInputError("no database is open; .open DB first")
        return self.session.db

    def _help(self, arg: str) -> None:
        self.echo(HELP)

    def _open(self, arg: str) -> None:
        if not arg:
            raise PQLInputError(".open needs a database: .open shop.duckdb")
        self.open(arg)
        self.echo(f"opened {arg}: {len(self._database().tables)} tables")

    def _tables(self, arg: str) -> None:
        for t in self._database().tables:
            rows = "?" if t.num_rows is None else f"{t.num_rows:,}"
            key = ", ".join(t.primary_key) or "no key"
            time = t.time_column or (f"time of {t.inherited_time.via.ref_table}" if t.inherited_time else "static")
            self.echo(f"{t.name}  {rows} rows · key {key} · {time}")

    def _schema(self, arg: str) -> None:
        from rich.console import Console

        from engine.schema.render import render_tree
        from pql.binder.names import find_table

        db = self._database()
        if arg:
            table, candidates = find_table(db, arg)  # as a query names it: any case, singular or plural
            if table is None:
                raise PQLInputError(self._no_table(arg, db, candidates))
            links = tuple(fk for fk in db.foreign_keys if table.name in (fk.table, fk.ref_table))
            db = dataclasses.replace(db, tables=(table,), foreign_keys=links, notes=())
        Console().print(render_tree(db))

    def _no_table(self, name: str, db, candidates) -> str:
        if candidates:
            return f"table name '{name}' is ambiguous: it could be {', '.join(repr(t.name) for t in candidates)}"
        output = self.session.into_output_table(name) if self.session else None
        if output is not None:
            return (f"'{output}' is a table of predictions written by INTO: pql leaves such tables out of its "
                    "graphs (a model must not learn from earlier predictions), so .schema does not show it")
        return f"no table '{name}'{did_you_mean(name, db.table_names)}"

    def _defines(self, arg: str) -> None:
        targets = self.session.defines.targets if self.session is not None else {}
        if not targets:
            self.echo("nothing DEFINEd yet (DEFINE name AS target;)")
        for statement in targets.values():
            self.echo(f"{statement.name} AS {statement.target}")

    def _save(self, arg: str) -> None:
        from pql.display import rows_text, write_table

        if not arg:
            raise PQLInputError(".save needs a file: .save predictions.parquet")
        if self.last_table is None:
            raise PQLInputError("no result to save yet: run a PREDICT or EVALUATE first")
        path = write_table(self.last_table, arg)
        self.echo(f"wrote {rows_text(self.last_table.num_rows)} to {path}")

    def _models(self, arg: str) -> None:
        from pql.display import show_models

        if arg.lower() not in ("", "all"):
            raise PQLInputError(f".models takes no argument but 'all' (got '{arg}')")
        if arg or self.session is None:
            show_models()
        else:
            show_models(here=self._model_fits)

    def _model_fits(self, entry) -> bool:
        """Whether a query here would reuse the saved model: its query binds against this database and
        gives the same fingerprint (same schema, data and options)."""
        from engine import registry
        from pql import ast
        from pql.binder import bind
        from pql.parser import parse

        try:
            (statement, *_) = [s for s in parse(entry.meta.get("query") or "") if isinstance(s, ast.PredictStatement)]
            db = self.session.db_for(statement.option("schema"))
            bq = bind(statement, db, defines=self.session.defines)
            return registry.fingerprint(bq, db, self.session.con, model=bq.option("model", "auto")) == entry.fingerprint
        except Exception:  # a query of another database, or a DEFINE this session lacks
            return False


COMMANDS: dict[str, Callable[[Repl, str], None]] = {
    ".help": Repl._help, ".open": Repl._open, ".tables": Repl._tables, ".schema": Repl._schema,
    ".defines": Repl._defines, ".save": Repl._save, ".models": Repl._models,
    ".quit": lambda repl, arg: None, ".exit": lambda repl, arg: None,
}


def _at_line(error: PQLError, offset: int) -> str:
    """The error's message with the lines of the spans it points at moved down by ``offset``."""
    if not offset:
        return str(error)
    if isinstance(error, PQLErrorGroup):
        header = str(error).split("\n", 1)[0]
        return "\n".join([header, *(_at_line(e, offset) for e in error.errors)])
    if isinstance(error, QueryTextError) and error.span is not None and error.text is not None:
        moved = copy.copy(error)
        moved.span = dataclasses.replace(error.span, line=error.span.line + offset,
                                         end_line=error.span.end_line + offset)
        moved.text = "\n" * offset + error.text  # the caret line is found by line number
        return moved.render()
    return str(error)


def _stdin_lines(stream) -> Iterable[str]:
    """The lines of a script on stdin, read as UTF-8 (a byte-order mark dropped) whatever the locale."""
    from pql.cli import decode_script

    binary = getattr(stream, "buffer", None)
    if binary is None:
        yield from stream
        return
    offset = 0
    for number, raw in enumerate(binary, 1):
        yield decode_script(raw, "standard input", line=number, offset=offset)
        offset += len(raw)


@dataclasses.dataclass(frozen=True)
class _TextState:
    quote: str | None  # the quote of a string or name still open at the end of the text
    ends: bool  # the last thing outside quotes and comments is ';'


def _scan(text: str) -> _TextState:
    """Read ``text`` as the PQL lexer does: '…' and "…" strings and `…` names (a quote written twice
    inside one is that quote), ``--`` comments to the end of the line, but only outside quotes."""
    quote, last, i, n = None, "", 0, len(text)
    while i < n:
        c = text[i]
        if quote is not None:
            if c == quote:
                if i + 1 < n and text[i + 1] == quote:
                    i += 1  # a doubled quote: one quote character inside the literal
                else:
                    quote = None
        elif c in "'\"`":
            quote, last = c, c
        elif c == "-" and text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif not c.isspace():
            last = c
        i += 1
    return _TextState(quote=quote, ends=quote is None and last == ";")


def _ends_statement(text: str) -> bool:
    """True when ``text`` (one line, or the lines typed so far) ends a statement: with a ';' outside
    strings and comments (``x = 'a--b';`` ends; ``x = 'a;`` does not)."""
    return _scan(text).ends


def _once_per_warning(log: Callable[[str], None]) -> Callable[[str], None]:
    """``log`` that shows each distinct warning once and counts its repeats (``.repeats``): a session
    runs many statements over one database, and the same data warning on each would bury the rest."""
    seen: set[str] = set()

    def once(message: str) -> None:
        if message.startswith("warning:"):
            if message in seen:
                once.repeats += 1
                return
            seen.add(message)
        log(message)

    once.repeats = 0
    return once


def run_repl(source: str | None, *, quiet: bool = False, lines: Iterable[str] | None = None) -> int:
    """The prompt loop on a terminal, or a script read from stdin (``lines``) without prompts."""
    def log(message: str) -> None:  # with --quiet the warnings stay, and so does INTO's one line
        if not quiet or message.startswith(("warning:", "wrote ")):
            click.echo(message, err=True)

    interactive = lines is None and sys.stdin.isatty()
    try:
        repl = Repl(source, log=log, show_progress=None if interactive and not quiet else False, input_lines=not interactive)
    except PQLError as e:
        raise click.ClickException(str(e)) from e
    try:
        if interactive:
            _interact(repl, source)
            return 0
        for line in (lines if lines is not None else _stdin_lines(sys.stdin)):
            if not repl.feed(line):
                return 1 if repl.failures else 0
        repl.submit()
        return 1 if repl.failures else 0
    finally:
        repl.close()
        if repl.repeated_warnings:
            n = repl.repeated_warnings
            click.echo(f"({n} repeated warning{'s' if n != 1 else ''} not shown again)", err=True)


def _interact(repl: Repl, source: str | None) -> None:
    from importlib.metadata import version

    history = _readline_setup(repl)
    tables = len(repl.session.db.tables) if repl.session is not None else 0
    where = f"{source}: {tables} tables" if source else "no database open (.open DB)"
    click.echo(f"pql {version('pql')} · {where}. End a statement with ';'; .help for commands, .quit to leave.")
    try:
        while True:
            try:
                line = input(repl.prompt)
            except KeyboardInterrupt:
                click.echo("^C")
                repl.cancel()
                continue
            except EOFError:
                click.echo()
                repl.leave()
                return
            if not repl.feed(line):
                return
    finally:
        if history is not None:
            history()


def _readline_setup(repl: Repl) -> Callable[[], None] | None:
    """Line editing, tab completion and a persistent history where readline exists; returns the saver."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input() still works
        return None
    from pql.home import home
    from pql.repl_completion import DELIMITERS, readline_completer

    readline.set_completer(readline_completer(repl.complete))
    readline.set_completer_delims(DELIMITERS)
    # macOS's libedit reads another binding syntax
    readline.parse_and_bind("bind ^I rl_complete" if "libedit" in (readline.__doc__ or "") else "tab: complete")

    path = Path(home()) / HISTORY_FILE
    try:
        readline.read_history_file(path)
    except OSError:
        pass
    readline.set_history_length(1000)

    def save() -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(path)
        except OSError:
            pass

    return save
