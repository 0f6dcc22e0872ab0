"""Per-unit PQL aggregations anchored at each unit's own assignment time, as one DuckDB query.

The training-table compiler crosses a few shared anchor times with every entity; an experiment has one
anchor per unit (when *that* unit was assigned), so here each aggregation range-joins its rows to the
assignments on (unit key, window around the unit's anchor)::

    WITH assigned AS (SELECT unit key AS u, arm, assignment time AS anchor_time FROM <assignments>),
    [assign AS (assigned UNION ALL the units with no assignment row, as the control arm)],
    g0 AS (SELECT a.u, AGG(r.v) AS value
           FROM assign a JOIN (rows of the aggregated table, keyed to the unit) r
             ON r.k = a.u AND a.anchor_time + start < r.t AND r.t <= a.anchor_time + end
           GROUP BY a.u)
    SELECT a.u AS unit, a.arm, a.anchor_time, <outcome> AS outcome[, <covariate> AS covariate]
    FROM assign a JOIN <unit table> e0 ON e0.key = a.u [joins to parents] LEFT JOIN g0 ON g0.u = a.u …
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlglot import exp

from engine.labels.compile import ZERO_WHEN_EMPTY
from engine.labels.expr import compile_expr, literal, not_null
from engine.labels.scope import Scope, col, ident, table_ref
from engine.labels.windows import in_window
from engine.schema.model import Database, Table
from pql.bound import BAggregation, BoundExpr
from pql.errors import PQLInputError

ASSIGNED, ASSIGN = "assigned", "assign"


@dataclass(frozen=True, kw_only=True)
class UnitDesign:
    """Where an experiment's units, arms and assignment times live."""

    assignments: Table
    arm: str  # column of ``assignments``
    unit: Table  # the table whose rows are the units (``assignments`` itself or the table it references)
    unit_key: str  # the unit table's key column
    assignment_key: str  # the column of ``assignments`` holding the unit key
    at: str | None = None  # column of ``assignments`` with the assignment time; None: its time column
    control: str | None = None  # arm name for units with no assignment row (only when they are included)
    control_at: datetime | None = None  # their anchor time


def assigned_query(db: Database, design: UnitDesign) -> exp.Select:
    """``u, arm, anchor_time`` for every assignment row."""
    scope = Scope(db, design.assignments.name, prefix="s")
    if design.at is not None:
        time = exp.cast(scope.column((), design.at), exp.DataType.Type.TIMESTAMP)
    else:
        time = scope.time()
        if time is None:
            raise PQLInputError(f"the assignment table '{design.assignments.name}' has no time column, so "
                                "outcome windows have no start; name the assignment-time column (at=…, --at)")
    unit = scope.column((), design.assignment_key)
    select = exp.select(exp.alias_(unit, "u", quoted=True),
                        exp.alias_(exp.cast(scope.column((), design.arm), exp.DataType.Type.VARCHAR), "arm",
                                   quoted=True),
                        exp.alias_(time, "anchor_time", quoted=True))
    return scope.apply(select).where(not_null(unit.copy()), copy=False)


def unassigned_query(design: UnitDesign) -> exp.Select:
    """Units of the unit table with no assignment row: the control arm, anchored at ``control_at``."""
    key = col("e", design.unit_key)
    taken = (exp.select(exp.Literal.number(1)).from_(table_ref(ASSIGNED, "x"))
             .where(exp.EQ(this=col("x", "u"), expression=key.copy())))
    return (exp.select(exp.alias_(key, "u", quoted=True),
                       exp.alias_(exp.cast(literal(design.control), exp.DataType.Type.VARCHAR), "arm", quoted=True),
                       exp.alias_(literal(design.control_at), "anchor_time", quoted=True))
            .from_(table_ref(design.unit.name, "e"))
            .where(exp.not_(exp.Exists(this=taken))))


