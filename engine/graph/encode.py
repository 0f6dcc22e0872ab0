"""Column tensorisation per semantic type: fit once on the graph, then transform deterministically.

Each fitted encoder is a frozen, JSON-serialisable dataclass that turns one Arrow column into
``num`` float32 [N, F] and ``cat`` int64 [N, C] blocks:

- numerical → clipped to the fitted [q, 1-q] quantiles, standardised; NaN → 0 plus an
  ``__is_null`` indicator column when the fit data had missing values;
- categorical → int codes: 0 = null, 1 = other (beyond the ``max_categories`` most frequent values,
  or unseen at fit time), 2… = vocabulary in frequency order (ties by value);
- timestamp (other than the row's time column) → sin/cos of day of week and month, plus standardised
  years since 1970 (and ``__is_null`` when needed);
- multicategorical → hashed multi-hot (0/1) over ``multicategorical_buckets`` buckets; lists, or
  strings split on ``,`` ``;`` ``|``;
- text → hashed bag of lower-cased words and their char 3-grams (term frequency, L2-normalised) over
  ``text_buckets`` buckets.

Leakage: statistics (quantiles, means, vocabularies) are *feature* statistics, never labels. By
default they use every row, including rows of event tables that lie after some training anchor;
pass ``fit_cutoff`` to ``build_graph`` to fit timed tables on rows up to that time only (static
tables always use all rows: they describe entities, not outcomes).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Union

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from engine.graph.hashing import hashed_counts
from engine.graph.timecode import epoch_seconds_sql
from engine.schema.model import Column, SemanticType

SECONDS_PER_DAY = 86_400
SECONDS_PER_YEAR = 365.2425 * SECONDS_PER_DAY
_MULTI_SEPARATORS = r"\s*[,;|]\s*"


@dataclass(frozen=True, kw_only=True)
class EncoderConfig:
    max_categories: int = 1000
    clip_quantile: float = 0.005
    multicategorical_buckets: int = 16
    text_buckets: int = 32


@dataclass(frozen=True, kw_only=True)
class ColumnFeatures:
    """One column's encoded block: ``num`` float32 [N, F], ``cat`` int64 [N, C]."""

    num: np.ndarray
    cat: np.ndarray


def feature_sql(column: Column) -> exp.Expression:
    """The projection that brings ``column`` into the Arrow type its encoder expects."""
    ref = exp.column(column.name, quoted=True)
    if column.stype is SemanticType.NUMERICAL:
        return exp.TryCast(this=ref, to=exp.DataType.build("DOUBLE"))
    if column.stype is SemanticType.TIMESTAMP:
        return epoch_seconds_sql(ref, column.dtype)
    if column.stype is SemanticType.MULTICATEGORICAL and column.dtype.endswith("[]"):
        return exp.cast(ref, exp.DataType.build("VARCHAR[]", dialect="duckdb"))
    return exp.cast(ref, "VARCHAR")


def _as_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _empty(n: int, width: int, dtype) -> np.ndarray:
    return np.zeros((n, width), dtype=dtype)


@dataclass(frozen=True, kw_only=True)
class NumericalEncoder:
    kind: ClassVar[str] = "numerical"
    column: str
    low: float
    high: float
    mean: float
    std: float
    null_flag: bool

    @classmethod
    def fit(cls, column: str, values: pa.Array, config: EncoderConfig) -> "NumericalEncoder":
        x = _floats(values)
        finite = x[np.isfinite(x)]
        if finite.size == 0:
            return cls(column=column, low=0.0, high=0.0, mean=0.0, std=1.0, null_flag=x.size > 0)
        low, high = np.quantile(finite, [config.clip_quantile, 1.0 - config.clip_quantile])
        clipped = np.clip(finite, low, high)
        std = float(clipped.std())
        return cls(column=column, low=float(low), high=float(high), mean=float(clipped.mean()),
                   std=std if std > 0 else 1.0, null_flag=bool(finite.size < x.size))

    @property
    def numerical_names(self) -> tuple[str, ...]:
        return (self.column, f"{self.column}__is_null") if self.null_flag else (self.column,)

    @property
    def categorical_cardinalities(self) -> tuple[int, ...]:
        return ()

    def transform(self, values: pa.Array) -> ColumnFeatures:
        x = _floats(values)  # an owned copy: scaled in place (event tables have tens of millions of rows)
        missing = ~np.isfinite(x)
        x[missing] = self.mean
        np.clip(x, self.low, self.high, out=x)
        x -= self.mean
        x /= self.std
        x[missing] = 0.0
        out = np.empty((len(x), 2 if self.null_flag else 1), dtype=np.float32)
        out[:, 0] = x
        if self.null_flag:
            out[:, 1] = missing
        return ColumnFeatures(num=out, cat=_empty(len(x), 0, np.int64))


