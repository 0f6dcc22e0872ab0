"""The `pql` command line. Thin: each command is a few lines over a same-named API function, and
every `PQLError` becomes a `click.ClickException` (printed as `Error: …`, exit code 1)."""
from __future__ import annotations

import functools
import sys

import click

from pql.errors import PQLError


def friendly(fn):
    """Turn library errors into clean CLI errors: no traceback for anything the user can fix."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PQLError as e:
            raise click.ClickException(str(e)) from e

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pql")
def main() -> None:
    """pql: predictive queries over relational databases."""


@main.command("parse")
@click.argument("source", type=click.File("r", encoding="utf-8"), metavar="FILE|-")
@friendly
def parse_command(source) -> None:
    """Print the syntax tree of each statement in a PQL script (- reads stdin)."""
    from pql.ast import dump
    from pql.parser import parse

    statements = parse(source.read())
    click.echo("\n\n".join(dump(s) for s in statements) if statements else "(no statements)")


@main.command("explain")
@click.argument("query")
@click.option("--db", default=None, help="Bind against this database (DuckDB or SQLite file, postgresql:// URI, or CSV/Parquet/JSON folder).")
@friendly
def explain_command(query: str, db: str | None) -> None:
    """Explain what pql understands from QUERY (with --db: names, task, SQL and plan)."""
    from pql.explain import explain

    click.echo(explain(query, db=db))


DB_OPTION = click.option("--db", required=True, help="DuckDB or SQLite file, a postgresql:// URI, or a folder of CSV/Parquet/JSON files.")
OUTPUT_OPTION = click.option("--output", "-o", default=None, metavar="FILE",
                             help="Write the result to FILE (.parquet, .csv or .json) instead of printing it.")


@main.command("query")
@click.argument("query")
@DB_OPTION
@OUTPUT_OPTION
@click.option("--quiet", "-q", is_flag=True, help="No progress messages (warnings are still shown).")
@friendly
def query_command(query: str, db: str, output: str | None, quiet: bool) -> None:
    """Run one PQL statement (PREDICT, EVALUATE or EXPLAIN) against DB and show the result."""
    from pql.display import check_output, show_results
    from pql.session import connect

    if output is not None:
        check_output(output)
    with connect(db, log=_progress_log(quiet), show_progress=not quiet) as session:
        show_results(session.run(query), output)


@main.command("run")
@click.argument("script", type=click.File("r", encoding="utf-8"), metavar="SCRIPT|-")
@DB_OPTION
@OUTPUT_OPTION
@click.option("--quiet", "-q", is_flag=True, help="No progress messages (warnings are still shown).")
@friendly
def run_command(script, db: str, output: str | None, quiet: bool) -> None:
    """Run every statement of a .pql script (DEFINEs included) against DB."""
    from pql.display import check_output, show_results
    from pql.session import connect

    if output is not None:
        check_output(output)
    with connect(db, log=_progress_log(quiet), show_progress=not quiet) as session:
        show_results(session.run(script.read()), output)


def _one_db(positional: str | None, option: str | None) -> str | None:
    """DB given as the argument or, as the other commands take it, as ``--db`` (not both, unless equal)."""
    if positional is not None and option is not None and positional != option:
        raise click.UsageError(f"two databases given: '{positional}' and --db '{option}'; give one")
    return option if option is not None else positional


DB_ALIAS = click.option("--db", "db_option", default=None, metavar="DB", help="The same as the DB argument.")


@main.command("repl")
@click.argument("db", required=False, default=None, metavar="[DB]")
@DB_ALIAS
@click.option("--quiet", "-q", is_flag=True, help="No progress messages (warnings are still shown).")
def repl_command(db: str | None, db_option: str | None, quiet: bool) -> None:
    """Interactive PQL prompt over DB: statements end with ';', .help lists the commands. Reads stdin
    as a script when it is not a terminal (exit code 1 if a statement failed)."""
    from pql.repl import run_repl

    sys.exit(run_repl(_one_db(db, db_option), quiet=quiet))


@main.command("train-table")
@click.argument("query")
@DB_OPTION
@click.option("--output", "-o", required=True, metavar="FILE.parquet", help="Where to write the table.")
@friendly
def train_table_command(query: str, db: str, output: str) -> None:
    """Export the labelled training rows (entity, anchor_time, label, split) of QUERY."""
    from engine.labels import write_parquet
    from pql.display import check_output
    from pql.errors import PQLInputError
    from pql.session import connect

    if not output.lower().endswith(".parquet"):
        raise PQLInputError(f"cannot write '{output}': the training table is written as .parquet")
    check_output(output)
    with connect(db) as session:
        tt = session.training_table(query)
        path = write_parquet(tt, output)
    counts = ", ".join(f"{k} {v:,}" for k, v in tt.counts().items())
    click.echo(f"wrote {tt.table.num_rows:,} rows ({counts}) to {path}")
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
@OUTPUT_OPTION
@friendly
def experiment_command(db: str, assignments: str, arm: str, outcome: str, covariate: str | None,
                       control: str | None, unit: str | None, at: str | None, control_at: str | None,
                       alpha: float, output: str | None) -> None:
    """Analyse a randomized experiment recorded in DB: per-arm rates, lifts, p-values, SRM, CUPED."""
    from pql.display import check_output, write_table
    from pql.session import connect

    if output is not None:
        check_output(output)
    with connect(db) as session:
        report = session.analyze_experiment(assignments, arm, outcome, covariate=covariate, control=control,
                                            unit=unit, at=at, control_at=control_at, alpha=alpha)
    click.echo(report.render())
    if output is not None:
        click.echo(f"wrote {write_table(report.to_arrow(), output)}", err=True)


@main.command("models")
@click.option("--remove", default=None, metavar="FINGERPRINT", help="Delete one saved model.")
@friendly
def models_command(remove: str | None) -> None:
    """List the saved models (or remove one)."""
    from pql.display import show_models

    show_models(remove)


def _log(message: str) -> None:
    click.echo(message, err=True)


def _progress_log(quiet: bool):
    """Progress goes to stderr (stdout holds the result); --quiet keeps only the warnings."""
    if not quiet:
        return _log
    return lambda message: _log(message) if message.startswith("warning:") else None


@main.command("schema")
@click.argument("db", required=False, default=None, metavar="[DB]")
@DB_ALIAS
@click.option("--json", "as_json", is_flag=True, help="Print the pql.schema/v1 JSON document instead of a tree.")
@click.option("--override", "-o", "override", metavar="TEXT",
              help="Schema overrides, e.g. 'pk qualifying = qualifyId; drop fk results.statusId'.")
@friendly
def schema_command(db: str | None, db_option: str | None, as_json: bool, override: str | None) -> None:
    """Show the tables, keys, links, time columns and semantic types pql sees in DB
    (a .duckdb or SQLite file, or a folder of CSV/Parquet/JSON files; default: the current folder)."""
    import json

    from engine.schema.render import render_tree, to_dict
    from pql.schema_api import schema

    database = schema(_one_db(db, db_option) or ".", overrides=override)
    if as_json:
        click.echo(json.dumps(to_dict(database), indent=2))
    else:
        from rich.console import Console

        Console().print(render_tree(database))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
