"""Small sqlglot builders shared by the feature queries.

Every identifier is quoted, every query is a sqlglot expression rendered for DuckDB; user-supplied
names never pass through string formatting.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyarrow as pa
from sqlglot import exp

from pql.errors import EngineError

DIALECT = "duckdb"
SECONDS_PER_DAY = 86400.0


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def col(alias: str, name: str) -> exp.Column:
    """``"alias"."name"``."""
    return exp.Column(this=ident(name), table=ident(alias))


def table(name: str, alias: str) -> exp.Table:
    """``"name" AS "alias"``."""
    return exp.Table(this=ident(name), alias=exp.TableAlias(this=ident(alias)))


def subquery(select: exp.Expression, alias: str) -> exp.Subquery:
    return exp.Subquery(this=select, alias=exp.TableAlias(this=ident(alias)))


def num(value: float | int) -> exp.Literal:
    return exp.Literal.number(value)


def and_all(conditions: Iterable[exp.Expression]) -> exp.Expression:
    items = list(conditions)
    if not items:
        return exp.true()
    return exp.and_(*items, copy=False)


def keys_equal(left: str, left_cols: Sequence[str], right: str, right_cols: Sequence[str]) -> exp.Expression:
    """``left.a = right.x AND left.b = right.y`` for (possibly composite) keys."""
    return and_all(col(left, a).eq(col(right, b)) for a, b in zip(left_cols, right_cols, strict=True))


def as_timestamp(e: exp.Expression) -> exp.Expression:
    return exp.cast(e, "TIMESTAMP")


def epoch(e: exp.Expression) -> exp.Expression:
    """Seconds since 1970 as DOUBLE (DuckDB ``epoch``)."""
    return exp.Anonymous(this="epoch", expressions=[e])


def age_days(anchor: exp.Expression, time: exp.Expression) -> exp.Expression:
    """Days from ``time`` up to ``anchor`` (positive in the past), as DOUBLE."""
    return exp.Paren(this=epoch(anchor) - epoch(as_timestamp(time))) / num(SECONDS_PER_DAY)


def as_double(e: exp.Expression) -> exp.Expression:
    return exp.TryCast(this=e, to=exp.DataType.build("DOUBLE"))


def as_text(e: exp.Expression) -> exp.Expression:
    return exp.cast(e, "VARCHAR")


def filtered(agg: exp.Expression, condition: exp.Expression | None) -> exp.Expression:
    """``agg FILTER (WHERE condition)``, or ``agg`` when there is no condition."""
    if condition is None:
        return agg
    return exp.Filter(this=agg, expression=exp.Where(this=condition))


def coalesce(e: exp.Expression, default: float | int) -> exp.Expression:
    return exp.Coalesce(this=e, expressions=[num(default)])


def alias(e: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=e, alias=ident(name))


def run_arrow(con, query: exp.Expression, *, what: str) -> pa.Table:
    """Execute ``query`` and return Arrow; DuckDB errors become :class:`EngineError`. DuckDB's memory
    for the query is kept within what the machine has free (`engine.features.memory_cap`)."""
    import duckdb

    from engine.features.memory_cap import memory_within_available

    sql = query.sql(dialect=DIALECT)
    try:
        with memory_within_available(con):
            return con.sql(sql).to_arrow_table()
    except duckdb.Error as e:
        raise EngineError(f"computing {what} failed: {e}") from e


def run_statement(con, statement: exp.Expression, *, what: str) -> None:
    import duckdb

    try:
        con.execute(statement.sql(dialect=DIALECT))
    except duckdb.Error as e:
        raise EngineError(f"{what} failed: {e}") from e