class UnitOutcomes:
    """Compiles the outcome (and optional covariate) of every unit into one query."""

    def __init__(self, db: Database, design: UnitDesign):
        self.db, self.design = db, design
        self.scope = Scope(db, design.unit.name, prefix="e")
        self._windows: dict[BAggregation, str] = {}

    def _aggregation(self, agg: BAggregation) -> exp.Expression:
        name = self._windows.setdefault(agg, f"g{len(self._windows)}")
        ref = col(name, "value")
        if agg.func.upper() in ZERO_WHEN_EMPTY:
            return exp.Coalesce(this=ref, expressions=[exp.Literal.number(0)])
        return ref

    def _expr(self, expr: BoundExpr) -> exp.Expression:
        return compile_expr(expr, column=lambda c: self.scope.column(c.path, c.column), aggregation=self._aggregation)

    def compile(self, outcome: BoundExpr, covariate: BoundExpr | None = None) -> exp.Select:
        """Columns ``unit, arm, anchor_time, outcome[, covariate]``, one row per assigned unit."""
        outputs = [exp.alias_(col("a", "u"), "unit", quoted=True), exp.alias_(col("a", "arm"), "arm", quoted=True),
                   exp.alias_(col("a", "anchor_time"), "anchor_time", quoted=True),
                   exp.alias_(self._expr(outcome), "outcome", quoted=True)]
        if covariate is not None:
            outputs.append(exp.alias_(self._expr(covariate), "covariate", quoted=True))
        on_unit = exp.EQ(this=self.scope.column((), self.design.unit_key), expression=col("a", "u"))
        query = (exp.select(*outputs).from_(table_ref(ASSIGN, "a"))
                 .join(exp.Join(this=self.scope.root_ref(), on=on_unit), copy=False))
        for join in self.scope.joins:
            query = query.join(join.copy(), copy=False)
        for name in self._windows.values():
            query = query.join(exp.Join(this=exp.Table(this=ident(name)), side="LEFT",
                                        on=exp.EQ(this=col(name, "u"), expression=col("a", "u"))), copy=False)
        query = query.order_by(col("a", "u"), copy=False)

        assigned = assigned_query(self.db, self.design)
        query = query.with_(ident(ASSIGNED), as_=assigned, copy=False)
        everyone = exp.select(exp.Star()).from_(exp.Table(this=ident(ASSIGNED)))
        if self.design.control is not None:
            everyone = exp.union(everyone, unassigned_query(self.design), distinct=False)
        query = query.with_(ident(ASSIGN), as_=everyone, copy=False)
        for agg, name in self._windows.items():
            query = query.with_(ident(name), as_=self._window(agg), copy=False)
        return query

    # -- one aggregation per unit ------------------------------------------------------------------
    def _rows(self, agg: BAggregation) -> exp.Select:
        """Rows of the aggregated table keyed to the unit: ``k``, ``t``, ``v``, filtered."""
        rows = Scope(self.db, agg.table, prefix="r")
        if not agg.path:
            if agg.table != self.design.unit.name:
                raise PQLInputError(f"'{agg.table}' is not linked to the unit table '{self.design.unit.name}'")
            key = rows.column((), self.design.unit_key)
        else:
            last = agg.path[-1]
            if last.ref_columns == (self.design.unit_key,):  # read the key from the child: no join
                key = rows.column(agg.path[:-1], last.columns[0])
            else:
                key = rows.column(agg.path, self.design.unit_key)
        time = rows.time()
        if time is None:
            raise PQLInputError(f"table '{agg.table}' has no time, so {agg.func}(…, window) cannot be computed")
        where = [not_null(key.copy())]
        if agg.filter is not None:
            where.append(compile_expr(agg.filter, column=lambda c: rows.column(c.path, c.column),
                                      aggregation=_nested))
        select = exp.select(exp.alias_(key, "k", quoted=True), exp.alias_(time, "t", quoted=True),
                            exp.alias_(_row_value(rows, agg), "v", quoted=True))
        return rows.apply(select).where(exp.and_(*where), copy=False)

    def _window(self, agg: BAggregation) -> exp.Select:
        if agg.window is None:
            raise PQLInputError(f"{agg.func}({agg.table}…) needs a time window")
        rows = exp.Subquery(this=self._rows(agg), alias=exp.TableAlias(this=ident("r")))
        on = exp.and_(exp.EQ(this=col("r", "k"), expression=col("a", "u")),
                      in_window(col("r", "t"), col("a", "anchor_time"), agg.window))
        return (exp.select(exp.alias_(col("a", "u"), "u", quoted=True),
                           exp.alias_(_aggregate(agg), "value", quoted=True))
                .from_(table_ref(ASSIGN, "a")).join(rows, on=on, copy=False)
                .group_by(col("a", "u"), copy=False))


def _row_value(rows: Scope, agg: BAggregation) -> exp.Expression:
    """What one row gives ``agg``: its column, its formula (a division by zero is NULL), or 1 (a row)."""
    if agg.formula is not None:
        return compile_expr(agg.formula, column=lambda c: rows.column(c.path, c.column), aggregation=_nested)
    return rows.column((), agg.column) if agg.column is not None else exp.Literal.number(1)


def _aggregate(agg: BAggregation) -> exp.Expression:
    func, v, t = agg.func.upper(), col("r", "v"), col("r", "t")
    if func == "COUNT":
        return exp.cast(exp.Count(this=exp.Star() if agg.reads_rows else v), exp.DataType.Type.BIGINT)
    if func == "COUNT_DISTINCT":
        return exp.Count(this=exp.Distinct(expressions=[v]))
    if func == "SUM":
        return exp.cast(exp.Sum(this=v), exp.DataType.Type.DOUBLE)
    if func == "AVG":
        return exp.Avg(this=exp.cast(v, exp.DataType.Type.DOUBLE))
    if func in ("MIN", "MAX"):
        return (exp.Min if func == "MIN" else exp.Max)(this=v)
    if func in ("FIRST", "LAST"):
        return (exp.ArgMin if func == "FIRST" else exp.ArgMax)(this=v, expression=t)
    raise PQLInputError(f"{func} gives a list, not one number per unit; an experiment outcome needs a number "
                        "or a condition")


def _nested(agg: BAggregation) -> exp.Expression:
    raise PQLInputError(f"an aggregation inside an aggregation's filter ({agg.func}) is not supported")
