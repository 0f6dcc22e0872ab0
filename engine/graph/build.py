"""Relational database → temporal heterogeneous graph (one node type per table, two edge types per FK).

Node order: rows sorted by primary key (NULLs last) when the table has one, else the source's
insertion order (DuckDB preserves it). ``GraphData.keys[table]`` keeps the key columns in that order
for ``node_index`` lookups. Edge ``(child, fk.name, child→parent)`` has ``edge_index[0]`` = child node,
``edge_index[1]`` = parent node; its reverse ``(parent, "rev_" + fk.name, child)`` flips both rows.
Rows whose FK is NULL or points at no parent row get no edge.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

import duckdb
import numpy as np
import pyarrow as pa
import torch
from sqlglot import exp
from torch_geometric.data import HeteroData

from connectors._duckdb import connect as connect_duckdb
from engine.graph.encode import EncoderConfig, TableEncoder, feature_sql, fit_column, is_encodable
from engine.graph.keymatch import match_keys
from engine.graph.meta import EdgeType, GraphMeta, NodeTypeMeta
from engine.graph.timecode import ALWAYS_VISIBLE, NEVER_VISIBLE, epoch_seconds_sql, seconds_to_numpy
from engine.schema.model import Database, ForeignKey, Table
from pql.errors import EngineError, SchemaError, did_you_mean

_TIME = "__pql_time"


@dataclass(frozen=True, kw_only=True, eq=False)
class GraphData:
    """A built graph: PyG ``HeteroData`` (see the batch contract in ``engine.graph``) plus what is
    needed to map keys to nodes and to re-encode new data the same way."""

    data: HeteroData
    meta: GraphMeta
    keys: Mapping[str, pa.Table]  # primary-key columns per node type; row i describes node i
    encoders: Mapping[str, TableEncoder]
    notes: tuple[str, ...] = field(default=())

    def node_index(self, table: str, keys: pa.Table | Sequence[pa.Array | Sequence]) -> np.ndarray:
        """int64 node indices of the given key values (one array per key column); -1 where unknown."""
        stored = self.keys.get(table)
        if stored is None or stored.num_columns == 0:
            raise SchemaError(f"table {table!r} has no primary key, so its nodes cannot be looked up by key")
        columns = list(keys.columns) if isinstance(keys, pa.Table) else [
            k if isinstance(k, (pa.Array, pa.ChunkedArray)) else pa.array(k) for k in keys]
        if len(columns) != stored.num_columns:
            raise SchemaError(f"table {table!r} has a {stored.num_columns}-column key, got {len(columns)} columns")
        return match_keys(columns, list(stored.columns), np.arange(stored.num_rows), missing=-1)

    def node_time(self, table: str) -> np.ndarray:
        """int64 [N] seconds since epoch of each node (sentinels: see ``engine.graph.timecode``)."""
        return self.data[table].time.numpy()


def build_graph(con: duckdb.DuckDBPyConnection, db: Database, *, tables: Collection[str] | None = None,
                encoders: Mapping[str, TableEncoder] | None = None, fit_cutoff: int | None = None,
                exclude_columns: Mapping[str, Collection[str]] | None = None,
                config: EncoderConfig = EncoderConfig()) -> GraphData:
    """Build the graph of ``db`` (or of the ``tables`` named) from the tables queryable on ``con``.

    ``encoders`` reuses fitted encoders (e.g. from a saved model) instead of fitting new ones;
    ``fit_cutoff`` (epoch seconds) limits encoder statistics of timed tables to rows up to it;
    ``exclude_columns`` keeps columns out of the features (e.g. a static target column).
    """
    selected = _select_tables(db, tables)
    names = {t.name for t in selected}
    fks = tuple(fk for fk in db.foreign_keys if fk.table in names and fk.ref_table in names)
    exclude = {t: set(cols) for t, cols in (exclude_columns or {}).items()}

    fetched = {t.name: _fetch_table(con, db, t, fks, exclude.get(t.name, set())) for t in selected}
    scratch = connect_duckdb()  # private: key matching never touches the user's connection
    try:
        return _assemble(con, scratch, db, selected, fks, fetched, encoders, fit_cutoff, config)
    finally:
        scratch.close()


def _assemble(con, scratch, db: Database, selected: Sequence[Table], fks: Sequence[ForeignKey],
              fetched: dict[str, "_Rows"], encoders: Mapping[str, TableEncoder] | None,
              fit_cutoff: int | None, config: EncoderConfig) -> GraphData:
    notes: list[str] = []
    data = HeteroData()
    node_metas, keys, fitted = [], {}, {}
    for t in selected:
        rows = fetched[t.name]
        time = _node_time(con, scratch, db, t, rows, notes)
        encoder = _encoder_for(t, rows.features, time, encoders, fit_cutoff, config)
        x_num, x_cat = encoder.transform(rows.features, num_rows=rows.num_rows)
        fetched[t.name] = replace(rows, features=rows.features.select([]))  # encoded: free the raw columns
        store = data[t.name]
        store.x_num = torch.from_numpy(np.ascontiguousarray(x_num))
        store.x_cat = torch.from_numpy(np.ascontiguousarray(x_cat))
        store.time = torch.from_numpy(np.array(time, dtype=np.int64))  # owned, writable copy
        store.num_nodes = rows.num_rows
        keys[t.name] = rows.links.select(list(t.primary_key))
        fitted[t.name] = encoder
        _note_duplicate_keys(t, keys[t.name], notes)
        node_metas.append(NodeTypeMeta(
            name=t.name, num_nodes=rows.num_rows, numerical_features=encoder.numerical_names,
            categorical_features=encoder.categorical_names,
            categorical_cardinalities=encoder.categorical_cardinalities,
            primary_key=tuple(t.primary_key), is_timed=t.is_timed))

    edge_types: list[EdgeType] = []
    for fk in fks:
        child, parent = _fk_edges(scratch, fk, fetched, notes)
        forward, backward = (fk.table, fk.name, fk.ref_table), (fk.ref_table, "rev_" + fk.name, fk.table)
        # One [3, E] buffer (child, parent, child): both directions are contiguous views of it,
        # which saves a copy of the largest arrays in the graph.
        rows = torch.from_numpy(np.stack([child, parent, child]))
        data[forward].edge_index, data[backward].edge_index = rows[0:2], rows[1:3]
        edge_types += [forward, backward]

    meta = GraphMeta(node_types=tuple(node_metas), edge_types=tuple(edge_types))
    return GraphData(data=data, meta=meta, keys=keys, encoders=fitted, notes=tuple(notes))


def _select_tables(db: Database, tables: Collection[str] | None) -> tuple[Table, ...]:
    if tables is None:
        return db.tables
    chosen = []
    for name in tables:
        table = db.table(name)
        if table is None:
            raise SchemaError(f"unknown table {name!r}{did_you_mean(name, db.table_names)}")
        chosen.append(table.name)
    return tuple(t for t in db.tables if t.name in set(chosen))


@dataclass(frozen=True, kw_only=True)
class _Rows:
    """A table's rows in node order: key/link columns, feature columns and the raw own time."""

    num_rows: int
    links: pa.Table
    features: pa.Table
    own_time: np.ndarray | None  # int64 seconds when the table has its own time column


