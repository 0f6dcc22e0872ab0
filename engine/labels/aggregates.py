"""Windowed aggregations as CTEs: one value per (anchor, entity) for each aggregation (and forecast step).

Decomposable aggregations (COUNT, SUM, AVG, MIN, MAX) first collapse their rows to partials per
(entity, timestamp) in an *events* CTE shared by every aggregation over the same table and path (each
filter becomes a ``FILTER (WHERE …)`` on its partial); only then are events range-joined to the
anchors. Many rows share a timestamp (the lines of one invoice), so the range join sees far fewer rows,
and a target and a WHERE over the same table read (and join) their rows once. Events do not depend on
the anchors, so a caller may build them once as tables (`events`). COUNT_DISTINCT, LIST_DISTINCT,
FIRST and LAST read the rows directly.

Every window CTE has columns ``anchor_time, k0…kn, value``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from sqlglot import exp

from engine.labels.expr import compile_expr, not_null
from engine.labels.scope import Scope, col, ident
from engine.labels.windows import in_window
from engine.schema.model import Database, ForeignKey
from pql.bound import BAggregation, BoundExpr
from pql.errors import PQLInputError

DECOMPOSABLE = frozenset({"COUNT", "SUM", "AVG", "MIN", "MAX"})
PREDICT = "predict"


@dataclass(frozen=True)
class _Source:
    """The rows an aggregation reads, before its filter."""

    table: str
    path: tuple[ForeignKey, ...]


@dataclass(frozen=True)
class _Use:
    agg: BAggregation
    step: int
    labelled_only: bool  # target / ASSUMING aggregates skip the prediction anchor


@dataclass
class _Events:
    name: str
    table: str
    partials: dict[tuple[str, "Operand", BoundExpr | None], str] = field(default_factory=dict)  # -> column
    uses: int = 0

    def partial(self, kind: str, operand: "Operand", filter: BoundExpr | None) -> str:
        return self.partials.setdefault((kind, operand, filter), f"p{len(self.partials)}")


class Aggregates:
    """Collects the aggregations a query needs and emits their CTEs (events first, then windows)."""

    def __init__(self, db: Database, entity: str, key: tuple[str, ...], anchors: str):
        self.db, self.entity, self.key, self.anchors = db, entity, key, anchors
        self._uses: dict[_Use, str] = {}
        self._events: dict[_Source, _Events] = {}

    def name(self, agg: BAggregation, *, step: int = 0, labelled_only: bool = False) -> str:
        """The CTE holding ``agg``'s per-(anchor, entity) value."""
        use = _Use(agg=agg, step=step, labelled_only=labelled_only)
        if use not in self._uses:
            self._uses[use] = f"g{len(self._uses)}"
            if agg.func.upper() in DECOMPOSABLE:
                source = _Source(agg.table, agg.path)
                events = self._events.setdefault(source, _Events(name=f"s{len(self._events)}", table=agg.table))
                events.uses += 1
                for kind, operand in _partials(agg):
                    events.partial(kind, operand, agg.filter)
        return self._uses[use]

    @property
    def window_names(self) -> tuple[str, ...]:
        return tuple(self._uses.values())

    def events(self) -> list[tuple[str, str, exp.Select]]:
        """``(cte name, table, query)`` of each events CTE: rows of ``table`` keyed to the entity, with
        columns ``k0…``, ``t`` (timed tables) and partials."""
        return [(e.name, e.table, self._events_cte(source, e)) for source, e in self._events.items()]

    def ctes(self, prebuilt: dict[str, str] | None = None) -> list[tuple[str, exp.Select, bool]]:
        """``(name, query, materialized)`` in dependency order; ``prebuilt`` maps events CTE names to
        tables already holding them."""
        prebuilt = prebuilt or {}
        out = []
        for name, _, query in self.events():
            if name in prebuilt:
                query = exp.select(exp.Star()).from_(exp.Table(this=ident(prebuilt[name])))
            out.append((name, query, name not in prebuilt and self._events_uses(name) > 1))
        out += [(name, self._window_cte(use), False) for use, name in self._uses.items()]
        return out

    def events_of(self, agg: BAggregation) -> str | None:
        """The events CTE that ``agg`` reads, if it is decomposable and registered."""
        events = self._events.get(_Source(agg.table, agg.path))
        return events.name if events is not None and agg.func.upper() in DECOMPOSABLE else None

    def _events_uses(self, name: str) -> int:
        return next(e.uses for e in self._events.values() if e.name == name)

    # -- rows -------------------------------------------------------------------------------------
    def _rows(self, source: _Source, filter: BoundExpr | None = None
              ) -> tuple[Scope, list[exp.Expression], exp.Expression | None, list[exp.Expression]]:
        """A scope over the source table, the entity key of each row, its time, and the conditions."""
        rows = Scope(self.db, source.table, prefix="r")
        keys = self._entity_key(rows, source)
        where = [not_null(k.copy()) for k in keys]
        if filter is not None:
            where.append(_filter_sql(rows, filter))
        return rows, keys, rows.time(), where

    def _entity_key(self, rows: Scope, source: _Source) -> list[exp.Expression]:
        """Read from the last FK's child columns when they reference exactly the key (no join)."""
        if not source.path:
            if source.table != self.entity:
                raise PQLInputError(f"aggregation over '{source.table}' has no path to '{self.entity}'")
            return [rows.column((), k) for k in self.key]
        last = source.path[-1]
        if last.ref_table != self.entity:
            raise PQLInputError(f"the path of '{source.table}' ends at '{last.ref_table}', not '{self.entity}'")
        if set(last.ref_columns) == set(self.key):
            return [rows.column(source.path[:-1], last.columns[last.ref_columns.index(k)]) for k in self.key]
        return [rows.column(source.path, k) for k in self.key]

    def _events_cte(self, source: _Source, events: _Events) -> exp.Select:
        rows, keys, time, where = self._rows(source)
        by = [*keys, *([time] if time is not None else [])]
        names = [*(f"k{i}" for i in range(len(keys))), *(["t"] if time is not None else [])]
        parts = []
        for (kind, operand, f), name in events.partials.items():
            part = _partial_sql(kind, _row_value(rows, operand))
            if f is not None:
                part = exp.Filter(this=part, expression=exp.Where(this=_filter_sql(rows, f)))
            parts.append(exp.alias_(part, name, quoted=True))
        select = exp.select(*(exp.alias_(e.copy(), n, quoted=True) for e, n in zip(by, names)), *parts)
        return rows.apply(select).where(exp.and_(*where), copy=False).group_by(*(e.copy() for e in by), copy=False)

    # -- windows ----------------------------------------------------------------------------------
    def _window_cte(self, use: _Use) -> exp.Select:
        agg = use.agg
        func = agg.func.upper()
        if func in DECOMPOSABLE:
            events = self._events[_Source(agg.table, agg.path)]
            table = self.db.table(agg.table)
            has_time = table is not None and table.is_timed
            relation = exp.Table(this=ident(events.name), alias=exp.TableAlias(this=ident("r")))
            value = _combine(func, _operand(agg), agg.filter, events)
        else:
            rows, keys, time, where = self._rows(_Source(agg.table, agg.path), agg.filter)
            has_time = time is not None
            select = exp.select(*(exp.alias_(k, f"k{i}", quoted=True) for i, k in enumerate(keys)))
            if time is not None:
                select = select.select(exp.alias_(time, "t", quoted=True), copy=False)
            if agg.reads_rows:
                raise PQLInputError(f"{agg.func} needs a column, not {agg.table}.*")
            select = select.select(exp.alias_(_row_value(rows, _operand(agg)), "v", quoted=True), copy=False)
            tie = [rows.column((), c) for c in rows.root.primary_key] if func in ("FIRST", "LAST") else []
            for i, t in enumerate(tie):
                select = select.select(exp.alias_(t, f"o{i}", quoted=True), copy=False)
            relation = exp.Subquery(this=rows.apply(select).where(exp.and_(*where), copy=False), alias=exp.TableAlias(this=ident("r")))
            value = _holistic(func, has_time, len(tie))

        anchor = col("a", "anchor_time")
        if agg.window is not None:
            if not has_time:
                raise PQLInputError(f"table '{agg.table}' has no time, so {agg.func}(…, window) cannot be computed")
            on = in_window(col("r", "t"), anchor, agg.window, step=use.step)
        elif has_time:  # no window: everything known at the anchor
            on = exp.LTE(this=col("r", "t"), expression=anchor)
        else:
            on = exp.true()
        keys = [col("r", f"k{i}") for i in range(len(self.key))]
        out = (exp.select(exp.alias_(anchor, "anchor_time", quoted=True), *keys, exp.alias_(value, "value", quoted=True))
               .from_(exp.Table(this=ident(self.anchors), alias=exp.TableAlias(this=ident("a"))), copy=False)
               .join(relation, on=on, copy=False)
               .group_by(anchor.copy(), *(k.copy() for k in keys), copy=False))
        if use.labelled_only:
            out = out.where(exp.NEQ(this=col("a", "split"), expression=exp.Literal.string(PREDICT)), copy=False)
        return out


