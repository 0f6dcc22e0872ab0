"""Frozen description of a relational database as pql understands it.

Every fact carries where it came from: ``inferred=False`` means declared in the catalog (or given
by the user as an override), ``inferred=True`` means pql guessed it; guesses may carry a ``score``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class SemanticType(str, Enum):
    """How a column is encoded and which aggregations make sense on it."""

    NUMERICAL = "numerical"
    CATEGORICAL = "categorical"
    MULTICATEGORICAL = "multicategorical"
    TEXT = "text"
    TIMESTAMP = "timestamp"
    ID = "id"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, kw_only=True)
class Column:
    name: str
    dtype: str  # DuckDB type name, e.g. "BIGINT", "VARCHAR", "TIMESTAMP"
    stype: SemanticType
    nullable: bool = True
    inferred: bool = True  # semantic types are always a judgement unless overridden
    num_distinct: int | None = None  # approximate (HyperLogLog, ±15%) distinct non-null values, when profiled
    null_fraction: float | None = None  # share of NULL rows, when profiled


@dataclass(frozen=True, kw_only=True)
class ForeignKey:
    """``table.columns`` references ``ref_table.ref_columns`` (composite keys are tuples)."""

    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    inferred: bool = False
    score: float | None = None  # inference confidence in [0, 1]; None when declared
    containment: float | None = None  # share of non-null child values found in the parent

    @property
    def name(self) -> str:
        """Stable edge name, e.g. ``results.driverId->drivers``."""
        return f"{self.table}.{'+'.join(self.columns)}->{self.ref_table}"


@dataclass(frozen=True, kw_only=True)
class TimeSource:
    """A table without a time column of its own that takes its parent's time through ``via``."""

    via: ForeignKey
    parent_column: str  # the parent's time column


@dataclass(frozen=True, kw_only=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    primary_key_inferred: bool = False
    time_column: str | None = None
    time_column_inferred: bool = False
    inherited_time: TimeSource | None = None
    num_rows: int | None = None
    ignored_columns: tuple[str, ...] = ()  # removed by ``ignore t.c`` overrides: in no feature, no query

    def column(self, name: str) -> Column | None:
        """Case-insensitive column lookup."""
        for c in self.columns:
            if c.name == name:
                return c
        low = name.lower()
        for c in self.columns:
            if c.name.lower() == low:
                return c
        return None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def is_timed(self) -> bool:
        """True when rows have a time, own or inherited."""
        return self.time_column is not None or self.inherited_time is not None


@dataclass(frozen=True, kw_only=True)
class Database:
    tables: tuple[Table, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    notes: tuple[str, ...] = field(default=())  # what inference decided and why, for `pql schema`
    source: str = ""  # where the data came from (a path, "memory"), for display only

    def __str__(self) -> str:
        """The tree `pql schema` prints."""
        from engine.schema.render import format_tree

        return format_tree(self)

    def __repr__(self) -> str:
        """``<Database 'shop.duckdb': 2 tables (customers, purchases), 1 link; print() shows the tree>``: the
        dataclass's own repr ran to kilobytes in a notebook."""
        names = [t.name for t in self.tables]
        shown = ", ".join(names[:8]) + (f", … {len(names) - 8} more" if len(names) > 8 else "")
        source = f" {self.source!r}" if self.source else ""
        links = len(self.foreign_keys)
        return (f"<Database{source}: {len(names)} table{'s' if len(names) != 1 else ''} ({shown}), "
                f"{links} link{'s' if links != 1 else ''}; print() shows the tree>")

    def table(self, name: str) -> Table | None:
        """Exact, then case-insensitive lookup (no singular/plural; the binder does that with a note)."""
        for t in self.tables:
            if t.name == name:
                return t
        low = name.lower()
        for t in self.tables:
            if t.name.lower() == low:
                return t
        return None

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)

    def foreign_keys_from(self, table: str) -> tuple[ForeignKey, ...]:
        return tuple(fk for fk in self.foreign_keys if fk.table == table)

    def foreign_keys_to(self, table: str) -> tuple[ForeignKey, ...]:
        return tuple(fk for fk in self.foreign_keys if fk.ref_table == table)
