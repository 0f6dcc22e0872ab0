"""Result tables (the columns DESIGN.md lists per task) and writing them `INTO` the user's database.

Every result starts with the entity key column(s) under their own names and ``anchor_time``:

    binary        probability, prediction
    regression    prediction
    multiclass    prediction, probability
    multilabel    one row per (entity, label): label, probability, prediction
    link ranking  one row per (entity, rank): rank, <item key>, score
    uplift        p_treated, p_control, uplift            (per arm: p_treated_<arm>, uplift_<arm>)
    forecasting   one row per (entity, step): step, prediction

EVALUATE's test rows add ``actual``, the label of the row each result row came from.
"""
from __future__ import annotations


import numpy as np
import pyarrow as pa
import sqlglot.expressions as exp

from engine.into_folder import check_folder_target, check_writable, into_folder, write_into_folder  # noqa: F401  (re-exported for pql.session)
from engine.train.base import Predictions
from pql.bound import BoundQuery, TaskType
from pql.errors import EngineError
from pql.render import quote_name


def _keys(rows: pa.Table, bq: BoundQuery) -> dict[str, pa.Array]:
    cols = {k: rows.column(k) for k in bq.entity.key}
    cols["anchor_time"] = rows.column("anchor_time")
    return cols


def _take(cols: dict[str, pa.Array], source: np.ndarray) -> dict[str, pa.Array]:
    """``cols`` at the rows ``source`` (one entry per result row: the input row it describes)."""
    idx = pa.array(source, pa.int64())
    return {k: v.take(idx) for k, v in cols.items()}


def _ranked_cells(items: np.ndarray) -> np.ndarray:
    """Flat positions of the ``[n, k]`` item grid that hold an item. Models fill a row past its last
    candidate with None (k above the catalogue, or an entity with few candidates): those cells are no
    ranking, and as rows they would be NULL keys that turn an integer key into floats in pandas."""
    return np.flatnonzero(np.array([it is not None for it in items.reshape(-1)], dtype=bool))


def result_table(bq: BoundQuery, rows: pa.Table, preds: Predictions, *, threshold: float = 0.5,
                 item_key: str | None = None) -> pa.Table:
    """Assemble the user-facing table for ``rows`` (entity key…, anchor_time) from model outputs.

    When ``rows`` carry a ``label`` (EVALUATE's test split), each result row gets its input row's label
    as ``actual``: only here is it known which input row a result row came from, as a ranking gives an
    entity as many rows as it has ranked items."""
    keys = _keys(rows, bq)
    source = np.arange(rows.num_rows)  # per result row: the row of ``rows`` it describes
    cols: dict[str, pa.Array] = {}  # the task's columns, after the keys
    s = np.asarray(preds.scores)
    task = bq.task
    if task == TaskType.BINARY:
        cols["probability"] = pa.array(s.astype(float))
        cols["prediction"] = pa.array(s >= threshold)
    elif task == TaskType.REGRESSION:
        cols["prediction"] = pa.array(s.astype(float))
    elif task == TaskType.MULTICLASS:
        best = s.argmax(axis=1) if len(s) else np.zeros(0, dtype=int)
        cols["prediction"] = pa.array([preds.classes[i] for i in best])
        cols["probability"] = pa.array(s[np.arange(len(s)), best].astype(float) if len(s) else [], pa.float64())
    elif task == TaskType.MULTILABEL and bq.rank_top:  # LIST_DISTINCT(non-key) RANK TOP k: the k likeliest
        k = min(int(bq.rank_top), len(preds.classes))
        order = np.argsort(-s, axis=1, kind="stable")[:, :k] if len(s) else np.zeros((0, k), dtype=int)
        top = np.take_along_axis(s, order, axis=1) if len(s) else np.zeros((0, k))
        source = np.repeat(source, k)
        cols["rank"] = pa.array(np.tile(np.arange(1, k + 1), len(s)).astype(np.int32))
        cols["label"] = pa.array([preds.classes[i] for i in order.reshape(-1)])
        cols["probability"] = pa.array(top.reshape(-1).astype(float))
        cols["prediction"] = pa.array(top.reshape(-1) >= threshold)
    elif task == TaskType.MULTILABEL:
        k = len(preds.classes)
        source = np.repeat(source, k)
        cols["label"] = pa.array(list(preds.classes) * len(s))
        cols["probability"] = pa.array(s.reshape(-1).astype(float))
        cols["prediction"] = pa.array(s.reshape(-1) >= threshold)
    elif task == TaskType.LINK_RANKING:
        items = preds.items if preds.items is not None else np.empty((len(s), 0), dtype=object)
        k = items.shape[1] if items.ndim == 2 else 0
        cells = _ranked_cells(items)  # best first, so a row's items are ranks 1 … m with m <= k
        source = np.repeat(source, k)[cells]
        cols["rank"] = pa.array((cells % k + 1).astype(np.int32) if k else np.zeros(0, np.int32))
        item_column = item_key or bq.item_table or "item"
        if item_column in keys:  # customer.id ranking product.id: keep the entity's key, name the item's
            item_column = f"{bq.item_table or 'item'}_{item_column}"
        cols[item_column] = pa.array(items.reshape(-1)[cells].tolist())
        cols["score"] = pa.array(np.asarray(s, dtype=float).reshape(-1)[cells])
    elif task == TaskType.FORECASTING:
        steps = s.shape[1] if s.ndim == 2 else 1
        source = np.repeat(source, steps)
        cols["step"] = pa.array(np.tile(np.arange(1, steps + 1), len(s)).astype(np.int32))
        cols["prediction"] = pa.array(s.reshape(-1).astype(float))
    elif task == TaskType.UPLIFT:
        control = s[:, 0].astype(float)
        arms = preds.classes[1:]
        if len(arms) <= 1:
            cols["p_treated"] = pa.array(s[:, 1].astype(float))
            cols["p_control"] = pa.array(control)
            cols["uplift"] = pa.array(s[:, 1] - control)
        else:
            cols["p_control"] = pa.array(control)
            for j, arm in enumerate(arms, start=1):
                cols[f"p_treated_{arm}"] = pa.array(s[:, j].astype(float))
                cols[f"uplift_{arm}"] = pa.array(s[:, j] - control)
    else:  # pragma: no cover - every task is handled above
        raise EngineError(f"no result layout for task {task}")
    table = pa.table({**_take(keys, source), **cols})
    if "label" in rows.column_names:  # EVALUATE's test rows: each result row beside its input row's label
        table = table.append_column("actual", rows.column("label").take(pa.array(source, pa.int64())))
    return table