def _link_columns(db: Database, t: Table, fks: Sequence[ForeignKey]) -> list[str]:
    """Key columns needed for node lookup, edges and inherited time, in a stable order."""
    wanted = list(t.primary_key)
    for fk in fks:
        if fk.table == t.name:
            wanted += fk.columns
        if fk.ref_table == t.name:
            wanted += fk.ref_columns
    if t.inherited_time is not None:
        wanted += t.inherited_time.via.columns
    return list(dict.fromkeys(wanted))


def _fetch_table(con, db: Database, t: Table, fks: Sequence[ForeignKey], exclude: set[str]) -> _Rows:
    links = _link_columns(db, t, fks)
    not_features = set(links) | exclude | {c for fk in db.foreign_keys_from(t.name) for c in fk.columns}
    if t.time_column is not None:
        not_features.add(t.time_column)
    features = [c for c in t.columns if c.name not in not_features and is_encodable(c)]

    projections = [exp.alias_(exp.column(name, quoted=True), f"l{i}", quoted=True) for i, name in enumerate(links)]
    projections += [exp.alias_(feature_sql(c), f"f{i}", quoted=True) for i, c in enumerate(features)]
    if t.time_column is not None:
        column = t.column(t.time_column)
        dtype = column.dtype if column is not None else "TIMESTAMP"
        projections.append(exp.alias_(epoch_seconds_sql(exp.column(t.time_column, quoted=True), dtype), _TIME,
                                      quoted=True))
    query = exp.select(*projections or [exp.alias_(exp.Literal.number(0), "l", quoted=True)]).from_(_table(t.name))
    if t.primary_key:
        query = query.order_by(*(exp.Ordered(this=exp.column(k, quoted=True), nulls_first=False)
                                 for k in t.primary_key))
    result = _read(con, query, t.name)
    return _Rows(num_rows=result.num_rows,
                 links=pa.table({name: result.column(f"l{i}") for i, name in enumerate(links)}),
                 features=pa.table({c.name: result.column(f"f{i}") for i, c in enumerate(features)}),
                 own_time=seconds_to_numpy(result.column(_TIME)) if t.time_column is not None else None)


