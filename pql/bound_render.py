"""Printing a `BoundQuery`: what `pql explain --db` shows after binding.

Expressions print as PQL with the database's exact names; each aggregation also says how its rows
reach the entity (the foreign-key path), because that is the part a user cannot see in the query.
"""
from __future__ import annotations

from datetime import datetime

from pql.binder.paths import describe
from pql.bound import (BAggregation, BAnd, BArith, BColumn, BCompare, BIn, BIsNull, BLike, BLiteral, BMatch,
                       BNot, BOr, BoundExpr, BoundQuery, BWindow, TaskType, iter_aggregations)
from pql.render import number, quote_name

TASK_WORDS = {
    TaskType.BINARY: "binary classification",
    TaskType.REGRESSION: "regression",
    TaskType.MULTICLASS: "multiclass classification",
    TaskType.MULTILABEL: "multilabel classification",
    TaskType.LINK_RANKING: "link ranking",
    TaskType.FORECASTING: "forecasting",
    TaskType.UPLIFT: "uplift (incrementality)",
}


def expr_text(expr: BoundExpr) -> str:
    """PQL text of a bound expression, with exact table and column names."""
    if isinstance(expr, BLiteral):
        return _literal(expr)
    if isinstance(expr, BColumn):
        return f"{quote_name(expr.table)}.{quote_name(expr.column)}"
    if isinstance(expr, BAggregation):
        subject = subject_text(expr)
        if expr.filter is not None:
            subject += f" WHERE {expr_text(expr.filter)}"
        if expr.window is not None:
            subject += ", " + _window(expr.window)
        return f"{expr.func}({subject})"
    if isinstance(expr, BArith):
        if _is_negation(expr):
            return "-" + (f"({expr_text(expr.right)})" if isinstance(expr.right, BArith) else expr_text(expr.right))
        # a left-leaning chain (a + b + c + …) in a loop down its left spine, not one call per term
        tail = []
        while True:
            tail.append(f" {expr.op} {_arith_operand(expr.right, expr, right=True)}")
            left = expr.left
            if not (isinstance(left, BArith) and not _is_negation(left) and _RANK[left.op] == _RANK[expr.op]):
                break
            expr = left
        return _arith_operand(expr.left, expr, right=False) + "".join(reversed(tail))
    if isinstance(expr, BCompare):
        return f"{expr_text(expr.left)} {expr.op} {expr_text(expr.right)}"
    if isinstance(expr, BIn):
        values = ", ".join(_literal(v) for v in expr.values)
        return f"{expr_text(expr.expr)} {'NOT IN' if expr.negated else 'IN'} ({values})"
    if isinstance(expr, BLike):
        return f"{expr_text(expr.expr)} {'NOT LIKE' if expr.negated else 'LIKE'} {_string(expr.pattern)}"
    if isinstance(expr, BMatch):
        return f"{expr_text(expr.expr)} {expr.op.replace('_', ' ').upper()} {_string(expr.text)}"
    if isinstance(expr, BIsNull):
        return f"{expr_text(expr.expr)} IS {'NOT ' if expr.negated else ''}NULL"
    if isinstance(expr, (BAnd, BOr)):
        joiner = " AND " if isinstance(expr, BAnd) else " OR "
        return joiner.join(f"({expr_text(i)})" if isinstance(i, (BAnd, BOr)) else expr_text(i) for i in expr.items)
    if isinstance(expr, BNot):
        return f"NOT ({expr_text(expr.item)})"
    raise TypeError(f"not a bound expression: {expr!r}")


def subject_text(agg: BAggregation) -> str:
    """What ``agg`` reads: ``table.column``, ``table.*`` or its formula."""
    if agg.formula is not None:
        return expr_text(agg.formula)
    return f"{quote_name(agg.table)}.{quote_name(agg.column) if agg.column else '*'}"


def _is_negation(expr: BArith) -> bool:
    """``0 - x``, which is how ``-x`` binds (and reads the same)."""
    return (expr.op == "-" and isinstance(expr.left, BLiteral) and expr.left.kind == "number"
            and expr.left.value == 0 and not isinstance(expr.right, BLiteral))  # `0 - -3` stays as written