# ---- INTO -----------------------------------------------------------------------------------------------


def _exists(con, name: str) -> bool:
    query = exp.select("1").from_("duckdb_tables()").where(
        exp.and_(exp.func("lower", exp.column("table_name")).eq(exp.Literal.string(name.lower())),
                 exp.column("schema_name").eq(exp.Literal.string("main"))))
    return bool(con.sql(query.sql(dialect="duckdb")).fetchall())


POSTGRES_NAME_BYTES = 63  # NAMEDATALEN - 1: PostgreSQL truncates longer identifiers silently


def check_into(connector, name: str, *, replace: bool, reads: tuple[str, ...] = ()) -> None:
    """Refuse, before any training, an ``INTO`` that would fail or destroy data at the end.

    ``reads`` are the tables the query itself reads: replacing one of them is never what was meant.
    """
    if replace and name.lower() in {t.lower() for t in reads}:
        raise EngineError(f"INTO OR REPLACE {name} would overwrite '{name}', a table this query reads; "
                          "choose another name")
    from connectors.sqlite_file import OUTPUTS_TABLE

    check_writable(connector, name)
    if name.lower() == OUTPUTS_TABLE.lower():
        raise EngineError(f"INTO {'OR REPLACE ' if replace else ''}{quote_name(name)}: {OUTPUTS_TABLE} is pql's own "
                          "table, where it records the tables INTO wrote; choose another name")
    if connector.kind == "sqlite":
        from pathlib import Path

        from engine.into_sqlite import check_into_sqlite

        check_into_sqlite(Path(connector.name), name)
    if connector.kind == "postgres" and len(name.encode()) > POSTGRES_NAME_BYTES:
        raise EngineError(f"INTO {quote_name(name)}: PostgreSQL cuts names at {POSTGRES_NAME_BYTES} bytes, so "
                          f"this one ({len(name.encode())} bytes) could never be replaced; choose a shorter name")
    if connector.kind == "postgres":
        from engine.into_postgres import check_into_postgres

        check_into_postgres(connector.uri, name, replace=replace)
    if connector.kind == "files":
        check_folder_target(into_folder(connector), name, replace=replace)
    yours = next((t for t in connector.table_names() if t.lower() == name.lower()), None)
    if yours is not None:  # INTO OR REPLACE replaces only what an earlier INTO wrote, never the user's data
        raise EngineError(f"INTO {'OR REPLACE ' if replace else ''}{quote_name(name)}: '{yours}' is one of your "
                          "tables, not one INTO wrote, and pql never overwrites those; choose another name")
    if connector.kind != "files" and not replace and _exists(connector.connection, name):
        raise EngineError(f"table '{name}' already exists; write INTO OR REPLACE {quote_name(name)} to overwrite it")


def write_into_connection(con, name: str, table: pa.Table, *, replace: bool, query: str = "") -> None:
    """Create table ``name`` from ``table`` in one transaction; refuse to overwrite unless ``replace``.

    The table is marked as pql's output (a comment naming ``query``), so later queries leave it out of
    their graph instead of learning from earlier predictions."""
    import duckdb

    from connectors._sql import table_ref
    from connectors.catalog import OUTPUT_MARKER

    view = "_pql_into_source"
    target = table_ref(name)  # one identifier: a dot or quote in the name is part of it, not SQL
    create = exp.Create(this=target, kind="TABLE", replace=replace,
                        expression=exp.select("*").from_(table_ref(view)))
    con.register(view, table)
    try:
        con.execute("BEGIN TRANSACTION")  # outside the rollback: a failed BEGIN has nothing to undo
        try:
            if not replace and _exists(con, name):
                raise EngineError(f"table '{name}' already exists; write INTO OR REPLACE {quote_name(name)} to overwrite it")
            con.execute(create.sql(dialect="duckdb"))
            comment = exp.Comment(this=target, kind="TABLE",
                                  expression=exp.Literal.string(f"{OUTPUT_MARKER}: {query}".strip()))
            con.execute(comment.sql(dialect="duckdb"))
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # the transaction is already gone; the original error is the one to report
            raise
    except duckdb.Error as e:
        raise EngineError(f"cannot write predictions into '{name}': {e}") from e
    finally:
        con.unregister(view)