def _floats(values: pa.Array) -> np.ndarray:
    arr = _as_array(values).cast(pa.float64())
    return arr.fill_null(np.nan).to_numpy(zero_copy_only=False).astype(np.float64, copy=True)


@dataclass(frozen=True, kw_only=True)
class CategoricalEncoder:
    kind: ClassVar[str] = "categorical"
    NULL_CODE: ClassVar[int] = 0
    OTHER_CODE: ClassVar[int] = 1
    column: str
    vocabulary: tuple[str, ...]

    @classmethod
    def fit(cls, column: str, values: pa.Array, config: EncoderConfig) -> "CategoricalEncoder":
        counts = pc.value_counts(pc.drop_null(_as_array(values).cast(pa.string())))
        ranked = sorted(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist()),
                        key=lambda vc: (-vc[1], vc[0]))  # one entry per distinct value
        return cls(column=column, vocabulary=tuple(v for v, _ in ranked[: config.max_categories]))

    @property
    def numerical_names(self) -> tuple[str, ...]:
        return ()

    @property
    def categorical_cardinalities(self) -> tuple[int, ...]:
        return (len(self.vocabulary) + 2,)

    def transform(self, values: pa.Array) -> ColumnFeatures:
        arr = _as_array(values).cast(pa.string())
        index = pc.index_in(arr, value_set=pa.array(self.vocabulary, type=pa.string()))
        codes = index.to_numpy(zero_copy_only=False)
        codes = np.where(np.isnan(codes.astype(np.float64)), -1, codes).astype(np.int64) + 2
        codes[codes == 1] = self.OTHER_CODE  # not in vocabulary
        codes[arr.is_null().to_numpy(zero_copy_only=False)] = self.NULL_CODE
        return ColumnFeatures(num=_empty(len(arr), 0, np.float32), cat=codes.reshape(-1, 1))


@dataclass(frozen=True, kw_only=True)
class TimestampEncoder:
    """Input: int64 epoch seconds (see ``feature_sql``)."""

    kind: ClassVar[str] = "timestamp"
    column: str
    mean_years: float
    std_years: float
    null_flag: bool

    @classmethod
    def fit(cls, column: str, values: pa.Array, config: EncoderConfig) -> "TimestampEncoder":
        years = _floats(values) / SECONDS_PER_YEAR
        known = years[np.isfinite(years)]
        std = float(known.std()) if known.size else 1.0
        return cls(column=column, mean_years=float(known.mean()) if known.size else 0.0,
                   std_years=std if std > 0 else 1.0, null_flag=bool(known.size < years.size))

    @property
    def numerical_names(self) -> tuple[str, ...]:
        parts = ("dow_sin", "dow_cos", "month_sin", "month_cos", "years")
        names = tuple(f"{self.column}__{p}" for p in parts)
        return (*names, f"{self.column}__is_null") if self.null_flag else names

    @property
    def categorical_cardinalities(self) -> tuple[int, ...]:
        return ()

    def transform(self, values: pa.Array) -> ColumnFeatures:
        seconds = _floats(values)
        missing = ~np.isfinite(seconds)
        s = np.where(missing, 0.0, seconds)
        days = np.floor(s / SECONDS_PER_DAY)
        dow = np.mod(days + 3, 7)  # 1970-01-01 was a Thursday; Monday = 0
        month = np.mod(s.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64), 12)
        years = (s / SECONDS_PER_YEAR - self.mean_years) / self.std_years
        cols = [np.sin(2 * np.pi * dow / 7), np.cos(2 * np.pi * dow / 7),
                np.sin(2 * np.pi * month / 12), np.cos(2 * np.pi * month / 12), years]
        out = np.stack(cols, axis=1)
        out[missing] = 0.0
        if self.null_flag:
            out = np.concatenate([out, missing[:, None].astype(np.float64)], axis=1)
        return ColumnFeatures(num=out.astype(np.float32), cat=_empty(len(s), 0, np.int64))


@dataclass(frozen=True, kw_only=True)
class _HashedBucketsEncoder:
    """Shared layout of the hashed encoders: ``buckets`` numerical columns ``<column>__h<b>``, no categorical ones."""

    column: str
    buckets: int

    @property
    def numerical_names(self) -> tuple[str, ...]:
        return tuple(f"{self.column}__h{b}" for b in range(self.buckets))

    @property
    def categorical_cardinalities(self) -> tuple[int, ...]:
        return ()


