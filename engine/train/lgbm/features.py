"""The feature table the LightGBM models read, one row per (entity key…, anchor_time) row.

Two parts, both computed strictly from data at or before each row's anchor:

- `engine.features.relational_features` over the query's tables (``USING`` and what the target
  needs), windows scaled to the target window's length; a static target's own columns
  (``TrainingTable.label_columns``) are removed from the schema first, so the label is never a feature;
- the target's own history (`engine.train.lgbm.history`): the target's aggregations over past
  windows of the same length, the persistence signal a data scientist computes first.

`FeatureSource` is plain data saved with the model, so a reloaded trainer rebuilds the same columns.
Feature tables are cached per rows content within one trainer (fit computes train, val and test in
one query; the run's later predictions on those rows then cost nothing).
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.features import relational_features
from engine.graph.keymatch import match_keys
from engine.schema.model import Database, Table
from engine.steady_floats import steady_floats
from engine.train.lgbm.history import HistoryFeature, history_columns
from pql.bound import UNIT_DAYS, BoundQuery, BWindow
from pql.errors import EngineError, PQLError

ANCHOR = "anchor_time"


def horizon_of(window: BWindow | None) -> timedelta | None:
    """The target window's length as a timedelta (months and years at their mean length)."""
    if window is None:
        return None
    length = float(window.end - (0.0 if window.start is None else window.start))
    if length <= 0:
        return None
    return timedelta(days=length * UNIT_DAYS[window.unit])


def feature_database(db: Database, tables: tuple[str, ...], exclude: tuple[tuple[str, str], ...]) -> Database:
    """``db`` restricted to ``tables`` (all when empty) without the ``(table, column)`` pairs in
    ``exclude``. Parents a kept table takes its time from stay, or its rows would lose their time."""
    keep = {t.name for t in db.tables} if not tables else {db.table(n).name for n in tables if db.table(n)}
    for t in db.tables:
        if t.name in keep and t.inherited_time is not None:
            keep.add(t.inherited_time.via.ref_table)
    hidden: dict[str, set[str]] = {}
    for table, column in exclude:
        hidden.setdefault(table, set()).add(column)

    def trimmed(t: Table) -> Table:
        drop = hidden.get(t.name, set()) - set(t.primary_key) - {t.time_column}
        drop -= {c for fk in db.foreign_keys_from(t.name) for c in fk.columns}
        return t if not drop else replace(t, columns=tuple(c for c in t.columns if c.name not in drop))

    return replace(db, tables=tuple(trimmed(t) for t in db.tables if t.name in keep),
                   foreign_keys=tuple(fk for fk in db.foreign_keys if fk.table in keep and fk.ref_table in keep))


@dataclass(frozen=True, kw_only=True)
class FeatureSource:
    """How features are built for this query (plain data; saved with the model)."""

    entity: str
    key: tuple[str, ...]
    horizon_days: float | None
    tables: tuple[str, ...]
    exclude: tuple[tuple[str, str], ...]
    history: tuple[HistoryFeature, ...]
    max_features: int = 400

    @classmethod
    def for_query(cls, bq: BoundQuery, label_columns: tuple[tuple[str, str], ...], *, lags: tuple[int, ...],
                  max_aggregations: int, max_features: int) -> "FeatureSource":
        horizon = horizon_of(bq.target_window)
        return cls(entity=bq.entity.table, key=tuple(bq.entity.key),
                   horizon_days=None if horizon is None else horizon.total_seconds() / 86_400,
                   tables=tuple(bq.using), exclude=tuple((t, c) for t, c in label_columns),
                   history=history_columns(bq, lags=lags, max_aggregations=max_aggregations),
                   max_features=max_features)

    def build(self, con, db: Database, bq: BoundQuery, rows: pa.Table) -> pa.Table:
        """Features for ``rows`` (key…, anchor_time), row-aligned; key and anchor columns included."""
        view = feature_database(db, self.tables, self.exclude)
        seeds = rows.select([*self.key, ANCHOR])
        horizon = None if self.horizon_days is None else timedelta(days=self.horizon_days)
        try:
            table = relational_features(con, view, self.entity, seeds, horizon=horizon, key_columns=self.key,
                                        max_features=self.max_features)
        except PQLError:
            raise
        except Exception as e:  # DuckDB / Arrow errors are wrapped with what was being done
            raise EngineError(f"building LightGBM features for {self.entity} failed: {e}") from e
        for feature in self.history:
            table = table.append_column(feature.name, feature.values(con, db, bq, seeds))
        return _as_float32(steady_floats(table, only={feature.name for feature in self.history}))

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "key": list(self.key), "horizon_days": self.horizon_days,
                "tables": list(self.tables), "exclude": [list(p) for p in self.exclude],
                "history": [h.to_dict() for h in self.history], "max_features": self.max_features}

    @classmethod
    def from_dict(cls, d: dict[str, Any], bq: BoundQuery) -> "FeatureSource":
        return cls(entity=d["entity"], key=tuple(d["key"]), horizon_days=d["horizon_days"],
                   tables=tuple(d["tables"]), exclude=tuple(tuple(p) for p in d["exclude"]),
                   history=tuple(HistoryFeature.from_dict(h, bq) for h in d["history"]),
                   max_features=int(d["max_features"]))