def _table(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def _read(con, query: exp.Expression, table: str) -> pa.Table:
    try:
        return con.sql(query.sql("duckdb")).to_arrow_table()
    except duckdb.Error as e:
        raise EngineError(f"could not read table {table!r} to build the graph: {e}") from e


def _node_time(con, scratch, db: Database, t: Table, rows: _Rows, notes: list[str]) -> np.ndarray:
    """int64 [N] node times: own column, inherited through ``t.inherited_time``, or ALWAYS_VISIBLE."""
    n = rows.num_rows
    if rows.own_time is not None:
        return rows.own_time
    if t.inherited_time is None:
        return np.full(n, ALWAYS_VISIBLE, dtype=np.int64)
    via = t.inherited_time.via
    parent_keys, parent_time = _times_keyed_by(con, scratch, db, via.ref_table, via.ref_columns,
                                               t.inherited_time.parent_column, visiting={t.name})
    time = match_keys([rows.links.column(c) for c in via.columns], parent_keys, parent_time,
                      missing=NEVER_VISIBLE, scratch=scratch)
    hidden = int((time == NEVER_VISIBLE).sum())
    if hidden:
        notes.append(f"{t.name}: {hidden} of {n} rows have no time through {via.name} "
                     "(NULL or dangling key, or NULL parent time) and are never visible to the sampler")
    return time


def _times_keyed_by(con, scratch, db: Database, table_name: str, key_columns: Sequence[str], time_column: str,
                    *, visiting: set[str]) -> tuple[list[pa.ChunkedArray], np.ndarray]:
    """(key columns, int64 time) of ``table_name``, where its time comes from ``time_column`` if it
    has it, else from its own inherited time source (recursively)."""
    if table_name in visiting:
        raise SchemaError(f"inherited times form a cycle through {sorted(visiting | {table_name})}")
    table = db.table(table_name)
    if table is None:
        raise SchemaError(f"time source table {table_name!r} is not in the database")
    keys = [exp.alias_(exp.column(k, quoted=True), f"k{i}", quoted=True) for i, k in enumerate(key_columns)]
    column = table.column(time_column)
    if column is not None:
        expr = epoch_seconds_sql(exp.column(column.name, quoted=True), column.dtype)
        result = _read(con, exp.select(*keys, exp.alias_(expr, _TIME, quoted=True)).from_(_table(table.name)),
                       table.name)
        return result.columns[: len(key_columns)], seconds_to_numpy(result.column(_TIME))
    if table.inherited_time is None:
        raise SchemaError(f"table {table_name!r} has no column {time_column!r} to take time from")
    via = table.inherited_time.via
    vias = [exp.alias_(exp.column(c, quoted=True), f"v{i}", quoted=True) for i, c in enumerate(via.columns)]
    result = _read(con, exp.select(*keys, *vias).from_(_table(table.name)), table.name)
    parent_keys, parent_time = _times_keyed_by(con, scratch, db, via.ref_table, via.ref_columns,
                                               table.inherited_time.parent_column,
                                               visiting=visiting | {table_name})
    time = match_keys(result.columns[len(key_columns):], parent_keys, parent_time, missing=NEVER_VISIBLE,
                      scratch=scratch)
    return result.columns[: len(key_columns)], time


def _encoder_for(t: Table, features: pa.Table, time: np.ndarray, given: Mapping[str, TableEncoder] | None,
                 fit_cutoff: int | None, config: EncoderConfig) -> TableEncoder:
    if given is not None:
        if t.name not in given:
            raise EngineError(f"no fitted encoder for table {t.name!r}")
        return given[t.name]
    fit_rows = features
    if fit_cutoff is not None and t.is_timed and features.num_columns:
        fit_rows = features.filter(pa.array(time <= fit_cutoff))
    columns = tuple(fit_column(c, fit_rows.column(c.name), config)
                    for c in t.columns if c.name in set(features.column_names))
    return TableEncoder(table=t.name, columns=columns)


def _note_duplicate_keys(t: Table, keys: pa.Table, notes: list[str]) -> None:
    if keys.num_columns == 0 or keys.num_rows == 0:
        return
    distinct = keys.group_by(keys.column_names).aggregate([]).num_rows
    if distinct < keys.num_rows:
        notes.append(f"{t.name}: primary key {', '.join(t.primary_key)} has {keys.num_rows - distinct} "
                     "duplicate rows; edges and lookups use the first node of each key")


def _fk_edges(scratch, fk: ForeignKey, fetched: Mapping[str, _Rows], notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(child node, parent node) int64 arrays, one entry per child row that has a parent."""
    child, parent = fetched[fk.table], fetched[fk.ref_table]
    target = match_keys([child.links.column(c) for c in fk.columns],
                        [parent.links.column(c) for c in fk.ref_columns],
                        np.arange(parent.num_rows), missing=-1, scratch=scratch)
    linked = target >= 0
    unlinked = int((~linked).sum())
    if unlinked:
        notes.append(f"{fk.name}: {unlinked} of {child.num_rows} rows have a NULL or dangling key and no edge")
    return np.flatnonzero(linked).astype(np.int64), target[linked]
