"""Compile a `BoundQuery` into one set-based DuckDB query over all anchor times at once.

Shape of the generated SQL (``pql_anchors`` holds ``anchor_time``, ``split``)::

    WITH s0 AS (                      -- events: rows keyed to the entity, partials per timestamp
      SELECT key AS k0, time AS t, COUNT(*) AS p0 FROM rows [JOIN parents] WHERE filter GROUP BY k0, t),
    g0 AS (                           -- one CTE per aggregation (and forecast step)
      SELECT a.anchor_time, r.k0, SUM(r.p0) AS value
      FROM pql_anchors a JOIN s0 r ON a.anchor_time + start < r.t AND r.t <= a.anchor_time + end
      GROUP BY a.anchor_time, r.k0)
    SELECT keys, anchor_time, label, [treatment], split
    FROM pql_anchors a CROSS JOIN entity e0 LEFT JOIN g0 ON (anchor, key) …
    WHERE e0 exists at the anchor AND <entity WHERE> AND (split = 'predict' OR label IS NOT NULL)

The anchors x rows range join is the only place rows meet anchors, so no anchor loop exists anywhere.
Rows never see past their window: a feature-free label table cannot leak by construction, and the entity
set and WHERE only read rows at or before the anchor (``WHERE`` windows end at or before 0).
"""
from __future__ import annotations

from sqlglot import exp

from engine.labels.aggregates import Aggregates
from engine.labels.expr import compile_expr, is_null, literal, not_null
from engine.labels.scope import Scope, col, ident
from engine.schema.model import Database
from pql.bound import BAggregation, BColumn, BIn, BoundQuery, TaskType, iter_aggregations
from pql.errors import PQLInputError, SchemaError

ANCHORS = "pql_anchors"
PREDICT = "predict"
LISTED = "listed"  # static tasks with `FOR key IN (…)`: the row is one of the entities to predict
RESERVED = ("anchor_time", "label", "treatment", "split")

#: aggregations whose empty window means 0, not "no label"
ZERO_WHEN_EMPTY = frozenset({"COUNT", "COUNT_DISTINCT", "SUM"})


def is_static(bq: BoundQuery) -> bool:
    """A target with no aggregation (a column or a condition on columns): one row per entity."""
    return next(iter_aggregations(bq.target), None) is None


def forecast_steps(bq: BoundQuery) -> int:
    return bq.forecast if bq.task == TaskType.FORECASTING and bq.forecast else 1


