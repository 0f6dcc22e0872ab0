"""The kind of value an operand yields — number, string, timestamp, boolean — for the binder's type checks.

DuckDB would reject ``channel > 5`` or ``tenure LIKE 'x%'`` only once the training table is built, with no
caret; the binder catches them where they are written. ``None`` means "unknown", never an error.
"""
from __future__ import annotations

from engine.schema.dtypes import Family, family
from engine.schema.model import Database, SemanticType
from pql.bound import (BAggregation, BAnd, BArith, BColumn, BCompare, BIn, BIsNull, BLike, BLiteral, BMatch,
                       BNot, BOr, BoundExpr)

NUMBER, STRING, TIMESTAMP, BOOLEAN, NULL = "number", "string", "timestamp", "boolean", "null"
_FAMILY_KIND = {Family.INTEGER: NUMBER, Family.FLOAT: NUMBER, Family.STRING: STRING, Family.TEMPORAL: TIMESTAMP,
                Family.BOOLEAN: BOOLEAN}
_CLASHES = ({NUMBER, STRING}, {NUMBER, TIMESTAMP}, {BOOLEAN, STRING}, {BOOLEAN, TIMESTAMP})


def dtype_kind(dtype: str) -> str | None:
    return _FAMILY_KIND.get(family(dtype))


def value_kind(expr: BoundExpr, db: Database) -> str | None:
    if isinstance(expr, BLiteral):
        return expr.kind if expr.kind in (NUMBER, STRING, TIMESTAMP, BOOLEAN, NULL) else None
    if isinstance(expr, BColumn):
        return dtype_kind(expr.dtype)
    if isinstance(expr, BArith):
        return NUMBER
    if isinstance(expr, BAggregation):
        if expr.func in ("COUNT", "COUNT_DISTINCT", "SUM", "AVG") or expr.formula is not None:
            return NUMBER
        if expr.func == "LIST_DISTINCT" or expr.column is None:
            return None
        column = next((c for c in db.table(expr.table).columns if c.name == expr.column), None)
        return dtype_kind(column.dtype) if column is not None else None
    return None


def clash(left: str | None, right: str | None) -> bool:
    """True when DuckDB cannot compare the two kinds (a string literal may still read as a timestamp)."""
    return {left, right} in _CLASHES


def is_timestamp_target(expr: BoundExpr) -> bool:
    stype = expr.stype if isinstance(expr, BColumn) else expr.result_stype if isinstance(expr, BAggregation) else None
    return stype == SemanticType.TIMESTAMP


def is_truth(expr: BoundExpr, db: Database) -> bool:
    """A yes/no value: a comparison or other condition, or a boolean column, aggregation or literal."""
    return isinstance(expr, (BCompare, BIn, BLike, BMatch, BIsNull, BAnd, BOr, BNot)) or value_kind(expr, db) == BOOLEAN