@dataclass(frozen=True, kw_only=True)
class MultiCategoricalEncoder(_HashedBucketsEncoder):
    kind: ClassVar[str] = "multicategorical"

    @classmethod
    def fit(cls, column: str, values: pa.Array, config: EncoderConfig) -> "MultiCategoricalEncoder":
        return cls(column=column, buckets=config.multicategorical_buckets)

    def transform(self, values: pa.Array) -> ColumnFeatures:
        arr = _as_array(values)
        if not pa.types.is_list(arr.type) and not pa.types.is_large_list(arr.type):
            arr = pc.split_pattern_regex(arr.cast(pa.string()), _MULTI_SEPARATORS)
        counts = hashed_counts(arr, len(arr), self.buckets, trigrams=False)
        hot = (counts.toarray() > 0).astype(np.float32)
        return ColumnFeatures(num=hot, cat=_empty(len(arr), 0, np.int64))


@dataclass(frozen=True, kw_only=True)
class TextEncoder(_HashedBucketsEncoder):
    kind: ClassVar[str] = "text"

    @classmethod
    def fit(cls, column: str, values: pa.Array, config: EncoderConfig) -> "TextEncoder":
        return cls(column=column, buckets=config.text_buckets)

    def transform(self, values: pa.Array) -> ColumnFeatures:
        arr = pc.utf8_lower(_as_array(values).cast(pa.string()).fill_null(""))
        words = pc.split_pattern_regex(arr, r"[^\w]+")
        tf = hashed_counts(words, len(arr), self.buckets, trigrams=True).toarray()
        norm = np.linalg.norm(tf, axis=1, keepdims=True)
        tf = np.divide(tf, norm, out=np.zeros_like(tf), where=norm > 0)
        return ColumnFeatures(num=tf.astype(np.float32), cat=_empty(len(arr), 0, np.int64))


ColumnEncoder = Union[NumericalEncoder, CategoricalEncoder, TimestampEncoder, MultiCategoricalEncoder,
                      TextEncoder]
_BY_STYPE: dict[SemanticType, type] = {
    SemanticType.NUMERICAL: NumericalEncoder,
    SemanticType.CATEGORICAL: CategoricalEncoder,
    SemanticType.TIMESTAMP: TimestampEncoder,
    SemanticType.MULTICATEGORICAL: MultiCategoricalEncoder,
    SemanticType.TEXT: TextEncoder,
}
_BY_KIND: dict[str, type] = {cls.kind: cls for cls in _BY_STYPE.values()}


def is_encodable(column: Column) -> bool:
    return column.stype in _BY_STYPE


def fit_column(column: Column, values: pa.Array, config: EncoderConfig) -> ColumnEncoder:
    return _BY_STYPE[column.stype].fit(column.name, _as_array(values), config)


@dataclass(frozen=True, kw_only=True)
class TableEncoder:
    """The fitted encoders of one table's feature columns, in feature order."""

    table: str
    columns: tuple[ColumnEncoder, ...]

    @property
    def numerical_names(self) -> tuple[str, ...]:
        return tuple(n for c in self.columns for n in c.numerical_names)

    @property
    def categorical_names(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.columns if c.categorical_cardinalities)

    @property
    def categorical_cardinalities(self) -> tuple[int, ...]:
        return tuple(k for c in self.columns for k in c.categorical_cardinalities)

    def transform(self, features: pa.Table, *, num_rows: int) -> tuple[np.ndarray, np.ndarray]:
        """``x_num`` float32 [N, F] and ``x_cat`` int64 [N, C] from a table holding each column by name
        (``num_rows`` = N, explicit because a table without feature columns has no rows)."""
        n = num_rows
        blocks = [c.transform(features.column(c.column)) for c in self.columns]
        x_num = np.concatenate([_empty(n, 0, np.float32), *(b.num for b in blocks)], axis=1)
        x_cat = np.concatenate([_empty(n, 0, np.int64), *(b.cat for b in blocks)], axis=1)
        return x_num, x_cat

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "columns": [{"kind": c.kind, **asdict(c)} for c in self.columns]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TableEncoder":
        columns = []
        for spec in data["columns"]:
            fields = {k: (tuple(v) if isinstance(v, list) else v) for k, v in spec.items() if k != "kind"}
            columns.append(_BY_KIND[spec["kind"]](**fields))
        return cls(table=data["table"], columns=tuple(columns))