class TrainingSQL:
    """Compiles one bound query; `compile` may run again once the events are prebuilt as tables."""

    def __init__(self, db: Database, bq: BoundQuery, anchors: str):
        self.db, self.bq, self.anchors = db, bq, anchors
        entity = db.table(bq.entity.table)
        if entity is None:
            raise SchemaError(f"entity table '{bq.entity.table}' is not in the database")
        clash = set(bq.entity.key) & set(RESERVED)
        if clash:
            raise PQLInputError(f"entity key column {sorted(clash)[0]!r} clashes with a training-table column")
        self.entity = entity
        self.scope = Scope(db, entity.name, prefix="e")
        self.aggregates = Aggregates(db, entity.name, tuple(bq.entity.key), anchors)

    def aggregation(self, agg: BAggregation, *, step: int = 0, labelled_only: bool = False) -> exp.Expression:
        """The per-(anchor, entity) value of ``agg`` in the final query, 0 for empty COUNT/SUM windows."""
        ref = col(self.aggregates.name(agg, step=step, labelled_only=labelled_only), "value")
        if agg.func.upper() in ZERO_WHEN_EMPTY:
            return exp.Coalesce(this=ref, expressions=[exp.Literal.number(0)])
        return ref

    # -- the final query --------------------------------------------------------------------------
    def entity_column(self, c: BColumn) -> exp.Expression:
        return self.scope.column(c.path, c.column)

    def _expr(self, e, *, step: int = 0, labelled_only: bool) -> exp.Expression:
        return compile_expr(e, column=self.entity_column,
                            aggregation=lambda a: self.aggregation(a, step=step, labelled_only=labelled_only))

    def _treatment(self) -> exp.Expression:
        assuming = self.bq.assuming
        if self.bq.treatment_arms and isinstance(assuming, BIn):
            arm = self._expr(assuming.expr, labelled_only=True)
            arms = [literal(a) for a in self.bq.treatment_arms]
            return exp.Case().when(exp.In(this=arm, expressions=arms), exp.cast(arm.copy(), exp.DataType.Type.VARCHAR))
        return exp.Coalesce(this=self._expr(assuming, labelled_only=True), expressions=[exp.false()])

    def events(self) -> list[tuple[str, str, exp.Select]]:
        """The anchor-independent events CTEs ``(name, table, query)``; call after `compile`."""
        return self.aggregates.events()

    def compile(self, prebuilt: dict[str, str] | None = None, *, anchors: str | None = None) -> exp.Select:
        """The whole query; ``prebuilt`` maps events CTE names to tables already holding them, and
        ``anchors`` renames the anchors relation (the events do not read it)."""
        if anchors is not None:
            self.anchors = self.aggregates.anchors = anchors
        bq, static = self.bq, is_static(self.bq)
        is_predict = exp.EQ(this=col("a", "split"), expression=exp.Literal.string(PREDICT))
        steps = [self._expr(bq.target, step=k, labelled_only=not static) for k in range(forecast_steps(bq))]
        label = steps[0] if len(steps) == 1 else exp.Array(expressions=steps)
        keep = exp.or_(*(not_null(s.copy()) for s in steps))
        treatment = self._treatment() if bq.assuming is not None else None
        if not static:  # the prediction anchor has no label yet
            label = exp.Case().when(is_predict.copy(), exp.Null()).else_(label)
            if treatment is not None:
                treatment = exp.Case().when(is_predict.copy(), exp.Null()).else_(treatment)

        conditions = [not_null(self.scope.column((), k)) for k in bq.entity.key]  # no key, nothing to predict for
        born = self.scope.time()
        if born is not None:  # entities exist from their own (or inherited) time on
            # one with no time cannot be placed before any past anchor (at early ones it read as churned):
            # it is predicted, not trained on
            timeless = is_null(born.copy()) if static else exp.and_(is_null(born.copy()), is_predict.copy())
            conditions.append(exp.or_(exp.LTE(this=born, expression=col("a", "anchor_time")), timeless))
        if bq.where is not None:
            conditions.append(self._expr(bq.where, labelled_only=False))

        keys = [exp.alias_(self.scope.column((), k), k, quoted=True) for k in bq.entity.key]
        outputs = [*keys, exp.alias_(col("a", "anchor_time"), "anchor_time", quoted=True),
                   exp.alias_(label, "label", quoted=True)]
        if treatment is not None:
            outputs.append(exp.alias_(treatment, "treatment", quoted=True))
        outputs.append(exp.alias_(col("a", "split"), "split", quoted=True))
        # `FOR key = v` / `IN (…)` names the entities to predict; every entity still trains the model
        listed = self._entity_values() if bq.entity.values is not None else None
        if static and listed is not None:
            outputs.append(exp.alias_(listed, LISTED, quoted=True))
        if not static:  # prediction rows: every entity, or the listed ones; labelled rows: a label
            keep = exp.Case().when(is_predict.copy(), exp.true() if listed is None else listed.copy()).else_(keep)
        outputs.append(exp.alias_(keep, "keep", quoted=True))

        inner = exp.select(*outputs).from_(exp.Table(this=ident(self.anchors), alias=exp.TableAlias(this=ident("a"))))
        inner = inner.join(exp.Join(this=self.scope.root_ref(), kind="CROSS"), copy=False)
        for join in self.scope.joins:
            inner = inner.join(join.copy(), copy=False)
        for name in self.aggregates.window_names:
            on = exp.and_(exp.EQ(this=col(name, "anchor_time"), expression=col("a", "anchor_time")),
                          *(exp.EQ(this=col(name, f"k{i}"), expression=self.scope.column((), k))
                            for i, k in enumerate(bq.entity.key)))
            inner = inner.join(exp.Join(this=exp.Table(this=ident(name)), on=on, side="LEFT"), copy=False)
        if conditions:
            inner = inner.where(exp.and_(*conditions), copy=False)

        names = [*bq.entity.key, "anchor_time", "label", *(["treatment"] if treatment is not None else []), "split",
                 *([LISTED] if static and listed is not None else [])]
        query = (exp.select(*(col("rows", n) for n in names))
                 .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=ident("rows"))), copy=False)
                 .where(col("rows", "keep"), copy=False)
                 .order_by(col("rows", "anchor_time"), *(col("rows", k) for k in bq.entity.key), copy=False))
        for name, cte, materialized in self.aggregates.ctes(prebuilt):
            query = query.with_(ident(name), as_=cte, materialized=materialized or None, copy=False)
        return query

    def _entity_values(self) -> exp.Expression:
        key = [self.scope.column((), k) for k in self.bq.entity.key]
        values = self.bq.entity.values or ()
        if len(key) == 1:
            return exp.In(this=key[0], expressions=[literal(v) for v in values])
        rows = [exp.Tuple(expressions=[literal(x) for x in v]) for v in values]
        return exp.In(this=exp.Tuple(expressions=key), expressions=rows)


def compile_training_sql(db: Database, bq: BoundQuery, anchors: str = ANCHORS) -> exp.Select:
    """The training-table query for ``bq``; ``anchors`` names a relation (anchor_time TIMESTAMP,
    split VARCHAR) holding every anchor, the prediction anchor under split ``'predict'``.

    Output: entity key column(s), ``anchor_time``, ``label`` (a list per row for FORECAST),
    ``treatment`` when ASSUMING is given, ``split``; ordered by anchor time then key.
    """
    return TrainingSQL(db, bq, anchors).compile()
