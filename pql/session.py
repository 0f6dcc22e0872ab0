"""The Python API: `pql.connect(source)` -> a `Session` that parses, binds and runs PQL against it.

    >>> import pql
    >>> with pql.connect("shop.duckdb") as s:
    ...     churn = s.predict("PREDICT COUNT(orders.*, 0, 30) = 0 FOR EACH customers")
    ...     print(s.explain("PREDICT next_product FOR customer"))

``source`` is anything `connectors.open` accepts: a DuckDB file (opened read-only; reopened writable only
for ``INTO``), a SQLite file or a ``postgresql://`` URI (read into a private copy; ``INTO`` writes to the
source), a folder of CSV/Parquet/JSON files, a mapping of table name to pandas/Arrow tables, or an open
DuckDB connection. DEFINEs made in a session apply to its later queries.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa

from pql import ast
from pql.binder import Defines, bind
from pql.binder.statement import check_define
from pql.bound import BoundQuery
from pql.errors import EngineError, PQLError, PQLInputError, is_interrupt


@dataclass(frozen=True, kw_only=True)
class StatementResult:
    """What one statement of a script produced."""

    statement: ast.Statement
    bound: BoundQuery | None = None
    table: pa.Table | None = None  # predictions or metrics
    text: str | None = None  # EXPLAIN output, or a note for DEFINE
    summary: str | None = None
    run: Any = None  # engine.run.RunResult when a model ran

    def __repr__(self) -> str:
        """One line (the dataclass's own repr printed the whole syntax tree): kind, rows, model."""
        return f"<StatementResult {', '.join(self._repr_parts())}>"

    def _repr_parts(self) -> list[str]:
        if isinstance(self.statement, ast.DefineStatement):
            return [f"DEFINE {self.statement.name}"]
        parts = [getattr(self.statement, "mode", "predict").upper()]
        if self.table is not None:
            parts.append(f"{self.table.num_rows:,} rows × {self.table.num_columns} columns")
        if self.text is not None:
            parts.append(f"{len(self.text.splitlines())} lines of text")
        if self.run is not None:
            parts.append(f"model {self.run.chosen}{' (reused)' if self.run.reused else ''}")
        if self.bound is not None and self.bound.into:
            parts.append(f"INTO {self.bound.into}")
        return parts


def _serialised(method):
    """Run ``method`` holding the session's lock: its one DuckDB connection runs one query at a time, and
    two threads sharing it otherwise break each other's queries (or deadlock)."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return locked


class Session:
    """A connection to one data source plus the schema pql inferred for it.

    ``overrides``: schema corrections (`SchemaOverrides`, the one-line text, or a TOML-shaped mapping),
    checked here. ``log``: called with each progress line, note and warning (``"warning: …"``); by
    default they go to the ``pql`` logger, so warnings reach stderr unless logging is configured.
    ``show_progress``: progress bars on stderr for long steps: ``True`` always (in a notebook too),
    ``False`` (the default) never, ``None`` only when stderr is a terminal (as the CLI does).

    One session serialises its calls: it holds one DuckDB connection, which runs one query at a time,
    so a second thread's ``predict`` waits for the first's to finish. Use one session per thread for
    parallel work (a DuckDB file opens read-only in many sessions at once)."""

    def __init__(self, source: Any, *, overrides: Any = None, log: Callable[[str], None] | None = None,
                 show_progress: bool | None = False):
        import connectors
        from engine.schema.overrides import SchemaOverrides

        self._lock = threading.RLock()  # reentrant: predict() calls execute(), which reads db
        self._source = source
        self._overrides = SchemaOverrides.coerce(overrides)  # a mistake is reported now, not at first query
        self.connector = connectors.open(source)
        self._db = None
        self._db_with: dict[str, Any] = {}  # per WITH schema = '…' text
        self.defines = Defines()
        self.log = log or _to_logger
        self.show_progress = show_progress

    # ---- schema -------------------------------------------------------------------------------------

    @property
    @_serialised
    def db(self):
        """The `Database` pql sees (introspected on first use, again after INTO adds a table)."""
        if self._db is None:
            from engine.schema.introspection import introspect

            self._db = introspect(self.connector, overrides=self._overrides)
        return self._db

    @_serialised
    def db_for(self, schema: str | None):
        """The `Database` a statement runs against: the session's, with the statement's own ``WITH schema
        = '…'`` overrides on top (introspected once per distinct text)."""
        if schema is None:
            return self.db
        if schema not in self._db_with:
            from engine.schema.introspection import introspect
            from engine.schema.overrides import SchemaOverrides

            base = SchemaOverrides.coerce(self._overrides) or SchemaOverrides()
            self._db_with[schema] = introspect(self.connector, overrides=base.merged(SchemaOverrides.coerce(schema)))
        return self._db_with[schema]

    @property
    def con(self):
        return self.connector.connection

    @_serialised
    def schema(self):
        return self.db

    # ---- statements ---------------------------------------------------------------------------------

    @_serialised
    def bind(self, query: str | ast.PredictStatement) -> BoundQuery:
        """Parse (if text) and bind one PREDICT statement; DEFINEs in the text are recorded first."""
        statements = self._parse(query)
        predicts = [s for s in statements if isinstance(s, ast.PredictStatement)]
        for s in statements:
            if isinstance(s, ast.DefineStatement):
                check_define(s, self.db, self.defines)
                self.defines.add(s)
        if len(predicts) != 1:
            raise PQLInputError(f"expected one PREDICT statement, got {len(predicts)}; use run() for scripts")
        return self._bind(predicts[0])

    @_serialised
    def predict(self, query: str) -> pa.Table:
        """Predictions for a PREDICT query, as an Arrow table (written INTO a table if the query says so)."""
        return self._run_one(query, mode="predict").table

    @_serialised
    def evaluate(self, query: str) -> pa.Table:
        """Test-split metrics for a query (as if written with EVALUATE)."""
        return self._run_one(query, mode="evaluate").table

    @_serialised
    def explain(self, query: str) -> str:
        """What pql understands from the query: PQL, the bound query, the training SQL and the plan."""
        from pql.explainer import explain_bound

        statements = self._parse(query)
        with _at_the_option(statements):
            return explain_bound(statements, self)

    @_serialised
    def train_table(self, query: str) -> pa.Table:
        """The labelled training rows (entity key…, anchor_time, label, split) as Arrow; what the
        training table warns about goes to the log, as before a run (`training_table` returns it)."""
        tt = self.training_table(query)
        for note in tt.notes:
            self.log(f"note: {note}")
        for warning in tt.warnings:
            self.log(f"warning: {warning}")
        return tt.table

    @_serialised
    def training_table(self, query: str):
        """The full `engine.labels.TrainingTable` (rows, prediction rows, schedule, SQL, warnings)."""
        from engine.labels import training_table

        bq = self.bind(query)
        with _at_the_option(self._parse(query)):
            return training_table(self.con, self.db_for(bq.option("schema")), bq)

    @_serialised
    def analyze_experiment(self, assignments: str, arm: str, outcome: str, *, covariate: str | None = None,
                           control: str | None = None, unit: str | None = None, at: str | None = None,
                           control_at: Any = None, alpha: float = 0.05, expected_split: Any = None):
        """Analyse the randomized test recorded in table ``assignments`` (one row per unit, its ``arm``
        and assignment time), the outcome a PQL expression per unit from its assignment time.

            >>> s.analyze_experiment("email", "campaign", "COUNT(visit.*, 0, 14, days) > 0",
            ...                      control="No E-Mail", covariate="customer.history")

        Returns an `engine.experiments.pql_bridge.ExperimentReport` (``.render()``, ``.to_arrow()``,
        ``.analysis``, ``.units``). A ``control`` arm absent from the table means every other unit.
        """
        from engine.experiments.pql_bridge import analyze_experiment_db

        return analyze_experiment_db(self.con, self.db, assignments=assignments, arm=arm, outcome=outcome,
                                     covariate=covariate, control=control, unit=unit, at=at,
                                     control_at=control_at, alpha=alpha, expected_split=expected_split)

    def run(self, text: str | Sequence[ast.Statement]) -> list[StatementResult]:
        """Run every statement of a script in order (DEFINEs, EXPLAINs, PREDICTs, EVALUATEs).

        Every statement is bound first, so a mistake in statement 3 is reported before statement 1
        spends minutes training. A statement that fails when it runs raises its own error, which then
        names it (``statement 2 of 3 (line 4: PREDICT …) failed: …``, as `pql run` does) and carries
        the results of the statements that finished before it as ``.results`` (a list of
        `StatementResult`); ``.message`` stays the error's own text."""
        statements = self._parse(text) if isinstance(text, str) else tuple(text)
        results: list[StatementResult] = []
        iterator = self.run_iter(statements)
        try:
            for result in iterator:
                results.append(result)
        except (Exception, KeyboardInterrupt) as e:
            _name_failed_statement(e, statements, results)
            raise
        return results

    def run_iter(self, script: str | Sequence[ast.Statement]) -> Iterator[StatementResult]:
        """`run`, one result at a time as each statement finishes (the CLI shows each at once).

        ``script`` is text or already parsed statements. It is parsed and every statement bound when
        this is called, before anything runs; the statements run as the iterator is consumed. The
        session's lock is held for each statement, not between them: another thread's call may run
        while the caller handles a result."""
        with self._lock:
            statements = self._parse(script) if isinstance(script, str) else tuple(script)
            self._check_script(statements)
        return self._run_each(statements)

    def _run_each(self, statements: tuple[ast.Statement, ...]) -> Iterator[StatementResult]:
        for i, statement in enumerate(statements, 1):
            if len(statements) > 1 and isinstance(statement, ast.PredictStatement):
                self.log(f"statement {i} of {len(statements)}: {_shorten(str(statement))}")
            yield self.execute(statement)

    @_serialised
    def execute(self, statement: ast.Statement) -> StatementResult:
        if isinstance(statement, ast.DefineStatement):
            notes = check_define(statement, self.db, self.defines)
            self.defines.add(statement)
            text = "\n".join([f"defined {statement.name} AS {statement.target}", *(f"note: {n}" for n in notes)])
            return StatementResult(statement=statement, text=text)
        if statement.mode == "explain":
            from pql.explainer import explain_bound

            with _at_the_option((statement,)):
                return StatementResult(statement=statement, text=explain_bound((statement,), self))
        bq = self._bind(statement)
        for note in bq.notes:
            self.log(f"note: {note}")
        if bq.into:
            from engine.results import check_into

            check_into(self.connector, bq.into, replace=bq.into_replace, reads=bq.using)
        self._check_allocate(bq)
        from engine.run import run

        try:
            with _at_the_option((statement,)):
                result = run(bq, self.db_for(bq.option("schema")), self.con, log=self.log,
                             show_progress=self.show_progress)
        except PQLError as e:
            if is_interrupt(e):  # DuckDB turns Ctrl-C into its own error: let it stay a Ctrl-C
                raise KeyboardInterrupt from e
            raise
        if bq.into and result.predictions is not None:  # ALLOCATE writes its assignment
            self._write_into(bq, result.table if result.allocation is not None else result.predictions)
        return StatementResult(statement=statement, bound=bq, table=result.table, summary=result.summary,
                               run=result)

    # ---- helpers ------------------------------------------------------------------------------------

    def _parse(self, query: str | ast.Statement) -> tuple[ast.Statement, ...]:
        if isinstance(query, (ast.PredictStatement, ast.DefineStatement)):
            return (query,)
        from pql.parser import parse

        return parse(query)

    def _bind(self, statement: ast.PredictStatement, defines: Defines | None = None) -> BoundQuery:
        from pql.errors import PQLBindError, PQLErrorGroup

        defines = self.defines if defines is None else defines
        try:
            return bind(statement, self._statement_db(statement), defines=defines)
        except (PQLBindError, PQLErrorGroup) as e:
            hinted = self._output_table_hints(e)
            if hinted is e:
                raise
            raise hinted from e

    def _output_table_hints(self, error):
        """An unknown table that INTO wrote gets a hint saying why queries cannot read it."""
        import re

        from pql.errors import PQLErrorGroup

        errors = list(error.errors) if isinstance(error, PQLErrorGroup) else [error]
        changed = False
        for i, e in enumerate(errors):
            m = re.match(r"unknown table '([^']+)'", getattr(e, "message", ""))
            written = self.into_output_table(m.group(1)) if m else None
            if written is not None:
                errors[i] = type(e)(e.message, text=e.text, span=e.span,
                                    hint=f"'{written}' holds predictions written by INTO: pql leaves such tables "
                                         "out of its graphs, so a model never learns from earlier predictions")
                changed = True
        if not changed:
            return error
        return PQLErrorGroup(errors) if isinstance(error, PQLErrorGroup) else errors[0]

    @_serialised
    def into_output_table(self, name: str) -> str | None:
        """The table INTO wrote that ``name`` means (any case), or None: such tables carry pql's output
        marker and are left out of every graph (``connectors.catalog.OUTPUT_MARKER``)."""
        try:
            from connectors.catalog import OUTPUT_MARKER

            if self.connector.kind == "files":
                from connectors.files import is_pql_output
                from engine.into_folder import into_folder

                folder = into_folder(self.connector)
                return next((p.name[: -len(".parquet")] for p in folder.iterdir()
                             if p.name.lower() == f"{name.lower()}.parquet" and is_pql_output(p)), None)
            import sqlglot.expressions as exp

            comment = exp.column("comment")
            query = (exp.select("table_name").from_(exp.func("duckdb_tables"))
                     .where(exp.func("lower", exp.column("table_name")).eq(exp.Literal.string(name.lower())))
                     .where(exp.func("starts_with", comment, exp.Literal.string(OUTPUT_MARKER))))
            rows = self.con.sql(query.sql(dialect="duckdb")).fetchall()
            return rows[0][0] if rows else None
        except Exception:  # only a better message is at stake: never let it hide the plain one
            return None

    def _statement_db(self, statement: ast.PredictStatement):
        """`db_for` the statement's ``WITH schema``; an error in that text points at the option."""
        from pql.errors import PQLBindError, PQLError, QueryTextError

        try:
            return self.db_for(statement.option("schema"))
        except PQLError as e:
            option = next((o for o in reversed(statement.options) if o.name.lower() == "schema"), None)
            if option is None or isinstance(e, QueryTextError):
                raise
            raise PQLBindError(str(e), text=statement.source, span=option.span) from e

    def _check_script(self, statements: tuple[ast.Statement, ...]) -> None:
        """Bind a script's statements without running them (DEFINEs go to a scratch copy)."""
        if len(statements) < 2:
            return
        from pql.errors import PQLBindError, PQLErrorGroup

        defines = Defines(targets=dict(self.defines.targets))
        errors: list[PQLError] = []  # every statement's mistakes at once, as the binder does within one
        written: set[str] = set()
        for statement in statements:
            if isinstance(statement, ast.DefineStatement):
                try:
                    check_define(statement, self.db, defines)
                except (PQLBindError, PQLErrorGroup) as e:
                    raise _grouped([*errors, e]) from e  # later statements may use it: stop here
                defines.add(statement)
                continue
            try:
                bq = self._bind(statement, defines)  # INTO tables are left out of graphs: nothing later reads them
                self._check_allocate(bq)
            except (PQLBindError, PQLErrorGroup) as e:
                errors.append(e)
                continue
            if bq.into and bq.into.lower() in written and not bq.into_replace:
                errors.append(PQLBindError(f"an earlier statement of this script writes INTO {bq.into} too; "
                                           "write INTO OR REPLACE to overwrite it, or choose another name",
                                           text=statement.source, span=statement.span))
            if bq.into and bq.into.lower() not in written:
                from engine.results import check_into

                try:  # an INTO that would fail at the end of statement 3 stops the script before statement 1
                    check_into(self.connector, bq.into, replace=bq.into_replace, reads=bq.using)
                except PQLError as e:
                    errors.append(e)
                written.add(bq.into.lower())
        if errors:
            raise _grouped(errors)

    def _check_allocate(self, bq: BoundQuery) -> None:
        """ALLOCATE's COST column, checked against the data before minutes of training, not after."""
        if bq.allocate is not None and bq.mode != "explain":
            from engine.allocation.pql_bridge import check_cost_column

            check_cost_column(self.con, self.db_for(bq.option("schema")), bq)

    def _run_one(self, query: str, *, mode: str) -> StatementResult:
        statements = self._parse(query)
        predicts = [s for s in statements if isinstance(s, ast.PredictStatement)]
        if any(s.mode == "explain" for s in predicts):
            raise PQLInputError(f"{mode}() runs a PREDICT statement; use explain() for EXPLAIN")
        if mode == "predict" and any(s.mode == "evaluate" for s in predicts):
            raise PQLInputError("predict() returns predictions; use evaluate() for an EVALUATE statement")
        if mode == "evaluate" and any(s.into for s in predicts):
            raise PQLInputError("evaluate() reports metrics and writes nothing; drop INTO (predict() writes it)")
        if mode == "evaluate" and any(s.allocate for s in predicts):
            raise PQLInputError("evaluate() reports metrics and makes no plan; drop ALLOCATE (predict() returns it)")
        if len(predicts) != 1:
            raise PQLInputError(f"{mode}() runs one PREDICT statement, got {len(predicts)}; use run() for scripts")
        self._check_script(statements)
        result = None
        for s in statements:
            if isinstance(s, ast.PredictStatement) and s.mode != mode and s.mode != "explain":
                import dataclasses

                s = dataclasses.replace(s, mode=mode)
            result = self.execute(s)
        if result is None or result.table is None:
            raise PQLInputError("the query has no PREDICT statement")
        return result

    def _write_into(self, bq: BoundQuery, table: pa.Table) -> None:
        """Write the result INTO the source; if that fails, the rows are kept in a file the error names
        (minutes of training are not lost to a locked file) and the session stays usable."""
        import duckdb

        try:
            self._write_into_source(bq, table)
        except (PQLError, duckdb.Error, OSError) as e:
            self._reopen_read_only()
            kept = _keep_unwritten(bq.into, table)
            raise EngineError(f"INTO {bq.into} failed: {getattr(e, 'message', e)}\nthe {table.num_rows:,} "
                              f"result rows are kept in {kept}") from e

    def _reopen_read_only(self) -> None:
        import connectors

        if self.connector.kind == "duckdb" and self.connector.closed:  # closed to reopen writable, not reopened
            self.connector = connectors.open(self.connector.name)
            self._db = None
            self._db_with.clear()

    def _write_into_source(self, bq: BoundQuery, table: pa.Table) -> None:
        import connectors
        from engine.results import into_folder, write_into_connection, write_into_folder
        from pql.display import rows_text

        kind = self.connector.kind
        if kind == "files":
            write_into_folder(into_folder(self.connector), bq.into, table, replace=bq.into_replace, query=bq.text)
        elif kind == "postgres":
            from engine.into_postgres import write_into_postgres

            write_into_postgres(self.connector.uri, bq.into, table, replace=bq.into_replace, query=bq.text)
            write_into_connection(self.con, bq.into, table, replace=bq.into_replace, query=bq.text)
        elif kind == "sqlite":
            from engine.into_sqlite import write_into_sqlite

            write_into_sqlite(Path(self.connector.name), bq.into, table, replace=bq.into_replace, query=bq.text)
            # and into the private copy the connector reads, so this session sees what the file now holds
            write_into_connection(self.con, bq.into, table, replace=bq.into_replace, query=bq.text)
        else:
            if kind == "duckdb" and self.connector.read_only:
                name = self.connector.name
                self.connector.close()  # a DuckDB file is opened once per process: reopen it writable
                self.connector = connectors.open(name, read_only=False)
            write_into_connection(self.con, bq.into, table, replace=bq.into_replace, query=bq.text)
        self.log(f"wrote {rows_text(table.num_rows)} into {bq.into}")
        self._db = None  # re-read the schema from the (possibly reopened) connection on next use
        self._db_with.clear()

    @_serialised
    def close(self) -> None:
        self.connector.close()

    def __repr__(self) -> str:
        """``<pql.Session 'shop.duckdb' (duckdb), 5 tables, open>``; never waits on a running query."""
        state = "closed" if self.connector.closed else "open"
        return f"<pql.Session {self.connector.name!r} ({self.connector.kind}){self._tables_text()}, {state}>"

    def _tables_text(self) -> str:
        if self.connector.closed or not self._lock.acquire(blocking=False):
            return "" if self.connector.closed else ", busy"  # another thread runs a query: do not wait
        try:
            count = len(self._db.tables) if self._db is not None else len(self.connector.table_names())
            return f", {count} table{'s' if count != 1 else ''}"
        except Exception:  # a repr must not raise; the count is only a courtesy
            return ""
        finally:
            self._lock.release()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _statement_place(statements: Sequence[ast.Statement], index: int) -> str:
    """``statement 2 of 3 (line 4: PREDICT …)``: which statement of a script, named as `pql run` names it."""
    statement = statements[index]
    where = ""
    if getattr(statement, "span", None) is not None and getattr(statement, "source", None) is not None:
        first = statement.source[statement.span.start:statement.span.end].strip().splitlines()[0]
        where = f" (line {statement.span.line}: {_shorten(first, 60)})"
    return f"statement {index + 1} of {len(statements)}{where}"


def _name_failed_statement(error: BaseException, statements: Sequence[ast.Statement],
                           done: list[StatementResult]) -> None:
    """Give ``error`` the results finished before it (``.results``) and, in a script of several
    statements, name the failed one as `pql run` does: a pql error in its text (``.message`` keeps the
    error's own), any other in a note under its traceback."""
    try:
        error.results = list(done)
    except AttributeError:  # an exception type that takes no attributes: the text below still names it
        pass
    if len(statements) < 2:
        return
    head = f"{_statement_place(statements, len(done))} failed"
    notes = _script_progress(len(statements), len(done))
    if isinstance(error, PQLError):
        error.message = error.message  # pin the error's own text before str() changes
        error.args = (f"{head}:\n{error}\n({notes})", *error.args[1:])
    else:
        error.add_note(f"{head} ({notes})")


def _script_progress(n: int, done: int) -> str:
    """``statement 1 finished: its result is in the error's .results; statement 3 did not run``."""
    notes = []
    if done:
        notes.append("statement 1 finished: its result is in the error's .results" if done == 1 else
                     f"statements 1-{done} finished: their results are in the error's .results")
    if done + 1 < n:
        notes.append(f"statement {n} did not run" if done + 2 == n else f"statements {done + 2}-{n} did not run")
    return "; ".join(notes)


def _grouped(errors: list) -> PQLError:
    """One error as it is; several flattened into one `PQLErrorGroup` (each keeps its line and caret)."""
    from pql.errors import PQLErrorGroup

    flat = [inner for e in errors for inner in (e.errors if isinstance(e, PQLErrorGroup) else (e,))]
    return flat[0] if len(flat) == 1 else PQLErrorGroup(flat)


@contextmanager
def _at_the_option(statements) -> Iterator[None]:
    """A ``WITH`` value only the data rules out (`OptionValueError`: a cut-off outside the data) is
    reported at that option in the query text, with a caret, like any other mistake in it."""
    from pql.errors import OptionValueError, PQLBindError

    try:
        yield
    except OptionValueError as e:
        for statement in statements:
            option = next((o for o in reversed(getattr(statement, "options", ())) if o.name.lower() == e.option), None)
            if option is not None:
                raise PQLBindError(e.message, text=statement.source, span=option.span) from e
        raise


def _keep_unwritten(name: str, table: pa.Table) -> Path:
    """Save a result INTO could not write under ``$PQL_HOME/unwritten`` and return the path."""
    import time

    import pyarrow.parquet as pq

    from pql.home import home

    folder = home() / "unwritten"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{''.join(c if c.isalnum() or c in '-_' else '_' for c in name)}-{time.strftime('%Y%m%d-%H%M%S')}.parquet"
    pq.write_table(table, path)
    return path


def _to_logger(message: str) -> None:
    import logging

    logger = logging.getLogger("pql")
    if message.startswith("warning:"):
        logger.warning(message.removeprefix("warning:").strip())
    else:
        logger.info(message)


def _shorten(text: str, width: int = 100) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def connect(source: Any, *, overrides: Any = None, log: Callable[[str], None] | None = None,
            show_progress: bool | None = False) -> Session:
    """Open ``source`` for PQL queries: a DuckDB or SQLite file, a ``postgresql://`` URI, a folder or file of
    CSV/Parquet/JSON, a mapping of table name to pandas/Arrow tables, or an open DuckDB connection.

    ``overrides`` corrects the inferred schema; ``log`` receives progress, notes and warnings (default: the
    ``pql`` logger); ``show_progress=True`` draws progress bars (None: only at a terminal). Use it as a
    context manager, or call
    ``close()``. See `Session` for the methods (predict, evaluate, explain, train_table, run, …)."""
    return Session(source, overrides=overrides, log=log, show_progress=show_progress)
