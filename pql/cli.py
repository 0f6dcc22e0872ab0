"""The `pql` command line. Thin: each command is a few lines over a same-named API function, and
every `PQLError` becomes a `click.ClickException` (printed as `Error: …`, exit code 1). Anything else
is a bug in pql: one "internal error" paragraph, exit code 1 (``PQL_DEBUG=1`` shows the traceback);
Ctrl-C leaves quietly with exit code 130."""
from __future__ import annotations

import codecs
import functools
import os
import sys

import click

from pql.errors import PQLError, PQLInputError

DEBUG_VARIABLE = "PQL_DEBUG"


def debugging() -> bool:
    """``PQL_DEBUG=1``: let an internal error's traceback through instead of the one-paragraph message."""
    return os.environ.get(DEBUG_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def internal_error(e: BaseException) -> str:
    """The message for an exception pql did not mean to raise."""
    return (f"internal error: {type(e).__name__}: {e}\nThis is a bug in pql; please report it. "
            f"Run again with {DEBUG_VARIABLE}=1 to see the traceback.")


def interrupted(e: BaseException | None) -> bool:
    """Ctrl-C, possibly wrapped: DuckDB answers it with its own InterruptException, which pql then wraps."""
    seen = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt) or type(e).__name__ == "InterruptException":
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return False