_RANK = {"+": 1, "-": 1, "*": 2, "/": 2}


def _arith_operand(child: BoundExpr, parent: BArith, *, right: bool) -> str:
    """``child`` of ``parent`` in parentheses where precedence or left-to-right order needs them."""
    text = expr_text(child)
    if not isinstance(child, BArith) or _is_negation(child):  # a negation binds tighter than any operator
        return text
    tighter = _RANK[child.op] > _RANK[parent.op] or (_RANK[child.op] == _RANK[parent.op] and not right)
    return text if tighter else f"({text})"


def _window(w: BWindow) -> str:
    start = "-INF" if w.start is None else number(w.start)
    return f"{start}, {number(w.end)}, {w.unit}"


def _string(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _literal(lit: BLiteral) -> str:
    if lit.kind == "string":
        return _string(str(lit.value))
    if lit.kind == "null":
        return "NULL"
    if lit.kind == "boolean":
        return "TRUE" if lit.value else "FALSE"
    if lit.kind == "timestamp":
        value = lit.value.isoformat(sep=" ") if isinstance(lit.value, datetime) else str(lit.value)
        return f"TIMESTAMP {_string(value)}"
    return number(lit.value)


def _links(expr: BoundExpr | None) -> list[str]:
    out = []
    for agg in iter_aggregations(expr):
        via = describe(agg.path)
        out.append(f"{agg.table} rows reach the entity via {via}; time column {agg.time_column}")
    return out


def render_bound(bq: BoundQuery) -> str:
    """A readable, stable multi-line description of a bound query."""
    e = bq.entity
    entity = f"{e.table} (key: {', '.join(e.key)})"
    if e.values is not None:
        entity += " restricted to " + ", ".join(repr(v) for v in e.values)
    task = TASK_WORDS[bq.task]
    if bq.task == TaskType.UPLIFT and bq.outcome_task is not None:
        task += f" of a {TASK_WORDS[bq.outcome_task]} outcome"
    lines = [f"task:       {task}", f"entity:     {entity}", f"target:     {expr_text(bq.target)}"]
    if bq.rank_top is not None:
        lines.append(f"rank:       top {bq.rank_top} {bq.item_table or 'items'}")
    if bq.forecast is not None:
        lines.append(f"forecast:   {bq.forecast} timeframes")
    if bq.where is not None:
        lines.append(f"where:      {expr_text(bq.where)}")
    if bq.assuming is not None:
        lines.append(f"assuming:   {expr_text(bq.assuming)}")
        if bq.treatment_arms:
            lines.append(f"arms:       {', '.join(bq.treatment_arms)}")
    if bq.allocate is not None:
        a = bq.allocate
        parts = [f"budget {a.budget:g}"]
        if a.cost is not None:
            cost = ", ".join(f"{arm}: {c:g}" for arm, c in a.cost) if isinstance(a.cost, tuple) else a.cost
            parts.append(f"cost {cost:g}" if isinstance(cost, float) else f"cost {cost}")
        if a.value is not None:
            parts.append(f"value {a.value}")
        if a.max_per is not None:
            parts.append(f"at most {a.max_per} per {bq.entity.table}")
        parts += [f"capacity {arm} {n}" for arm, n in a.capacities]
        lines.append("allocate:   " + "; ".join(parts))
    if bq.expansion:
        lines.append(f"expands to: {bq.expansion}")
    links = _links(bq.target) + _links(bq.where) + _links(bq.assuming)
    for link in dict.fromkeys(links):
        lines.append(f"link:       {link}")
    lines.append(f"graph:      {', '.join(bq.using)}")
    if bq.options:
        lines.append("options:    " + ", ".join(f"{k} = {v}" for k, v in bq.options))
    if bq.into:
        lines.append(f"into:       {bq.into}{' (replacing)' if bq.into_replace else ''}")
    for note in bq.notes:
        lines.append(f"note:       {note}")
    return "\n".join(lines)
