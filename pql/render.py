"""Canonical PQL text for any AST node (what ``str(node)`` returns).

Canonical means: upper-case keywords, one line, explicit window units, single-quoted strings, names
quoted only where they would otherwise read as a keyword, parentheses only where precedence needs them
(OR < AND < NOT < predicate). The parser accepts everything printed here, so for every statement
``parse(render(stmt)) == (stmt,)``.
"""
from __future__ import annotations

import math
import re

from pql import ast
from pql.keywords import RESERVED, WORD_LITERALS

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_MATCH_KEYWORDS = {"contains": "CONTAINS", "starts_with": "STARTS WITH", "ends_with": "ENDS WITH"}


def render(node: ast.Node) -> str:
    method = _RENDERERS.get(type(node))
    if method is None:  # pragma: no cover - every node type is registered below
        raise TypeError(f"cannot render {type(node).__name__}")
    return method(node)


def quote_name(name: str, *, leading: bool = False) -> str:
    """``name`` as PQL: bare when it is a plain word that is no reserved word, else double-quoted.

    ``leading``: the name begins an expression, where ``TIMESTAMP``/``DATE`` would start a literal.
    """
    upper = name.upper()
    if _PLAIN_NAME.match(name) and upper not in RESERVED and not (leading and upper in WORD_LITERALS):
        return name
    return '"' + name.replace('"', '""') + '"'


def quote_arm(arm: str) -> str:
    """A treatment arm as PQL: bare when it is a plain word that is no reserved word, else a string."""
    if _PLAIN_NAME.match(arm) and arm.upper() not in RESERVED:
        return arm
    return "'" + arm.replace("'", "''") + "'"


def number(value: int | float) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return str(value) if isinstance(value, int) else repr(float(value))


def _literal(node: ast.Literal) -> str:
    if node.kind == "number":
        return number(node.value)
    if node.kind == "string":
        return "'" + str(node.value).replace("'", "''") + "'"
    if node.kind == "boolean":
        return "TRUE" if node.value else "FALSE"
    if node.kind == "null":
        return "NULL"
    if node.kind == "timestamp":
        return "TIMESTAMP '" + str(node.value).replace("'", "''") + "'"
    raise ValueError(f"unknown literal kind {node.kind!r}")


def _column(node: ast.ColumnRef) -> str:
    return f"{quote_name(node.table, leading=True)}.{quote_name(node.column)}"


def _window(node: ast.Window) -> str:
    start = "-INF" if node.start is None else number(node.start)
    return f"{start}, {number(node.end)}, {node.unit}"


def _aggregation(node: ast.Aggregation) -> str:
    if node.formula is not None:
        subject = render(node.formula)
    else:
        subject = f"{quote_name(node.table)}.{'*' if node.column is None else quote_name(node.column)}"
    if node.filter is not None:
        subject += f" WHERE {render(node.filter)}"
    if node.window is not None:
        subject += f", {_window(node.window)}"
    return f"{node.func}({subject})"


# Binding strength: a child binding weaker than its parent needs parentheses.
def _strength(node: ast.Node) -> int:
    if isinstance(node, ast.Or):
        return 1
    if isinstance(node, ast.And):
        return 2
    if isinstance(node, ast.Not):
        return 3
    if isinstance(node, (ast.Comparison, ast.InList, ast.Like, ast.StringMatch, ast.IsNull)):
        return 4
    if isinstance(node, ast.Arithmetic):
        return 5 if node.op in "+-" else 6
    return 7  # operands, and a negation (it binds tighter than any operator)


def _child(node: ast.Node, at_least: int) -> str:
    text = render(node)
    return f"({text})" if _strength(node) < at_least else text


def _comparison(node: ast.Comparison) -> str:
    return f"{_child(node.left, 5)} {node.op} {_child(node.right, 5)}"


def _arithmetic(node: ast.Arithmetic) -> str:
    # left to right: the right operand of a - b - c binds one step tighter. A left-leaning chain
    # (a + b + c + …) is walked down its left spine in a loop, so a long sum does not recurse per term.
    own = _strength(node)
    tail = []
    while isinstance(node.left, ast.Arithmetic) and _strength(node.left) == own:
        tail.append(f" {node.op} {_child(node.right, own + 1)}")
        node = node.left
    tail.append(f" {node.op} {_child(node.right, own + 1)}")
    return _child(node.left, own) + "".join(reversed(tail))


def _negation(node: ast.Negation) -> str:
    text = _child(node.operand, 7)
    return f"-({text})" if text.startswith("-") else f"-{text}"  # `--3` would not parse back


