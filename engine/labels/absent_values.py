"""String values a query compares a column with that the column never holds.

``WHERE customer.channel = 'web'`` on a shop whose channels are 'email', 'organic', … keeps no customer,
and ``COUNT(purchase.* WHERE purchase.status = 'Shipped', …)`` on lower-case statuses labels every row
0: SQL runs both without complaint. `absent_values` finds such literals (``=``, ``!=``, ``IN``, ``NOT
IN`` against a string column, anywhere in the target, the WHERE filter or the ASSUMING condition) with
one lookup each (the column's values are counted only for a literal it lacks), and `AbsentValue.error`
points at the literal with the values the column does hold.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlglot import exp

from engine.labels.scope import ident
from engine.schema.model import SemanticType
from pql.bound import BColumn, BCompare, BIn, BLiteral, BoundExpr, BoundQuery, iter_nodes
from pql.errors import PQLBindError, did_you_mean

SHOWN_VALUES = 8  # distinct values listed in the message when none is close to the literal
STRING_TYPES = ("VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "ENUM")


@dataclass(frozen=True)
class AbsentValue:
    column: BColumn
    literal: BLiteral
    values: tuple[str, ...]  # the column's most frequent values, most frequent first
    distinct: int  # how many distinct values the column has

    def message(self) -> str:
        name = f"{self.column.table}.{self.column.column}"
        close = did_you_mean(str(self.literal.value), self.values, n=2)
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
    """Every string literal of ``bq`` compared with a column that holds no such value, in query order."""
    out = []
    for column, literal in _comparisons(bq):
        table, name = exp.Table(this=ident(column.table)), exp.column(ident(column.column))
        as_text = exp.cast(name, "VARCHAR")
        hit = (exp.select(exp.Literal.number(1)).from_(table)
               .where(exp.EQ(this=as_text, expression=exp.Literal.string(literal.value))).limit(1))
        if con.sql(hit.sql("duckdb")).fetchall():
            continue
        counts = exp.select(as_text.copy().as_("v"), exp.Count(this=exp.Star()).as_("n")).from_(table.copy())
        counts = counts.where(exp.Not(this=exp.Is(this=name.copy(), expression=exp.Null())))
        counts = counts.group_by(exp.column("v")).order_by("n DESC", "v")
        rows = con.sql(counts.sql("duckdb")).fetchall()
        if rows:  # an empty column says nothing about the value
            out.append(AbsentValue(column, literal, tuple(str(v) for v, _ in rows[:1000]), len(rows)))
    return out


def _comparisons(bq: BoundQuery) -> Iterator[tuple[BColumn, BLiteral]]:
    seen = set()
    for root in (bq.target, bq.where, bq.assuming):
        for column, literal in _walk(root):
            key = (column.table, column.column, literal.value)
            if key not in seen and _is_string(column):
                seen.add(key)
                yield column, literal


def _walk(expr: BoundExpr | None) -> Iterator[tuple[BColumn, BLiteral]]:
    for node in iter_nodes(expr):
        if isinstance(node, BCompare) and node.op in ("=", "!="):
            for a, b in ((node.left, node.right), (node.right, node.left)):
                if isinstance(a, BColumn) and isinstance(b, BLiteral) and b.kind == "string":
                    yield a, b
        elif isinstance(node, BIn) and isinstance(node.expr, BColumn):
            yield from ((node.expr, v) for v in node.values if v.kind == "string")


def _is_string(column: BColumn) -> bool:
    return (column.stype in (SemanticType.CATEGORICAL, SemanticType.TEXT, SemanticType.ID)
            and column.dtype.upper().startswith(STRING_TYPES))