def friendly(fn):
    """Turn library errors into clean CLI errors: no traceback for anything the user can fix, and a
    one-paragraph "internal error" (not a traceback) for anything else, unless ``PQL_DEBUG=1``."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except (Exception, KeyboardInterrupt) as e:
            if interrupted(e):
                raise click.exceptions.Exit(130) from None
            if isinstance(e, PQLError):
                raise click.ClickException(str(e)) from e
            if debugging():
                raise
            raise click.ClickException(internal_error(e)) from e

    return wrapper


def decode_script(data: bytes, name: str, *, line: int = 1, offset: int = 0) -> str:
    """A script's bytes as text: UTF-8, a leading byte-order mark (Windows editors write one) dropped.
    ``line``, ``offset``: where ``data`` starts in ``name``, for the message."""
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as e:
        at = skip + e.start
        start = data.rfind(b"\n", 0, at) + 1
        line += data.count(b"\n", 0, at)
        column = len(data[max(start, skip):at].decode("utf-8", errors="replace")) + 1
        raise PQLInputError(f"cannot read {name}: byte 0x{data[at]:02x} at line {line}, column {column} (byte "
                            f"offset {offset + at}) is not UTF-8; save the file as UTF-8") from e


def _script_name(source) -> str:
    name = getattr(source, "name", "-")
    return "standard input" if name in ("-", "<stdin>") else name


def _read_script(source) -> str:
    return decode_script(source.read(), _script_name(source))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pql")
def main() -> None:
    """pql: predictive queries over relational databases."""


@main.command("parse")
@click.argument("source", metavar="FILE|-|TEXT")
@friendly
def parse_command(source: str) -> None:
    """Print the syntax tree of each statement in a PQL script: FILE, - (stdin), or, when no file has
    that name, the argument itself as PQL text (`pql parse "PREDICT … FOR customer"`)."""
    from pql.ast import dump
    from pql.parser import parse

    statements = parse(_script_or_text(source))
    click.echo("\n\n".join(dump(s) for s in statements) if statements else "(no statements)")


def _script_or_text(source: str) -> str:
    """``pql parse``'s argument: - (stdin), an existing file, or else PQL text. A single word (no PQL
    statement is one: PREDICT … FOR …) names a file that is not there: a usage error, as before."""
    if source == "-":
        with click.open_file("-", "rb") as stdin:
            return _read_script(stdin)
    if os.path.isfile(source):
        with open(source, "rb") as f:
            return _read_script(f)
    if os.path.isdir(source):
        raise click.BadParameter(f"'{source}' is a folder, not a script", param_hint="FILE|-|TEXT")
    if source.strip() and not any(c.isspace() for c in source.strip()):
        raise click.BadParameter(f"no file '{source}' (and one word is no PQL statement)", param_hint="FILE|-|TEXT")
    return source


def _one_db(positional: str | None, option: str | None) -> str | None:
    """DB given as the argument or, as the other commands take it, as ``--db`` (not both, unless equal)."""
    if positional is not None and option is not None and positional != option:
        raise click.UsageError(f"two databases given: '{positional}' and --db '{option}'; give one")
    return option if option is not None else positional


def _required_db(positional: str | None, option: str | None, after: str) -> str:
    db = _one_db(positional, option)
    if db is None:
        raise click.UsageError(f"no database given: name it after {after} or with --db DB")
    return db


SOURCES = ("a DuckDB or SQLite file, a postgresql:// URI, a folder of CSV/Parquet/JSON files, or one such "
           "file")
DB_ALIAS = click.option("--db", "db_option", default=None, metavar="DB", help="The same as the DB argument.")
QUIET_OPTION = click.option("--quiet", "-q", is_flag=True, help="No progress messages (warnings are still shown).")


@main.command("explain")
@click.argument("query")
@click.argument("db", required=False, default=None, metavar="[DB]")
@click.option("--db", "db_option", default=None, metavar="DB",
              help=f"The same as the DB argument: bind against this database ({SOURCES}).")
@QUIET_OPTION
@friendly
def explain_command(query: str, db: str | None, db_option: str | None, quiet: bool) -> None:
    """Explain what pql understands from QUERY (with DB: names, task, SQL and plan)."""
    from pql.explainer import explain

    _statements(query)
    db = _one_db(db, db_option)
    if db is None:
        click.echo(explain(query))
        return
    from pql.session import connect

    with connect(db, log=_progress_log(quiet)) as session:
        click.echo(explain(query, db=session))


DB_OPTION = click.option("--db", required=True, help=SOURCES[0].upper() + SOURCES[1:] + ".")
OUTPUT_OPTION = click.option("--output", "-o", default=None, metavar="FILE",
                             help="Write the result to FILE (.parquet, .csv, .json or .jsonl) instead of printing it.")
RESULTS_OPTION = click.option(
    "--output", "-o", default=None, metavar="FILE",
    help="Write the result tables to files (.parquet, .csv, .json or .jsonl) instead of printing them: one table goes "
         "to FILE, several to FILE numbered (out.parquet: out-1.parquet, out-2.parquet, …); each file is "
         "written as soon as its statement finishes.")


@main.command("query")
@click.argument("query")
@click.argument("db", required=False, default=None, metavar="DB")
@DB_ALIAS
@RESULTS_OPTION
@QUIET_OPTION
@friendly
def query_command(query: str, db: str | None, db_option: str | None, output: str | None, quiet: bool) -> None:
    """Run QUERY against DB (the argument, or --db DB) and show the result: a PREDICT, EVALUATE or
    EXPLAIN statement (several, separated by ';', run in order as with `pql run`)."""
    from pql.session import connect

    db = _required_db(db, db_option, "QUERY")
    statements = _statements(query)
    _check_output(output, statements)
    with connect(db, log=_progress_log(quiet), show_progress=None if not quiet else False) as session:
        _run_statements(session, statements, output)


@main.command("run")
@click.argument("script", type=click.File("rb"), metavar="SCRIPT|-")
@click.argument("db", required=False, default=None, metavar="DB")
@DB_ALIAS
@RESULTS_OPTION
@QUIET_OPTION
@friendly
def run_command(script, db: str | None, db_option: str | None, output: str | None, quiet: bool) -> None:
    """Run every statement of a .pql script (DEFINEs included) against DB (the argument, or --db DB),
    showing each result as soon as its statement finishes. Every statement is checked against DB before
    the first one runs."""
    from pql.session import connect

    db = _required_db(db, db_option, "SCRIPT")
    statements = _statements(_read_script(script), _script_name(script))
    _check_output(output, statements)
    with connect(db, log=_progress_log(quiet), show_progress=None if not quiet else False) as session:
        _run_statements(session, statements, output)


def _statements(text: str, what: str = "QUERY"):
    """The statements of QUERY text (or of the script ``what``); none is an error (an empty QUERY or
    script is a slip, not a request)."""
    from pql.errors import PQLSyntaxError
    from pql.parser import parse

    try:
        statements = parse(text)
    except PQLSyntaxError as e:
        if what == "QUERY" and _names_a_file(text):
            name = text.strip()
            raise PQLInputError(f"QUERY is PQL text, not a file name: to run the statements in {name!r}, "
                                f"use `pql run {name} DB`") from e
        raise
    if not statements:
        raise PQLInputError(f"no statement given: {what} is empty or only comments")
    return statements


def _names_a_file(text: str) -> bool:
    """Whether QUERY text that is not PQL is a file name (an existing file, or one word ending in .pql)."""
    name = text.strip()
    return bool(name) and (os.path.isfile(name) or (name.lower().endswith(".pql") and not any(c.isspace() for c in name)))


def _tables_made(statements) -> int:
    """How many result tables the statements give: one per PREDICT or EVALUATE (EXPLAIN and DEFINE give text)."""
    from pql import ast

    return sum(isinstance(s, ast.PredictStatement) and s.mode != "explain" for s in statements)


def _check_output(output: str | None, statements) -> None:
    """An --output that cannot be written fails before minutes of training, not after."""
    from pql.display import check_output

    if output is None:
        return
    check_output(output)
    if not _tables_made(statements):
        raise PQLInputError("--output given but no statement produces a table (only PREDICT and EVALUATE do)")


def _run_statements(session, statements, output: str | None) -> None:
    """Run the statements in order, showing (with ``output``: writing) each result as soon as it is there.
    A statement that fails after others ran is named, so the results above are not mistaken for it."""
    from rich.console import Console

    from pql.display import output_paths, rows_text, show_result, write_table

    console = Console()
    paths = output_paths(output, _tables_made(statements)) if output is not None else []
    results = session.run_iter(statements)  # every statement is bound here, before any runs
    done = 0
    try:
        for result in results:
            show_result(result, console, table=output is None)
            if result.table is not None and output is not None:
                path = write_table(result.table, paths.pop(0) if paths else output)
                which = f" (statement {done + 1})" if len(statements) > 1 else ""
                console.print(f"wrote {rows_text(result.table.num_rows)} to {path}{which}", markup=False,
                              highlight=False, soft_wrap=True)
            done += 1
    except Exception as e:
        if len(statements) < 2 or interrupted(e) or (not isinstance(e, PQLError) and debugging()):
            raise
        error = str(e) if isinstance(e, PQLError) else internal_error(e)
        raise click.ClickException(_statement_failed(statements, done, error)) from e


def _statement_failed(statements, done: int, error: str) -> str:
    """``statement 3 of 4 (line 7: PREDICT …) failed: <error>`` and what ran before it and what did not."""
    statement, n = statements[done], len(statements)
    where = ""
    if getattr(statement, "span", None) is not None and getattr(statement, "source", None) is not None:
        first = statement.source[statement.span.start:statement.span.end].strip().splitlines()[0]
        where = f" (line {statement.span.line}: {first if len(first) <= 60 else first[:59] + '…'})"
    notes = []
    if done:
        notes.append("statement 1 finished; its result is shown above" if done == 1
                     else f"statements 1-{done} finished; their results are shown above")
    if done + 1 < n:
        notes.append(f"statement {n} did not run" if done + 2 == n else f"statements {done + 2}-{n} did not run")
    tail = f"\n({'; '.join(notes)})" if notes else ""
    return f"statement {done + 1} of {n}{where} failed:\n{error}{tail}"


@main.command("repl")
@click.argument("db", required=False, default=None, metavar="[DB]")
@DB_ALIAS
@QUIET_OPTION
@friendly
def repl_command(db: str | None, db_option: str | None, quiet: bool) -> None:
    """Interactive PQL prompt over DB: statements end with ';', .help lists the commands. Reads stdin
    as a script when it is not a terminal (exit code 1 if a statement failed)."""
    from pql.repl import run_repl

    sys.exit(run_repl(_one_db(db, db_option), quiet=quiet))


@main.command("train-table")
@click.argument("query")
@click.argument("db", required=False, default=None, metavar="DB")
@DB_ALIAS
@click.option("--output", "-o", required=True, metavar="FILE",
              help="Where to write the table: .parquet (with the anchor schedule and warnings in its metadata), "
                   ".csv, .json (one array) or .jsonl (one object per line).")
@QUIET_OPTION
@friendly
def train_table_command(query: str, db: str | None, db_option: str | None, output: str, quiet: bool) -> None:
    """Export the labelled training rows (entity, anchor_time, label, split) of QUERY over DB (the
    argument, or --db DB)."""
    from engine.labels import write_parquet
    from pql import ast
    from pql.display import check_output, rows_text, write_table
    from pql.session import connect

    db = _required_db(db, db_option, "QUERY")
    predicts = sum(isinstance(s, ast.PredictStatement) for s in _statements(query))
    if predicts != 1:  # Session.bind says so too, in the Python API's words
        hint = ("; export one at a time (`pql run` is for scripts)" if predicts
                else " (DEFINEs may come before it)")
        raise PQLInputError(f"train-table exports the training rows of one PREDICT statement, got {predicts}{hint}")
    check_output(output)
    log = _progress_log(quiet)
    with connect(db, log=log) as session:
        for note in session.bind(query).notes:  # what the binder decided for the user, as query shows it
            log(f"note: {note}")
        tt = session.training_table(query)
        for note in tt.notes:
            log(f"note: {note}")
        path = write_parquet(tt, output) if output.lower().endswith(".parquet") else write_table(tt.table, output)
    counts = ", ".join(f"{k} {v:,}" for k, v in tt.counts().items())
    click.echo(f"wrote {rows_text(tt.table.num_rows)} ({counts}) to {path}")
    for warning in tt.warnings:
        click.echo(f"warning: {warning}", err=True)


@main.command("experiment")
@DB_OPTION
@click.option("--assignments", required=True, metavar="TABLE",
              help="Table with one row per unit: the unit (or a foreign key to it), its arm, when it was assigned.")
@click.option("--arm", required=True, metavar="COLUMN", help="Column of TABLE naming each unit's arm.")
@click.option("--outcome", required=True, metavar="PQL",
              help="Outcome per unit from its assignment time, e.g. \"COUNT(visit.*, 0, 14, days) > 0\".")
@click.option("--covariate", default=None, metavar="PQL",
              help="Pre-period value for CUPED, e.g. \"SUM(purchase.amount, -90, 0, days)\" or a unit column.")
@click.option("--control", default=None, metavar="ARM",
              help="The control arm (default: one called control/holdout/…); an arm not in TABLE means every "
                   "unit without a row.")
@click.option("--unit", default=None, metavar="TABLE", help="The unit table, when TABLE references several.")
@click.option("--at", default=None, metavar="COLUMN", help="Assignment-time column (default: TABLE's time column).")
@click.option("--control-at", default=None, metavar="TIME",
              help="When the control units without a row were assigned (default: the one shared send time).")
@click.option("--alpha", default=0.05, show_default=True, type=float, help="1 - confidence level.")
@click.option("--expected-split", default=None, metavar="ARM=SHARE,…",
              help="The designed split the sample-ratio check tests, e.g. holdout=0.1,treatment=0.9 "
                   "(default: equal arms).")
@click.option("--override", default=None, metavar="TEXT",
              help="Schema overrides, e.g. 'time purchase = ts' (as `pql schema --override`).")
@OUTPUT_OPTION
@friendly
def experiment_command(db: str, assignments: str, arm: str, outcome: str, covariate: str | None,
                       control: str | None, unit: str | None, at: str | None, control_at: str | None,
                       alpha: float, expected_split: str | None, override: str | None, output: str | None) -> None:
    """Analyse a randomized experiment recorded in DB: per-arm rates, lifts, p-values, SRM, CUPED.
    With -o, one row per (adjustment, arm); the SRM and CUPED figures repeat on every row."""
    from engine.experiments.srm import parse_split
    from pql.display import check_output, write_table
    from pql.session import connect

    if output is not None:
        check_output(output)
    split = parse_split(expected_split) if expected_split is not None else None
    with connect(db, overrides=override) as session:
        report = session.analyze_experiment(assignments, arm, outcome, covariate=covariate, control=control,
                                            unit=unit, at=at, control_at=control_at, alpha=alpha,
                                            expected_split=split)
    click.echo(report.render())
    if output is not None:
        click.echo(f"wrote {write_table(report.to_arrow(), output)}", err=True)


@main.command("models")
@click.option("--remove", default=None, metavar="ID",
              help="Delete one saved model: its id as listed, or any longer start of its fingerprint.")
@click.option("--remove-old", is_flag=True,
              help="Delete every saved model an older pql saved (never reused: listed as such).")
@friendly
def models_command(remove: str | None, remove_old: bool) -> None:
    """List the saved models, newest first (or remove one, or the old ones)."""
    from pql.display import remove_old_models, show_models

    if remove_old:
        remove_old_models()
        return
    show_models(remove)


def _log(message: str) -> None:
    click.echo(message, err=True)


def _progress_log(quiet: bool):
    """Progress goes to stderr (stdout holds the result); --quiet keeps only the warnings, and the one
    line that says INTO wrote a table."""
    if not quiet:
        return _log
    return lambda message: _log(message) if message.startswith(("warning:", "wrote ")) else None


@main.command("schema")
@click.argument("db", required=False, default=None, metavar="[DB]")
@DB_ALIAS
@click.option("--json", "as_json", is_flag=True, help="Print the pql.schema/v1 JSON document instead of a tree.")
@click.option("--override", "override", metavar="TEXT",
              help="Schema overrides, e.g. 'pk qualifying = qualifyId; drop fk results.statusId'.")
@click.option("--output", "-o", default=None, metavar="FILE",
              help="Write the tree (with --json: the JSON document) to FILE instead of printing it.")
@friendly
def schema_command(db: str | None, db_option: str | None, as_json: bool, override: str | None,
                   output: str | None) -> None:
    """Show the tables, keys, links, time columns and semantic types pql sees in DB
    (a DuckDB or SQLite file, a postgresql:// URI, a folder of CSV/Parquet/JSON files or one such file;
    default: the current folder)."""
    import json
    from pathlib import Path

    from engine.schema.render import format_tree, render_tree, to_dict
    from pql.schema_api import schema

    target = Path(output) if output is not None else None
    if target is not None and not target.parent.is_dir():  # before the introspection, not after
        raise PQLInputError(f"cannot write {target}: folder {target.parent} does not exist")
    database = schema(_one_db(db, db_option) or ".", overrides=override)
    if target is None:
        if as_json:
            click.echo(json.dumps(to_dict(database), indent=2))
        else:
            from rich.console import Console

            Console().print(render_tree(database))
        return
    text = json.dumps(to_dict(database), indent=2) + "\n" if as_json else format_tree(database, width=120)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as e:
        raise PQLInputError(f"cannot write {target}: {e.strerror or e}") from e
    n = len(database.tables)
    what = "the pql.schema/v1 JSON document" if as_json else "the schema tree"
    click.echo(f"wrote {what} ({n} table{'s' if n != 1 else ''}) to {target}", err=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