#: what each row gives an aggregation: a column's name, a formula over the row's columns, or None (a row)
Operand = Union[str, BoundExpr, None]


def _operand(agg: BAggregation) -> Operand:
    return agg.formula if agg.formula is not None else agg.column


def _row_value(rows: Scope, operand: Operand) -> exp.Expression | None:
    """The SQL of one row's value; a formula's division by zero is NULL, so that row counts as no value."""
    if operand is None:
        return None
    if isinstance(operand, str):
        return rows.column((), operand)
    return compile_expr(operand, column=lambda c: rows.column(c.path, c.column), aggregation=_nested)


def _partials(agg: BAggregation) -> list[tuple[str, Operand]]:
    func, c = agg.func.upper(), _operand(agg)
    if func == "COUNT":
        return [("count", c)]
    if func == "SUM":
        return [("sum", c)]
    if func == "AVG":
        return [("sum", c), ("count", c)]
    return [(func.lower(), c)]  # min / max


def _partial_sql(kind: str, value: exp.Expression | None) -> exp.Expression:
    if kind == "count":
        return exp.Count(this=exp.Star() if value is None else value)
    return {"sum": exp.Sum, "min": exp.Min, "max": exp.Max}[kind](this=value)


def _combine(func: str, operand: Operand, filter: BoundExpr | None, events: _Events) -> exp.Expression:
    """Re-aggregate the per-event partials over a window; labels come out BIGINT (counts) or DOUBLE."""
    def part(kind: str) -> exp.Column:
        return col("r", events.partials[(kind, operand, filter)])

    if func == "COUNT":
        return exp.cast(exp.Sum(this=part("count")), exp.DataType.Type.BIGINT)
    if func == "SUM":
        return exp.cast(exp.Sum(this=part("sum")), exp.DataType.Type.DOUBLE)
    if func == "AVG":
        total = exp.cast(exp.Sum(this=part("sum")), exp.DataType.Type.DOUBLE)
        return exp.Div(this=total, expression=exp.Nullif(this=exp.Sum(this=part("count")), expression=exp.Literal.number(0)))
    return (exp.Min if func == "MIN" else exp.Max)(this=part(func.lower()))