def _in_list(node: ast.InList) -> str:
    values = ", ".join(render(v) for v in node.values)
    return f"{_child(node.expr, 5)} {'NOT IN' if node.negated else 'IN'} ({values})"


def _like(node: ast.Like) -> str:
    return f"{_child(node.expr, 5)} {'NOT LIKE' if node.negated else 'LIKE'} {_child(node.pattern, 5)}"


def _string_match(node: ast.StringMatch) -> str:
    return f"{_child(node.expr, 5)} {_MATCH_KEYWORDS[node.op]} {_child(node.pattern, 5)}"


def _is_null(node: ast.IsNull) -> str:
    return f"{_child(node.expr, 5)} IS {'NOT NULL' if node.negated else 'NULL'}"


def _and(node: ast.And) -> str:
    return " AND ".join(_child(i, 3) for i in node.items)


def _or(node: ast.Or) -> str:
    return " OR ".join(_child(i, 2) for i in node.items)


def _not(node: ast.Not) -> str:
    return f"NOT {_child(node.item, 3)}"


def _entity(node: ast.Entity) -> str:
    ref = quote_name(node.table) + ("" if node.column is None else f".{quote_name(node.column)}")
    if node.values is None:
        return f"FOR EACH {ref}"
    if node.op == "in":
        return f"FOR {ref} IN ({', '.join(render(v) for v in node.values)})"
    return f"FOR {ref} = {render(node.values[0])}"


def _amount(value: ast.ColumnRef | ast.Literal) -> str:
    return render(value)


def _allocate(node: ast.Allocate) -> str:
    parts = [f"ALLOCATE BUDGET {number(node.budget)}"]
    if isinstance(node.cost, tuple):
        arms = ", ".join(render(a) for a in node.cost)
        parts.append(f"COST ({arms})")
    elif node.cost is not None:
        parts.append(f"COST {_amount(node.cost)}")
    if node.value is not None:
        parts.append(f"VALUE {_amount(node.value)}")
    if node.max_per is not None:
        parts.append(f"MAX {node.max_per.limit} PER {quote_name(node.max_per.table)}")
    if node.capacities:
        parts.append("CAPACITY " + ", ".join(render(c) for c in node.capacities))
    return " ".join(parts)


def _option(node: ast.Option) -> str:
    return f"{node.name} = {render(node.value)}"


def _predict(node: ast.PredictStatement) -> str:
    parts = [] if node.mode == "predict" else [node.mode.upper()]
    parts += ["PREDICT", render(node.target)]
    if node.rank_top is not None:
        parts.append(f"RANK TOP {node.rank_top}")
    if node.classify:
        parts.append("CLASSIFY")
    if node.forecast is not None:
        parts.append(f"FORECAST {node.forecast} TIMEFRAMES")
    parts.append(render(node.entity))
    if node.where is not None:
        parts.append(f"WHERE {render(node.where)}")
    if node.assuming is not None:
        parts.append(f"ASSUMING {render(node.assuming)}")
    if node.allocate is not None:
        parts.append(render(node.allocate))
    if node.using:
        parts.append("USING " + ", ".join(quote_name(t) for t in node.using))
    if node.options:
        parts.append("WITH " + ", ".join(render(o) for o in node.options))
    if node.into is not None:
        parts.append(("INTO OR REPLACE " if node.into_replace else "INTO ") + quote_name(node.into))
    return " ".join(parts)


def _define(node: ast.DefineStatement) -> str:
    return f"DEFINE {node.name} AS {render(node.target)}"


_RENDERERS = {
    ast.Literal: _literal,
    ast.ColumnRef: _column,
    ast.Window: _window,
    ast.Aggregation: _aggregation,
    ast.Comparison: _comparison,
    ast.Arithmetic: _arithmetic,
    ast.Negation: _negation,
    ast.InList: _in_list,
    ast.Like: _like,
    ast.StringMatch: _string_match,
    ast.IsNull: _is_null,
    ast.And: _and,
    ast.Or: _or,
    ast.Not: _not,
    ast.NamedTarget: lambda n: n.name,
    ast.Entity: _entity,
    ast.ArmCost: lambda n: f"{quote_arm(n.arm)}: {number(n.cost)}",
    ast.Capacity: lambda n: f"{quote_arm(n.arm)} {n.limit}",
    ast.MaxPer: lambda n: f"MAX {n.limit} PER {quote_name(n.table)}",
    ast.Allocate: _allocate,
    ast.Option: _option,
    ast.PredictStatement: _predict,
    ast.DefineStatement: _define,
}
