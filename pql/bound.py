"""The bound query: a parsed statement checked against a `Database`, every name resolved.

This is the contract between the language front end (`pql.binder`) and the engine (`engine.labels`,
models, …). Nothing here is a raw user spelling: table and column names are the database's exact names,
named targets are expanded, and every aggregation knows the foreign-key path that links its rows to the
entity. Spans are kept (``compare=False``) so the engine can still point at query text in its errors.

Expression nodes (``BoundExpr``)::

    BColumn      a column, reached from a context table through ``path`` (child -> parent FKs)
    BLiteral     a constant
    BAggregation AGG(table.column | table.* | formula  [WHERE filter], window) linked to the entity by ``path``
    BCompare     left op right                       (op in = != < <= > >=)
    BIn          expr [NOT] IN (v, ...)
    BLike        expr [NOT] LIKE 'pattern'
    BMatch       expr CONTAINS | STARTS WITH | ENDS WITH 'text'
    BIsNull      expr IS [NOT] NULL
    BAnd / BOr / BNot

Context table: at top level (target, WHERE, ASSUMING) it is the entity table; inside an aggregation's
filter and formula it is the aggregated table. ``BColumn.path`` walks from the context table up to ``BColumn.table``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Union

from engine.schema.model import ForeignKey, SemanticType
from pql.span import Span

UNITS = ("minutes", "hours", "days", "weeks", "months", "years")
# the average length of each unit in days (a month is a calendar month when anchors step; this is for sizes)
UNIT_DAYS = {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1.0, "weeks": 7.0, "months": 30.4375, "years": 365.25}


class TaskType(str, Enum):
    BINARY = "binary"
    REGRESSION = "regression"
    MULTICLASS = "multiclass"
    MULTILABEL = "multilabel"
    LINK_RANKING = "link_ranking"
    FORECASTING = "forecasting"
    UPLIFT = "uplift"

    def __str__(self) -> str:
        return self.value


def _span() -> Any:
    return field(default=None, compare=False, repr=False, hash=False)


@dataclass(frozen=True, kw_only=True)
class BWindow:
    """``anchor + start < t <= anchor + end`` in ``unit``; ``start=None`` means -INF."""

    start: float | None
    end: float
    unit: str = "days"


@dataclass(frozen=True, kw_only=True)
class BColumn:
    table: str
    column: str
    stype: SemanticType
    dtype: str
    path: tuple[ForeignKey, ...] = ()
    span: Span | None = _span()


@dataclass(frozen=True, kw_only=True)
class BLiteral:
    value: Any  # int | float | str | bool | None | datetime
    kind: str  # 'number' | 'string' | 'boolean' | 'null' | 'timestamp'
    span: Span | None = _span()


@dataclass(frozen=True, kw_only=True)
class BAggregation:
    func: str  # COUNT COUNT_DISTINCT SUM AVG MIN MAX FIRST LAST LIST_DISTINCT
    table: str
    column: str | None  # None = table.* or a formula
    filter: "BoundExpr | None"
    window: BWindow | None
    path: tuple[ForeignKey, ...]  # from ``table`` up to the entity table, each step child -> parent
    time_column: str  # the aggregated table's time (own column, or the parent's via inherited time)
    result_stype: SemanticType
    # ``SUM(lines.qty * lines.price, …)``: a BArith over the aggregated table's own columns (BColumn with
    # path ``()``) and numbers, evaluated per row; None for ``table.column`` and ``table.*``
    formula: "BoundExpr | None" = None
    span: Span | None = _span()

    @property
    def reads_rows(self) -> bool:
        """``table.*``: the aggregation counts rows, it reads no value."""
        return self.column is None and self.formula is None

    @property
    def subject(self) -> str:
        """What it reads, as PQL: ``table.column``, ``table.*`` or the formula."""
        from pql.bound_render import subject_text

        return subject_text(self)


@dataclass(frozen=True, kw_only=True)
class BArith:
    """``left op right`` on numbers (op ``+ - * /``); a division by zero is missing, which drops the row
    from training as an empty MIN window does."""

    op: str
    left: "BoundExpr"
    right: "BoundExpr"
    span: Span | None = _span()


@dataclass(frozen=True, kw_only=True)
class BCompare:
    op: str  # = != < <= > >=
    left: "BoundExpr"
    right: "BoundExpr"
    span: Span | None = _span()


@dataclass(frozen=True, kw_only=True)
class BIn:
    expr: "BoundExpr"
    values: tuple[BLiteral, ...]
    negated: bool = False
    span: Span | None = _span()


@dataclass(frozen=True, kw_only=True)
class BLike:
    expr: "BoundExpr"
    pattern: str
    negated: bool = False
    span: Span | None = _span()


@dataclass(frozen=True, kw_only=True)
class BMatch:
    op: str  # contains | starts_with | ends_with
    expr: "BoundExpr"
    text: str
    span: Span | None = _span()


@dataclass(frozen=True, kw_only=True)
class BIsNull:
    expr: "BoundExpr"
    negated: bool = False
    span: Span | None = _span()


@dataclass(frozen=True, kw_only=True)
class BAnd:
    items: tuple["BoundExpr", ...]
    span: Span | None = _span()


@dataclass(frozen=True, kw_only=True)
class BOr:
    items: tuple["BoundExpr", ...]
    span: Span | None = _span()


@dataclass(frozen=True, kw_only=True)
class BNot:
    item: "BoundExpr"
    span: Span | None = _span()


BoundExpr = Union[BColumn, BLiteral, BAggregation, BArith, BCompare, BIn, BLike, BMatch, BIsNull, BAnd, BOr, BNot]


@dataclass(frozen=True, kw_only=True)
class BoundEntity:
    """``FOR EACH table.key`` (``values`` None) or ``FOR table.key = v`` / ``IN (v, …)``."""

    table: str
    key: tuple[str, ...]  # the entity table's primary key column(s)
    values: tuple[Any, ...] | None = None
    span: Span | None = _span()


@dataclass(frozen=True, kw_only=True)
class BoundAllocate:
    budget: float
    cost: str | float | tuple[tuple[str, float], ...] | None = None  # column, constant or per-arm map
    value: str | float | None = None
    max_per: int | None = None
    capacities: tuple[tuple[str, int], ...] = ()
    cost_span: Span | None = _span()  # where COST's column or constant is written, for errors about its values


@dataclass(frozen=True, kw_only=True)
class BoundQuery:
    """A fully resolved PREDICT statement; ``str()`` is what EXPLAIN shows of it (`pql.bound_render`)."""

    text: str  # the statement's source text
    mode: str  # 'predict' | 'evaluate' | 'explain'
    task: TaskType
    entity: BoundEntity
    target: BoundExpr
    where: BoundExpr | None = None  # entity filter, evaluated as of each anchor (looks back)
    assuming: BoundExpr | None = None  # treatment condition (looks forward); uplift only
    treatment_arms: tuple[str, ...] = ()  # arms when the treatment is a categorical IN (…) condition
    outcome_task: TaskType | None = None  # for uplift: binary or regression outcome
    rank_top: int | None = None
    item_table: str | None = None  # link ranking: the table whose keys are ranked
    classify: bool = False
    forecast: int | None = None  # number of future timeframes, each as long as the target window
    allocate: BoundAllocate | None = None
    using: tuple[str, ...] = ()  # graph tables (USING + what the target needs); all tables if no USING
    options: tuple[tuple[str, Any], ...] = ()  # validated WITH options, see pql.options
    into: str | None = None
    into_replace: bool = False
    expansion: str | None = None  # plain PQL of a named target, for EXPLAIN
    notes: tuple[str, ...] = ()  # what the binder decided on the user's behalf (plural match, key, …)
    span: Span | None = _span()

    def __str__(self) -> str:
        from pql.bound_render import render_bound

        return render_bound(self)

    def option(self, name: str, default: Any = None) -> Any:
        for k, v in self.options:
            if k == name:
                return v
        return default

    @property
    def target_window(self) -> BWindow | None:
        """The part after the anchor of the window that holds every window of the target's
        aggregations (`envelope`); None for static targets. ``COUNT(o.*, 0, 30) > 0 AND SUM(o.amount,
        0, 90) > 100`` labels over 90 days; ``SUM(o.amount, 0, 30) < SUM(o.amount, -30, 0)`` over 30."""
        return _ahead(envelope(agg.window for agg in iter_aggregations(self.target)))

    @property
    def label_window(self) -> BWindow | None:
        """`target_window` widened to the ``ASSUMING`` windows: how far a label (outcome and
        treatment) reads ahead of its anchor, which the anchor schedule must leave room for."""
        return _ahead(envelope(agg.window for expr in (self.target, self.assuming) for agg in iter_aggregations(expr)))

    @property
    def target_lookback(self) -> BWindow | None:
        """``(start, 0]``: how far before its anchor the target reads (``SUM(x, 0, 30) < SUM(x, -30, 0)``
        reads 30 days back); None for a target that reads only ahead."""
        whole = envelope(agg.window for agg in iter_aggregations(self.target))
        if whole is None or whole.start is None or whole.start >= 0:
            return None
        return BWindow(start=whole.start, end=0.0, unit=whole.unit)


#: fixed units in minutes, and calendar units in months: each converts exactly within its family
_FIXED_MINUTES = {"minutes": 1, "hours": 60, "days": 1440, "weeks": 10_080}
_CALENDAR_MONTHS = {"months": 1, "years": 12}
#: a calendar unit in days, rounded outward, where it meets a fixed unit: the envelope may only grow
_CALENDAR_DAYS = {"months": (28, 31), "years": (365, 366)}


def envelope(windows) -> BWindow | None:
    """The smallest window holding every one of ``windows`` (None entries are skipped; None when none
    is left): the earliest start (``-INF`` wins) and the latest end. One unit stays that unit; units of
    one family meet in the finer one exactly (hours and days in hours, months and years in months);
    calendar and fixed units meet in days, a month counting 28 days at a start and 31 at an end (a
    year 365 and 366), so the envelope never falls short of a calendar window."""
    ws = [w for w in windows if w is not None]
    if not ws:
        return None
    units = {w.unit for w in ws}
    if len(units) == 1:
        scale = {ws[0].unit: (1.0, 1.0)}
        unit = ws[0].unit
    elif units <= _FIXED_MINUTES.keys() or units <= _CALENDAR_MONTHS.keys():
        family = _FIXED_MINUTES if units <= _FIXED_MINUTES.keys() else _CALENDAR_MONTHS
        unit = min(units, key=family.__getitem__)
        scale = {u: (family[u] / family[unit],) * 2 for u in units}
    else:
        unit = "days"
        scale = {u: _CALENDAR_DAYS[u] if u in _CALENDAR_DAYS else (_FIXED_MINUTES[u] / 1440,) * 2 for u in units}
    starts = [None if w.start is None else w.start * scale[w.unit][0 if w.start >= 0 else 1] for w in ws]
    ends = [w.end * scale[w.unit][1 if w.end >= 0 else 0] for w in ws]
    start = None if any(s is None for s in starts) else min(starts)
    return BWindow(start=start, end=max(ends), unit=unit)


def _ahead(window: BWindow | None) -> BWindow | None:
    """``window`` from the anchor on: its part before the anchor cut off."""
    if window is None or window.start is None or window.start >= 0:
        return window
    return BWindow(start=0.0, end=window.end, unit=window.unit)


def iter_aggregations(expr: BoundExpr | None):
    """Every aggregation in ``expr`` (not descending into aggregation filters)."""
    yield from (node for node in iter_nodes(expr, filters=False) if isinstance(node, BAggregation))


def iter_nodes(expr: BoundExpr | None, *, filters: bool = True):
    """Every node of ``expr``, each before its children; ``filters``: aggregation filters' nodes too."""
    if expr is None:
        return
    yield expr
    children: tuple[BoundExpr | None, ...] = ()
    if isinstance(expr, BAggregation):
        children = (expr.filter,) if filters else ()
    elif isinstance(expr, (BCompare, BArith)):
        children = (expr.left, expr.right)
    elif isinstance(expr, (BIn, BLike, BMatch, BIsNull)):
        children = (expr.expr,)
    elif isinstance(expr, (BAnd, BOr)):
        children = expr.items
    elif isinstance(expr, BNot):
        children = (expr.item,)
    for child in children:
        yield from iter_nodes(child, filters=filters)