def rows_fingerprint(rows: pa.Table, columns: list[str]) -> str:
    """Content hash of the key and anchor columns of ``rows`` (order matters)."""
    frame = rows.select(columns).to_pandas()
    digest = hashlib.sha1(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    digest.update(str(rows.num_rows).encode())
    return digest.hexdigest()


ANNOUNCE_ROWS = 200_000  # 2.7M rows over 47M purchases took 185 s on two shared cores
#: rows per feature query: DuckDB's memory grows with the rows of one query (2.7M rows over 47M
#: purchases in one query held ~10 GiB), so large row sets are computed in slices of this many
CHUNK_ROWS = 500_000


class FeatureCache:
    """Feature tables by source and rows content, so fit's features serve the run's later predictions.

    ``store`` (e.g. `TrainInputs.shared`) lets several trainers of one run share the tables.
    """

    def __init__(self, source: FeatureSource, log: Callable[[str], None], *, label: str = "lightgbm",
                 store: dict[str, pa.Table] | None = None):
        self.source, self.log, self.label = source, log, label
        self._tables: dict[str, pa.Table] = store if store is not None else {}
        self._source_key = hashlib.sha1(json.dumps(source.to_dict(), sort_keys=True, default=str).encode()).hexdigest()

    def _key(self, rows: pa.Table) -> str:
        return self._source_key + rows_fingerprint(rows, [*self.source.key, ANCHOR])

    def _build(self, con, db: Database, bq: BoundQuery, rows: pa.Table) -> pa.Table:
        started = time.perf_counter()
        if rows.num_rows >= ANNOUNCE_ROWS:  # minutes of SQL ahead; say so before, not only after
            self.log(f"{self.label}: computing tabular features for {rows.num_rows:,} rows …")
        parts = []
        for start in range(0, max(rows.num_rows, 1), CHUNK_ROWS):
            if start:
                self.log(f"{self.label}: tabular features: {start:,} of {rows.num_rows:,} rows done")
            parts.append(self.source.build(con, db, bq, rows.slice(start, CHUNK_ROWS)))
        table = parts[0] if len(parts) == 1 else pa.concat_tables(parts, promote_options="default")
        width = table.num_columns - len(self.source.key) - 1
        count = f"{rows.num_rows:,} row{'' if rows.num_rows == 1 else 's'}"
        seconds = time.perf_counter() - started
        self.log(f"{self.label}: tabular features for {count} ({width} columns) in {seconds:.1f}s")
        return table

    def get(self, con, db: Database, bq: BoundQuery, rows: pa.Table) -> pa.Table:
        key = self._key(rows)
        if key not in self._tables:
            found = self._from_cached(rows)
            self._tables[key] = found if found is not None else self._build(con, db, bq, rows)
        return self._tables[key]

    def _from_cached(self, rows: pa.Table) -> pa.Table | None:
        """The rows' features taken from a cached table of this source that holds every (key, anchor)
        of them, or None. Features depend on nothing else, so a sample of rows already computed (the
        GNN's validation sample) costs a key match instead of a scan of the event tables (27 s at 1M
        customers)."""
        if rows.num_rows == 0:
            return None
        columns = [*self.source.key, ANCHOR]
        anchors = pc.unique(rows.column(ANCHOR))
        for name, table in self._tables.items():
            if not name.startswith(self._source_key) or table.num_rows < rows.num_rows:
                continue
            if not _all_in(anchors, pc.unique(table.column(ANCHOR))):
                continue  # an anchor the table lacks: skip the key match (a join over the table's rows)
            at = match_keys([rows.column(c) for c in columns], [table.column(c) for c in columns],
                            np.arange(table.num_rows), missing=-1)
            if (at >= 0).all():
                return table.take(pa.array(at))
        return None

    def prime(self, con, db: Database, bq: BoundQuery, parts: dict[str, pa.Table]) -> dict[str, pa.Table]:
        """Features of several row sets computed in one query, each cached under its own content;
        returns the non-empty parts' feature tables by name."""
        nonempty = {name: rows for name, rows in parts.items() if rows.num_rows}
        if not nonempty:
            return {}
        cached = {name: self._tables.get(self._key(rows)) for name, rows in nonempty.items()}
        if all(table is not None for table in cached.values()):  # another trainer of this run made them
            return cached
        table = self._build(con, db, bq, pa.concat_tables([r.select([*self.source.key, ANCHOR])
                                                           for r in nonempty.values()]))
        out, start = {}, 0
        for name, rows in nonempty.items():
            out[name] = table.slice(start, rows.num_rows)
            start += rows.num_rows
            self._tables[self._key(rows)] = out[name]
        return out


def _all_in(values: pa.Array, value_set: pa.Array) -> bool:
    """Whether every one of ``values`` is in ``value_set``; True when the types cannot be compared here
    (the key match then decides)."""
    try:
        return bool(pc.all(pc.is_in(values, value_set=value_set.cast(values.type))).as_py())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return True


def feature_matrix(features: pa.Table, key: tuple[str, ...]) -> pa.Table:
    """The model's inputs: the feature table without key and anchor columns."""
    return features.drop_columns([c for c in (*key, ANCHOR) if c in features.column_names])


def _as_float32(table: pa.Table) -> pa.Table:
    """Float features as float32: half the memory, and LightGBM bins them anyway. The noise of DuckDB's
    summation order is removed before (`engine.steady_floats`): float32 alone keeps a cancellation
    residue of 1e-14 apart from 0."""
    for i, field in enumerate(table.schema):
        if pa.types.is_float64(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(pa.float32()))
    return table
