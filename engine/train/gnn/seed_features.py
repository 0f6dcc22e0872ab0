"""Tabular history features for the GNN's seed rows (a "wide and deep" GNN).

A seed's sampled subgraph holds at most ``neighbors`` rows per edge type and hop, so a customer with
300 purchases is seen through the last 16 of them: sums over a year, counts and trends are out of
reach of message passing. The LightGBM trainer's automatic features (`engine.train.lgbm.features`:
relational aggregates over backward windows and the target's own history, all computed strictly at
or before each row's anchor) say exactly that, so the GNN reads them too: they are standardised
here and the model adds ``MLP(features)`` to the seed's graph embedding before the task head.

Only numeric (and boolean) columns are used; categorical columns of the entity are already node
features of the graph. Values go through ``sign(x) * log1p(|x|)`` (counts and amounts are heavy-tailed)
and are standardised with the training rows' mean and deviation; a missing value becomes 0 and, for
columns that had missing values in training, a 0/1 "missing" column is added.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pyarrow as pa

from engine.train.lgbm.features import FeatureCache, FeatureSource, feature_matrix
from pql.bound import BoundQuery

MIN_STD = 1e-6


def _numeric_columns(table: pa.Table) -> list[str]:
    keep = []
    for field in table.schema:
        t = field.type
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
            keep.append(field.name)
    return keep


def _squash(table: pa.Table, columns: tuple[str, ...]) -> np.ndarray:
    """float64 ``[n, F]``: the columns (absent ones all-NaN), signed-log transformed, NaN kept."""
    out = np.full((table.num_rows, len(columns)), np.nan, dtype=np.float64)
    present = set(table.column_names)
    for j, name in enumerate(columns):
        if name not in present:
            continue
        col = table.column(name)
        if pa.types.is_boolean(col.type):
            col = col.cast(pa.int8())
        values = col.cast(pa.float64()).to_numpy(zero_copy_only=False)
        out[:, j] = np.sign(values) * np.log1p(np.abs(values))
    return out


@dataclass(frozen=True, kw_only=True)
class SeedFeatures:
    """How to turn feature tables into the GNN's ``[n, width]`` float32 seed inputs (plain data)."""

    source: FeatureSource
    columns: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    with_missing: tuple[bool, ...]  # a 0/1 missing indicator follows the columns, for these

    @property
    def width(self) -> int:
        return len(self.columns) + sum(self.with_missing)

    @classmethod
    def fit(cls, source: FeatureSource, train_features: pa.Table) -> "SeedFeatures":
        matrix = feature_matrix(train_features, source.key)
        columns = tuple(_numeric_columns(matrix))
        values = _squash(matrix, columns)
        missing = np.isnan(values)
        with warnings.catch_warnings():  # all-missing columns warn "mean of empty slice"
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nan_to_num(np.nanmean(values, axis=0))  # all-missing columns: NaN -> 0
            std = np.nanstd(values, axis=0)
        std = np.where(np.isfinite(std) & (std > MIN_STD), std, 1.0)
        return cls(source=source, columns=columns, mean=tuple(float(m) for m in mean),
                   std=tuple(float(s) for s in std), with_missing=tuple(bool(m) for m in missing.any(axis=0)))

    def transform(self, features: pa.Table) -> np.ndarray:
        """float32 ``[n, width]`` for a feature table built by ``source`` (row-aligned)."""
        values = _squash(features, self.columns)
        missing = np.isnan(values)
        scaled = (values - np.asarray(self.mean)) / np.asarray(self.std)
        scaled[missing] = 0.0
        indicators = missing[:, np.asarray(self.with_missing, dtype=bool)].astype(np.float64)
        return np.concatenate([scaled, indicators], axis=1).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source.to_dict(), "columns": list(self.columns), "mean": list(self.mean),
                "std": list(self.std), "with_missing": list(self.with_missing)}

    @classmethod
    def from_dict(cls, d: dict[str, Any], bq: BoundQuery) -> "SeedFeatures":
        return cls(source=FeatureSource.from_dict(d["source"], bq), columns=tuple(d["columns"]),
                   mean=tuple(d["mean"]), std=tuple(d["std"]), with_missing=tuple(d["with_missing"]))


class SeedFeatureCache:
    """Transformed seed inputs per row set, computed through the LightGBM feature cache."""

    def __init__(self, source: FeatureSource, log: Callable[[str], None], store: dict | None = None):
        self.cache = FeatureCache(source, log, label="gnn", store=store)

    def tables(self, con, db, bq: BoundQuery, parts: dict[str, pa.Table]) -> dict[str, pa.Table]:
        """Feature tables of several row sets in one query (see `FeatureCache.prime`)."""
        return self.cache.prime(con, db, bq, parts)

    def matrix(self, seed_features: SeedFeatures, con, db, bq: BoundQuery, rows: pa.Table) -> np.ndarray:
        table = self.cache.get(con, db, bq, rows.select([*seed_features.source.key, "anchor_time"]))
        return seed_features.transform(table)