def _holistic(func: str, has_time: bool, ties: int) -> exp.Expression:
    value = col("r", "v")
    if func == "COUNT_DISTINCT":
        return exp.Count(this=exp.Distinct(expressions=[value]))
    if func == "LIST_DISTINCT":  # sorted, so reruns agree
        listed = exp.ArrayAgg(this=exp.Order(this=exp.Distinct(expressions=[value]),
                                             expressions=[exp.Ordered(this=value.copy(), nulls_first=False)]))
        return exp.Filter(this=listed, expression=exp.Where(this=not_null(value.copy())))
    if func in ("FIRST", "LAST"):
        if not has_time:
            raise PQLInputError(f"{func} needs a timed table")
        # by time, ties broken by the row's key (or the value) so reruns agree
        order = [col("r", "t"), *(col("r", f"o{i}") for i in range(ties))] if ties else [col("r", "t"), value.copy()]
        cls = exp.ArgMin if func == "FIRST" else exp.ArgMax
        return cls(this=value, expression=exp.Tuple(expressions=order))
    raise PQLInputError(f"unknown aggregation {func}")


def _filter_sql(rows: Scope, filter: BoundExpr) -> exp.Expression:
    return compile_expr(filter, column=lambda c: rows.column(c.path, c.column), aggregation=_nested)


def _nested(agg: BAggregation) -> exp.Expression:
    raise PQLInputError(f"an aggregation inside an aggregation's filter ({agg.func}) is not supported")
