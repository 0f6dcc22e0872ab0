"""Column statistics gathered with a handful of DuckDB aggregates (never a Python loop over rows).

One aggregate query per table gives row count, non-null count and approximate distinct count of every
column; one small query per text column pulls a deterministic sample of values (rows with the
smallest value hashes, so runs agree) for the semantic-type judgement.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from engine.schema.dtypes import Family, family
from engine.schema.sql import column_ref, not_null, run, table_ref

if TYPE_CHECKING:
    import duckdb

TEXT_SAMPLE_SIZE = 500


@dataclass(frozen=True, kw_only=True)
class ColumnProfile:
    name: str
    dtype: str
    declared_nullable: bool
    non_null: int
    approx_distinct: int
    sample: tuple[str, ...] = ()  # a few distinct non-null values, text columns only

    @property
    def family(self) -> Family:
        return family(self.dtype)


@dataclass(frozen=True, kw_only=True)
class TableProfile:
    name: str
    num_rows: int
    columns: tuple[ColumnProfile, ...]

    def column(self, name: str) -> ColumnProfile:
        return next(c for c in self.columns if c.name == name)

    def null_fraction(self, name: str) -> float:
        return 0.0 if self.num_rows == 0 else 1.0 - self.column(name).non_null / self.num_rows


def catalog_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, bool]]:
    """(name, DuckDB type, declared nullable) for each column of ``table`` in order, as queries see it: a
    temporary view of that name (a derived entity table, `engine.schema.derived`, or a table whose text
    timestamps a connector reads as TIMESTAMP) shadows the database's table."""
    for database in (exp.Literal.string("temp"), exp.func("current_database")):
        query = (
            exp.select("column_name", "data_type", "is_nullable")
            .from_(exp.func("duckdb_columns"))
            .where(exp.column("database_name").eq(database))
            .where(exp.column("schema_name").eq(exp.Literal.string("main")))
            .where(exp.column("table_name").eq(exp.Literal.string(table)))
            .order_by("column_index")
        )
        found = [(n, t, bool(nullable)) for n, t, nullable in run(con, query, f"read the columns of {table}")]
        if found:
            return found
    return []


def profile_table(con: duckdb.DuckDBPyConnection, table: str) -> TableProfile:
    columns = catalog_columns(con, table)
    selects: list[exp.Expression] = [exp.func("count", exp.Star())]
    for name, _, _ in columns:
        selects.append(exp.func("count", column_ref(name)))
        selects.append(exp.func("approx_count_distinct", column_ref(name)))
    row = run(con, exp.select(*selects).from_(table_ref(table)), f"profile table {table}")[0]
    num_rows = int(row[0])
    profiles = []
    for i, (name, dtype, nullable) in enumerate(columns):
        non_null, distinct = int(row[1 + 2 * i]), int(row[2 + 2 * i] or 0)
        sample: tuple[str, ...] = ()
        if family(dtype) is Family.STRING and non_null:
            sample = _text_sample(con, table, name)
        # approx_count_distinct can overshoot slightly; distinct values never exceed non-null rows
        profiles.append(ColumnProfile(name=name, dtype=dtype, declared_nullable=nullable, non_null=non_null,
                                      approx_distinct=min(distinct, non_null), sample=sample))
    return TableProfile(name=table, num_rows=num_rows, columns=tuple(profiles))


def _text_sample(con: duckdb.DuckDBPyConnection, table: str, column: str) -> tuple[str, ...]:
    col = column_ref(column)
    distinct_values = exp.select(col).distinct().from_(table_ref(table)).where(not_null(col)).subquery("v")
    query = exp.select(col).from_(distinct_values).order_by(exp.func("hash", col)).limit(TEXT_SAMPLE_SIZE)
    return tuple(str(r[0]) for r in run(con, query, f"sample {table}.{column}"))


@dataclass(frozen=True, kw_only=True)
class KeyDefects:
    """What keeps columns from identifying rows, counted exactly."""

    repeated: int  # distinct complete values found on more than one row
    nulls: int  # rows with a NULL in any of the columns
    repeated_rows: int = 0  # the rows holding those values (1 value on 1,000 rows is not 1 defect)

    def __bool__(self) -> bool:
        return bool(self.repeated or self.nulls)

    def __str__(self) -> str:
        parts = []
        if self.repeated:
            parts.append(f"{self.repeated:,} value{' repeats' if self.repeated == 1 else 's repeat'}"
                         + (f" on {self.repeated_rows:,} rows" if self.repeated_rows else ""))
        if self.nulls:
            parts.append(f"{self.nulls} {'is' if self.nulls == 1 else 'are'} NULL")
        return " and ".join(parts) or "unique, no NULLs"


def key_defects(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]) -> KeyDefects:
    """Exact check that ``columns`` identify rows: values that repeat, rows with NULLs (one GROUP BY)."""
    refs = [column_ref(c) for c in columns]
    complete = exp.and_(*(not_null(r) for r in refs))
    groups = (exp.select(exp.alias_(exp.func("count", exp.Star()), "n"), exp.alias_(complete, "complete"))
              .from_(table_ref(table)).group_by(*refs).subquery("g"))
    n, is_complete = exp.column("n"), exp.column("complete")
    query = exp.select(
        exp.Filter(this=exp.func("count", exp.Star()), expression=exp.Where(this=exp.and_(is_complete, n > 1))),
        exp.Filter(this=exp.func("sum", n), expression=exp.Where(this=exp.not_(is_complete))),
        exp.Filter(this=exp.func("sum", n), expression=exp.Where(this=exp.and_(is_complete, n > 1))),
    ).from_(groups)
    repeated, nulls, repeated_rows = run(con, query, f"check the key of {table}")[0]
    return KeyDefects(repeated=int(repeated or 0), nulls=int(nulls or 0), repeated_rows=int(repeated_rows or 0))
