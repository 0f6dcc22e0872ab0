"""The PQL syntax tree: what `pql.parse` returns, before any schema is consulted.

Every node is a frozen, keyword-only dataclass with tuple children and a ``span`` (a `pql.span.Span`
into the source text) that takes no part in equality, hashing or repr, so two parses of differently
laid-out text compare equal. ``str(node)`` renders canonical PQL (upper-case keywords, explicit window
units, single-quoted strings) and ``parse(str(stmt)) == (stmt,)`` holds for every statement;
`dump(node)` is the indented tree that ``pql parse`` prints.

Names keep the user's spelling (``CUSTOMERS.CUSTOMER_ID`` stays upper-case); resolving them against the
schema, case-insensitively and singular/plural, is the binder's job. The parser checks only what the
text alone decides: aggregation names, time units, reserved words used as names, integer positions, and
that an aggregation's formula reads a column.

Shape::

    Statement   = PredictStatement | DefineStatement
    PredictStatement(mode 'predict'|'evaluate'|'explain', target: Target, rank_top: int|None,
                     classify: bool, forecast: int|None, entity: Entity, where: Expr|None,
                     assuming: Expr|None, allocate: Allocate|None, using: tuple[str, ...],
                     options: tuple[Option, ...], into: str|None, into_replace: bool)
    DefineStatement(name, target: Target)
    Target      = Expr | NamedTarget(name)          # a condition, an aggregation, table.column, a name
    Entity(table, column: str|None, values: tuple[Literal, ...]|None, op: '='|'in'|None)
                                                    # FOR EACH t[.pk] | FOR t.pk = v | FOR t.pk IN (v, …)
    Expr        = Literal | ColumnRef | Aggregation | NamedTarget                   (operands)
                | Arithmetic(op '+'|'-'|'*'|'/', left, right) | Negation(operand)  (numbers)
                | Comparison | InList | Like | StringMatch | IsNull | And | Or | Not (conditions)
    Literal(value, kind)            kind: 'number' (int|float) | 'string' (str) | 'boolean' (bool)
                                          | 'null' (None) | 'timestamp' (ISO text, e.g. '2020-01-01')
    ColumnRef(table, column)
    Aggregation(func, table, column: str|None, filter: Expr|None, window: Window|None, formula: Expr|None)
                                    # func upper-case, one of AGGREGATIONS; column None means ``table.*``,
                                    # or a formula: Arithmetic/Negation over ColumnRefs and numbers
                                    # (``SUM(lines.qty * lines.price, …)``), table then its first column's
    Window(start: number|None, end: number, unit)   # anchor+start < t <= anchor+end; start None = -INF;
                                    # unit canonical plural (UNITS), 'days' when the query omits it
    Comparison(op, left, right)     op: = != < <= > >=   (``<>`` and ``==`` are normalised)
    InList(expr, values: tuple[Literal, ...], negated)
    Like(expr, pattern, negated)    StringMatch(op 'contains'|'starts_with'|'ends_with', expr, pattern)
    IsNull(expr, negated)           And(items)  Or(items)  Not(item)   # And/Or are flattened, >= 2 items
    Allocate(budget, cost, value, max_per, capacities)   # see `Allocate`
    Option(name, value: Literal)    # WITH name = value; a bare word is a string Literal

A bare operand is a valid condition (``WHERE users.is_active``). Statements also carry ``source``, the
whole text their spans index into, so later stages can render carets without being handed the text.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Union

from pql.span import Span

AGGREGATIONS = ("COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX", "FIRST", "LAST", "LIST_DISTINCT")
UNITS = ("minutes", "hours", "days", "weeks", "months", "years")
DEFAULT_UNIT = "days"
COMPARISON_OPS = ("=", "!=", "<", "<=", ">", ">=")
STRING_MATCH_OPS = ("contains", "starts_with", "ends_with")
MODES = ("predict", "evaluate", "explain")


def _span() -> Any:
    return field(default=None, compare=False, repr=False, hash=False)


def _hidden(default: Any) -> Any:
    """A presentational field: kept for rendering, ignored by equality (like spans)."""
    return field(default=default, compare=False, repr=False, hash=False)


@dataclass(frozen=True, kw_only=True)
class Node:
    span: Span | None = _span()

    def __str__(self) -> str:
        from pql.render import render  # render imports this module

        return render(self)


# ---- operands -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Literal(Node):
    value: int | float | str | bool | None
    kind: str  # 'number' | 'string' | 'boolean' | 'null' | 'timestamp'


@dataclass(frozen=True, kw_only=True)
class ColumnRef(Node):
    table: str
    column: str


@dataclass(frozen=True, kw_only=True)
class Window(Node):
    """``anchor + start < t <= anchor + end`` measured in ``unit``; ``start=None`` is ``-INF``."""

    start: int | float | None
    end: int | float
    unit: str = DEFAULT_UNIT
    unit_explicit: bool = _hidden(True)  # whether the query spelled the unit out


@dataclass(frozen=True, kw_only=True)
class Aggregation(Node):
    func: str
    table: str  # with a formula: the table of its first column (the binder checks they all agree)
    column: str | None  # None: ``table.*`` or a formula
    filter: Expr | None = None
    window: Window | None = None
    formula: Expr | None = None  # ``SUM(lines.qty * lines.price, …)``: arithmetic over the rows' columns


# ---- conditions -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Arithmetic(Node):
    """``left op right`` on numbers, op one of ``+ - * /``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, kw_only=True)
