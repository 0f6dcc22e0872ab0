"""Bound expressions to sqlglot expressions.

The caller decides what a column and an aggregation mean in its context (a joined column of the
entity's scope, a column of the aggregated rows, the value of a per-anchor aggregate), so one compiler
serves the target, the entity filter, ASSUMING and aggregation filters alike. SQL three-valued logic is
kept on purpose: a comparison over a dropped aggregate (MIN of an empty window) is NULL, and a NULL
label drops the row.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from sqlglot import exp

from pql.bound import (BAggregation, BAnd, BArith, BColumn, BCompare, BIn, BIsNull, BLike, BLiteral, BMatch, BNot,
                       BOr, BoundExpr)
from pql.errors import PQLInputError

ColumnResolver = Callable[[BColumn], exp.Expression]
AggregationResolver = Callable[[BAggregation], exp.Expression]

_COMPARE = {"=": exp.EQ, "!=": exp.NEQ, "<>": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}
_ARITH = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul, "/": exp.Div}
_MATCH = {"contains": "contains", "starts_with": "starts_with", "ends_with": "ends_with"}


def literal(value: object, kind: str | None = None) -> exp.Expression:
    """A SQL constant for a Python value (timestamps as ``CAST('…' AS TIMESTAMP)``)."""
    if value is None or kind == "null":
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (datetime, date)) or kind == "timestamp":
        text = value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)
        return exp.cast(exp.Literal.string(text), exp.DataType.Type.TIMESTAMP)
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def is_null(e: exp.Expression) -> exp.Expression:
    """``e IS NULL`` with ``e`` parenthesised unless atomic (sqlglot does not add precedence parens)."""
    inner = e if isinstance(e, (exp.Column, exp.Literal, exp.Paren, exp.Null)) else exp.Paren(this=e)
    return exp.Is(this=inner, expression=exp.Null())


def not_null(e: exp.Expression) -> exp.Expression:
    return exp.not_(is_null(e))


def _operand(e: exp.Expression) -> exp.Expression:
    """Parenthesise boolean operands of comparisons (sqlglot adds no precedence parens)."""
    return exp.Paren(this=e) if isinstance(e, (exp.Connector, exp.Not, exp.Predicate)) else e


def compile_expr(expr: BoundExpr, *, column: ColumnResolver, aggregation: AggregationResolver) -> exp.Expression:
    """``expr`` as SQL; ``column``/``aggregation`` give the SQL for leaves in the caller's context."""

    def go(e: BoundExpr) -> exp.Expression:
        if isinstance(e, BColumn):
            return column(e)
        if isinstance(e, BLiteral):
            return literal(e.value, e.kind)
        if isinstance(e, BAggregation):
            return aggregation(e)
        if isinstance(e, BArith):
            left, right = exp.Paren(this=go(e.left)), exp.Paren(this=go(e.right))
            if e.op == "/":  # x / 0 is missing (NULL), not an error or infinity: the row drops
                right = exp.Nullif(this=right, expression=exp.Literal.number(0))
            return exp.Paren(this=_ARITH[e.op](this=left, expression=right))
        if isinstance(e, BCompare):
            op = _COMPARE.get(e.op)
            if op is None:
                raise PQLInputError(f"unknown comparison '{e.op}'")
            return op(this=_operand(go(e.left)), expression=_operand(go(e.right)))
        if isinstance(e, BIn):
            out = exp.In(this=_operand(go(e.expr)), expressions=[literal(v.value, v.kind) for v in e.values])
            return exp.not_(out) if e.negated else out
        if isinstance(e, BLike):
            out = exp.Like(this=go(e.expr), expression=exp.Literal.string(e.pattern))
            return exp.not_(out) if e.negated else out
        if isinstance(e, BMatch):
            fn = _MATCH.get(e.op)
            if fn is None:
                raise PQLInputError(f"unknown text match '{e.op}'")
            return exp.Anonymous(this=fn, expressions=[go(e.expr), exp.Literal.string(e.text)])
        if isinstance(e, BIsNull):
            out = is_null(go(e.expr))
            return exp.not_(out) if e.negated else out
        if isinstance(e, BAnd):
            return exp.and_(*(go(i) for i in e.items))
        if isinstance(e, BOr):
            return exp.or_(*(go(i) for i in e.items))
        if isinstance(e, BNot):
            return exp.not_(go(e.item))
        raise PQLInputError(f"cannot compile {type(e).__name__} into a training table")

    return go(expr)
