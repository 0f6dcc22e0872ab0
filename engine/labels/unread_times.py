"""Columns named as times whose values pql could not read, on tables that then take another time or none.

A table without a time column of its own inherits its parent's (its rows count as happening when the
parent row did) or has none (every anchor sees all its rows). When such a table has a column whose name
says it holds a moment (``visited_at``) but whose values pql could not read as times (text in a layout
it does not know, numbers outside the epoch ranges, `connectors.text_timestamps`), its rows most likely
happened later than pql assumes, so features at an anchor may count rows from after it. Only the user
can tell, so pql warns, on every PREDICT and EVALUATE run and in EXPLAIN.

A name is not enough: F1's ``results.time`` holds race times (``1:34:50.616``), no moments. So at least
half of the column's values must look like moments: text with a year (``2022/09/10 04h30``, a 19xx-21xx
standing apart from other digits) or a run of eight digits, numbers of eight digits or more (``20220910``,
epoch numbers mixed with a ``0`` placeholder or in two units).
"""
from __future__ import annotations

from sqlglot import exp

from engine.labels.timespan import touched_tables
from engine.schema.dtypes import Family, family
from engine.schema.model import Column, Database, Table
from engine.schema.sql import column_ref, not_null, table_ref
from engine.schema.timecols import says_time, time_name_score
from pql.bound import BoundQuery

EXAMPLES = 2  # values shown in a warning
_YEAR_OR_DIGITS = r"(^|[^0-9])(1[89]|2[01])[0-9]{2}([^0-9]|$)|[0-9]{8}"
_EIGHT_DIGITS = 10_000_000
_UNREAD_FAMILIES = (Family.STRING, Family.INTEGER, Family.FLOAT)


def unread_time_columns(con, db: Database, bq: BoundQuery) -> list[str]:
    """One warning per column named as a time, not read as one, on a table the query reads (its
    entity, target, WHERE and ASSUMING tables and the graph's) that has no time column of its own."""
    out = []
    for name in _read_tables(db, bq):
        table = db.table(name)
        if table is None or table.time_column is not None:
            continue
        out += [_warning(db, table, column, _examples(con, table.name, column))
                for column in _unread(db, table) if _holds_moments(con, table.name, column)]
    return out


def _read_tables(db: Database, bq: BoundQuery) -> tuple[str, ...]:
    """The tables labels, features and the graph read: those the query names, then USING's or all."""
    return tuple(dict.fromkeys((*touched_tables(bq), *(bq.using or db.table_names))))


def _unread(db: Database, table: Table) -> list[Column]:
    """``table``'s non-key columns named as a row's time (not ``updated_at``, never one) that hold no time."""
    keys = set(table.primary_key)
    keys.update(c for fk in db.foreign_keys_from(table.name) for c in fk.columns)
    keys.update(c for fk in db.foreign_keys_to(table.name) for c in fk.ref_columns)
    return [c for c in table.columns
            if c.name not in keys and family(c.dtype) in _UNREAD_FAMILIES
            and says_time(c.name) and time_name_score(c.name) > 0]


def _holds_moments(con, table: str, column: Column) -> bool:
    """Whether at least half of ``column``'s values look like moments rather than durations or codes."""
    value = column_ref(column.name)
    if family(column.dtype) is Family.STRING:
        looks = exp.func("regexp_matches", value.copy(), exp.Literal.string(_YEAR_OR_DIGITS))
    else:
        looks = exp.func("abs", value.copy()) >= exp.Literal.number(_EIGHT_DIGITS)
    query = exp.select(exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=looks)),
                       exp.Count(this=value.copy())).from_(table_ref(table))
    moments, values = con.sql(query.sql("duckdb")).fetchall()[0]
    return values > 0 and 2 * moments >= values


def _examples(con, table: str, column: Column) -> list[str]:
    """A few distinct values, those DuckDB cannot cast to TIMESTAMP first (they are why it is unread)."""
    value = column_ref(column.name)
    castable = exp.Not(this=exp.Is(this=exp.TryCast(this=value.copy(), to=exp.DataType.build("TIMESTAMP")),
                                   expression=exp.Null()))
    distinct = exp.select(value).distinct().from_(table_ref(table)).where(not_null(value)).subquery("v")
    query = exp.select(value.copy()).from_(distinct).order_by(castable, value.copy()).limit(EXAMPLES)
    return [repr(row[0]) for row in con.sql(query.sql("duckdb")).fetchall()]


def _warning(db: Database, table: Table, column: Column, examples: list[str]) -> str:
    name, where = table.name, f"{table.name}.{column.name}"
    if table.inherited_time is not None:
        parent = table.inherited_time.via.ref_table
        assumed = f"{name} rows are taken to happen at {parent}.{table.inherited_time.parent_column}"
    else:
        assumed = f"{name} has no time, so every anchor sees all its rows"
    seen = f" (values like {', '.join(examples)})" if examples else ""
    return (f"{where} looks like a time but pql could not read it{seen}; {assumed}, so features may see "
            f"{name} after the anchor: store {column.name} as TIMESTAMP, ISO 8601 text or epoch seconds, and pql "
            f"takes it as the time of {name}; or name another with WITH schema = 'time {name} = <column>'")
