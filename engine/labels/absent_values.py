"""String values a query compares a column with that the column never holds.

``WHERE customer.channel = 'web'`` on a shop whose channels are 'email', 'organic', … keeps no customer,
and ``COUNT(purchase.* WHERE purchase.status = 'Shipped', …)`` on lower-case statuses labels every row
0: SQL runs both without complaint. `absent_values` finds such literals (``=``, ``!=``, ``IN``, ``NOT
IN`` against a string column, or the ``FIRST``/``LAST`` of one, anywhere in the target, the WHERE filter
or the ASSUMING condition) with one lookup each (the column's values are counted only for a literal it
lacks), and `AbsentValue.error` points at the literal with the values the column does hold. An arm of a
categorical treatment (``ASSUMING FIRST(t.channel, …) IN ('Email', …)``) that the column never holds
would get no rows, so every outcome model per arm would fail after the features are built: that is an
error at the value here.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from sqlglot import exp

from engine.labels.scope import ident
from engine.schema.model import SemanticType
from pql.bound import BAggregation, BColumn, BCompare, BIn, BLiteral, BoundExpr, BoundQuery, iter_nodes
from pql.errors import PQLBindError, did_you_mean

SHOWN_VALUES = 8  # distinct values listed in the message when none is close to the literal
NEAREST = 5  # values most like the literal that a did-you-mean chooses among
STRING_TYPES = ("VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "ENUM")


@dataclass(frozen=True)
class AbsentValue:
    column: BColumn
    literal: BLiteral
    values: tuple[str, ...]  # the column's SHOWN_VALUES most frequent values, most frequent first
    distinct: int  # how many distinct values the column has
    nearest: tuple[str, ...] = ()  # the values most like the literal (Jaro-Winkler), for a did-you-mean

    def message(self) -> str:
        name = f"{self.column.table}.{self.column.column}"
        close = did_you_mean(str(self.literal.value), self.nearest, n=2)
        if close:
            return f"{name} never holds {self.literal.value!r}{close}"
        shown = ", ".join(repr(v) for v in self.values[:SHOWN_VALUES])
        more = f", … ({self.distinct:,} distinct)" if self.distinct > SHOWN_VALUES else ""
        return f"{name} never holds {self.literal.value!r}; its values: {shown}{more}"

    def error(self, text: str, why: str) -> PQLBindError:
        """``why: message``, pointing at the literal where ``text`` holds it (a named target's literals are
        written in its DEFINE, not in the statement)."""
        span = self.literal.span
        if span is None or str(self.literal.value) not in text[span.start:span.end]:
            return PQLBindError(f"{why}: {self.message()}")
        return PQLBindError(f"{why}: {self.message()}", text=text, span=span)


def absent_values(con, bq: BoundQuery) -> list[AbsentValue]:
    """Every string literal of ``bq`` compared with a column that holds no such value, in query order.

    Raises `PQLBindError` at the value when it is an arm of the treatment (``ASSUMING … IN (…)``)."""
    found = (_absent(con, column, literal) for column, literal in _comparisons(con, bq))
    absent = [value for value in found if value is not None]
    for value in absent:
        arm = _treatment_arm(bq, value)
        if arm is not None:
            raise replace(value, literal=arm).error(
                bq.text, f"the treatment arm {arm.value!r} would get no rows")
    return absent


def _treatment_arm(bq: BoundQuery, value: AbsentValue) -> BLiteral | None:
    """The ASSUMING literal naming an arm of a categorical treatment that ``value`` says never occurs."""
    node = bq.assuming
    if not bq.treatment_arms or not isinstance(node, BIn) or node.negated:
        return None
    column = _compared_column(node.expr)
    if column is None or (column.table, column.column) != (value.column.table, value.column.column):
        return None
    return next((v for v in node.values if v.value == value.literal.value), None)


def _absent(con, column: BColumn, literal: BLiteral) -> AbsentValue | None:
    table, name = exp.Table(this=ident(column.table)), exp.column(ident(column.column))
    as_text = exp.cast(name, "VARCHAR")
    hit = (exp.select(exp.Literal.number(1)).from_(table)
           .where(exp.EQ(this=as_text, expression=exp.Literal.string(literal.value))).limit(1))
    if con.sql(hit.sql("duckdb")).fetchall():
        return None
    counts = (exp.select(as_text.copy().as_("v"), exp.Count(this=exp.Star()).as_("n")).from_(table.copy())
              .where(exp.Not(this=exp.Is(this=name.copy(), expression=exp.Null()))).group_by(exp.column("v")))
    frequent = (exp.select(exp.column("v"), exp.Window(this=exp.Count(this=exp.Star())))
                .from_(counts.subquery("c")).order_by("n DESC", "v").limit(SHOWN_VALUES))
    rows = con.sql(frequent.sql("duckdb")).fetchall()
    if not rows:  # an empty column says nothing about the value
        return None
    like = exp.Anonymous(this="jaro_winkler_similarity", expressions=[
        exp.Lower(this=exp.column("v")), exp.Lower(this=exp.Literal.string(literal.value))])
    nearest = (exp.select("v").from_(counts.subquery("c"))
               .order_by(exp.Ordered(this=like, desc=True), "v").limit(NEAREST))
    near = tuple(v for (v,) in con.sql(nearest.sql("duckdb")).fetchall())
    return AbsentValue(column, literal, tuple(v for v, _ in rows), rows[0][1], near)


def _comparisons(con, bq: BoundQuery) -> Iterator[tuple[BColumn, BLiteral]]:
    seen = set()
    for root in (bq.target, bq.where, bq.assuming):
        for column, literal in _walk(root):
            key = (column.table, column.column, literal.value)
            if not column.dtype:  # the column under a FIRST/LAST: its type is the database's
                column = replace(column, dtype=_dtype(con, column))
            if key not in seen and _is_string(column):
                seen.add(key)
                yield column, literal


def _walk(expr: BoundExpr | None) -> Iterator[tuple[BColumn, BLiteral]]:
    for node in iter_nodes(expr):
        if isinstance(node, BCompare) and node.op in ("=", "!="):
            for a, b in ((node.left, node.right), (node.right, node.left)):
                column = _compared_column(a)
                if column is not None and isinstance(b, BLiteral) and b.kind == "string":
                    yield column, b
        elif isinstance(node, BIn) and (column := _compared_column(node.expr)) is not None:
            yield from ((column, v) for v in node.values if v.kind == "string")


def _compared_column(expr: BoundExpr) -> BColumn | None:
    """The column whose values ``expr`` compares: a column, or the one under ``FIRST``/``LAST`` (its
    ``dtype`` left empty for `_comparisons` to look up)."""
    if isinstance(expr, BColumn):
        return expr
    if isinstance(expr, BAggregation) and expr.func in ("FIRST", "LAST") and expr.column is not None:
        return BColumn(table=expr.table, column=expr.column, stype=expr.result_stype, dtype="", span=expr.span)
    return None


def _dtype(con, column: BColumn) -> str:
    query = exp.select(exp.column(ident(column.column))).from_(exp.Table(this=ident(column.table))).limit(0)
    return str(con.sql(query.sql("duckdb")).types[0])


def _is_string(column: BColumn) -> bool:
    return (column.stype in (SemanticType.CATEGORICAL, SemanticType.TEXT, SemanticType.ID)
            and column.dtype.upper().startswith(STRING_TYPES))