class Negation(Node):
    """``-operand`` on a number that is not a literal (``-5`` is a Literal)."""

    operand: Expr


@dataclass(frozen=True, kw_only=True)
class Comparison(Node):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, kw_only=True)
class InList(Node):
    expr: Expr
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True, kw_only=True)
class Like(Node):
    expr: Expr
    pattern: Expr
    negated: bool = False


@dataclass(frozen=True, kw_only=True)
class StringMatch(Node):
    op: str  # 'contains' | 'starts_with' | 'ends_with'
    expr: Expr
    pattern: Expr


@dataclass(frozen=True, kw_only=True)
class IsNull(Node):
    expr: Expr
    negated: bool = False


@dataclass(frozen=True, kw_only=True)
class And(Node):
    items: tuple[Expr, ...]


@dataclass(frozen=True, kw_only=True)
class Or(Node):
    items: tuple[Expr, ...]


@dataclass(frozen=True, kw_only=True)
class Not(Node):
    item: Expr


Expr = Union[Literal, ColumnRef, Aggregation, Arithmetic, Negation, Comparison, InList, Like, StringMatch, IsNull, And, Or, Not]


@dataclass(frozen=True, kw_only=True)
class NamedTarget(Node):
    """``PREDICT churn …``, ``PREDICT spend_30 > 100 …``: a ``DEFINE``d name or a built-in template, as
    the whole target or an operand of it, resolved by the binder (`pql.binder.named_operands`)."""

    name: str


Target = Union[Expr, NamedTarget]


# ---- clauses --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Entity(Node):
    """``FOR EACH table[.column]`` (values None) or ``FOR table.column = v`` / ``IN (v, …)``."""

    table: str
    column: str | None = None  # None: the table's primary key, found by the binder
    values: tuple[Literal, ...] | None = None
    op: str | None = None  # '=' | 'in' | None (FOR EACH)


@dataclass(frozen=True, kw_only=True)
class ArmCost(Node):
    """``COST (email: 0.1, sms: 0.05)``: the cost of one treatment arm."""

    arm: str
    cost: int | float


@dataclass(frozen=True, kw_only=True)
class Capacity(Node):
    """``CAPACITY email 1000``: at most ``limit`` entities may get ``arm``."""

    arm: str
    limit: int


@dataclass(frozen=True, kw_only=True)
class MaxPer(Node):
    """``MAX 1 PER household``: at most ``limit`` treated entities per row of ``table``."""

    limit: int
    table: str


@dataclass(frozen=True, kw_only=True)
class Allocate(Node):
    """``ALLOCATE BUDGET b [COST c] [VALUE v] [MAX k PER table] [CAPACITY arm n, …]`` (after ASSUMING).

    Spend at most ``budget`` treating the entities with the best expected gain. ``cost`` per treated
    entity is a column, a constant or a per-arm table (default: 1 each, so the budget is a head count);
    ``value`` scales the predicted uplift into money (a column or a constant; default 1).
    """

    budget: int | float
    cost: ColumnRef | Literal | tuple[ArmCost, ...] | None = None
    value: ColumnRef | Literal | None = None
    max_per: MaxPer | None = None
    capacities: tuple[Capacity, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Option(Node):
    name: str
    value: Literal


# ---- statements -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PredictStatement(Node):
    mode: str = "predict"  # 'predict' | 'evaluate' | 'explain'
    target: Target
    rank_top: int | None = None
    classify: bool = False
    forecast: int | None = None  # FORECAST n TIMEFRAMES
    entity: Entity
    where: Expr | None = None
    assuming: Expr | None = None
    allocate: Allocate | None = None
    using: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    into: str | None = None
    into_replace: bool = False
    source: str | None = _hidden(None)  # the whole text ``span`` indexes into

    def option(self, name: str, default: Any = None) -> Any:
        """The value of ``WITH name = …`` (case-insensitive; the last one wins), else ``default``."""
        for opt in reversed(self.options):
            if opt.name.lower() == name.lower():
                return opt.value.value
        return default


@dataclass(frozen=True, kw_only=True)
class DefineStatement(Node):
    name: str
    target: Target
    source: str | None = _hidden(None)


Statement = Union[PredictStatement, DefineStatement]


# ---- walking and printing -------------------------------------------------------------------------


def children(node: Node) -> tuple[Node, ...]:
    """The direct child nodes of ``node``, in field order."""
    out: list[Node] = []
    for f in dataclasses.fields(node):
        if not f.compare:
            continue
        value = getattr(node, f.name)
        items = value if isinstance(value, tuple) else (value,)
        out.extend(v for v in items if isinstance(v, Node))
    return tuple(out)


def walk(node: Node):
    """``node`` and every node below it, depth first, parents before children."""
    yield node
    for child in children(node):
        yield from walk(child)


def dump(node: Any, indent: str = "  ") -> str:
    """A readable indented tree of ``node`` (what ``pql parse`` prints).

    Fields holding an empty default (None, False, ``()``) are left out; nodes whose fields are all plain
    values print on one line, e.g. ``ColumnRef(table='users', column='age')``.
    """
    return "\n".join(_dump_lines(node, indent, 0))


def _shown_fields(node: Node) -> list[tuple[str, Any]]:
    shown = []
    for f in dataclasses.fields(node):
        if not f.compare:
            continue
        value = getattr(node, f.name)
        if f.default in (None, False, ()) and value == f.default and type(value) is type(f.default):
            continue
        shown.append((f.name, value))
    return shown


def _is_flat(value: Any) -> bool:
    if isinstance(value, Node):
        return all(not isinstance(v, (Node, tuple)) or (isinstance(v, tuple) and not v)
                   for _, v in _shown_fields(value))
    return not isinstance(value, tuple) or all(not isinstance(v, Node) for v in value)


def _inline(value: Any) -> str:
    if isinstance(value, Node):
        body = ", ".join(f"{k}={_inline(v)}" for k, v in _shown_fields(value))
        return f"{type(value).__name__}({body})"
    if isinstance(value, tuple):
        return "(" + ", ".join(_inline(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def _dump_lines(value: Any, indent: str, depth: int) -> list[str]:
    pad = indent * depth
    if not isinstance(value, Node) or _is_flat(value):
        return [pad + _inline(value)]
    lines = [pad + type(value).__name__]
    for name, v in _shown_fields(value):
        if _is_flat(v) and not (isinstance(v, tuple) and any(isinstance(x, Node) for x in v)):
            lines.append(f"{pad}{indent}{name}: {_inline(v)}")
        elif isinstance(v, tuple):
            lines.append(f"{pad}{indent}{name}:")
            for item in v:
                sub = _dump_lines(item, indent, depth + 2)
                sub[0] = f"{pad}{indent * 2}- " + sub[0].lstrip()
                lines.extend(sub)
        else:
            sub = _dump_lines(v, indent, depth + 1)
            lines.append(f"{pad}{indent}{name}: " + sub[0].lstrip())
            lines.extend(sub[1:])
    return lines
