"""ALLOCATE: turn an uplift query's predictions into a budgeted assignment of arms to entities.

    PREDICT … ASSUMING … ALLOCATE BUDGET b [COST c] [VALUE v] [MAX n PER entity] [CAPACITY arm n, …]

Per (entity, arm): value = predicted uplift × VALUE (a column of the entity table or a constant),
cost = COST (a column, a constant or a per-arm map; default 1, so the budget counts treated entities).

Units decide the objective. With VALUE the uplift is priced in the budget's money, so the plan maximises
incremental value minus cost. Without VALUE the uplift stays in the outcome's units (purchases,
probability points) and cannot be netted against money: the plan then maximises the expected
incremental outcome and cost only limits the budget.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from connectors._sql import table_ref
from engine.allocation import AllocationResult, allocate
from engine.schema.model import Database
from pql.bound import BoundAllocate, BoundQuery
from pql.errors import EngineError, PQLBindError

ROW = "_pql_row"
PLAIN_ARM = "treated"  # the one arm of a yes/no treatment


@dataclass(frozen=True, kw_only=True)
class QueryAllocation:
    """An ALLOCATE clause's plan: the solver's result with the assignment keyed by the entity's columns."""

    result: AllocationResult  # ``result.assignment``: entity key…, arm, expected_incremental_value, cost, net_value
    objective: str  # "value - cost" | "incremental outcome"
    warnings: tuple[str, ...] = ()

    @property
    def assignment(self) -> pa.Table:
        return self.result.assignment

    def render(self) -> str:
        head = ("objective: expected incremental value minus cost" if self.objective == "value - cost" else
                "objective: expected incremental outcome (no VALUE, so cost only limits the budget; "
                "add VALUE <money per unit of outcome> to net it against cost)")
        return "\n".join([self.result.render(), f"  {head}"])


def arms_of(bq: BoundQuery) -> tuple[str, ...]:
    return bq.treatment_arms or (PLAIN_ARM,)


def uplift_matrix(bq: BoundQuery, predictions: pa.Table) -> np.ndarray:
    """Predicted uplift per entity × arm, [n, A], from the uplift result layout."""
    arms = bq.treatment_arms
    names = [f"uplift_{a}" for a in arms] if len(arms) > 1 else ["uplift"]
    missing = [n for n in names if n not in predictions.column_names]
    if missing:
        raise EngineError(f"the uplift predictions lack column(s) {missing}; cannot allocate")
    columns = [predictions.column(n).to_numpy(zero_copy_only=False).astype(float) for n in names]
    return np.column_stack(columns) if columns else np.zeros((predictions.num_rows, 0))


def entity_numbers(con, db: Database, bq: BoundQuery, keys: pa.Table, column: str) -> np.ndarray:
    """``column`` of the entity table for each row of ``keys`` (entity key columns), NaN when null or absent."""
    entity = db.table(bq.entity.table)
    if entity is None:
        raise EngineError(f"entity table '{bq.entity.table}' is not in the database")
    view = f"_pql_alloc_keys_{id(keys):x}"
    indexed = keys.append_column(ROW, pa.array(np.arange(keys.num_rows), pa.int64()))
    on = exp.and_(*(exp.EQ(this=exp.column(k, "k", quoted=True), expression=exp.column(k, "e", quoted=True))
                    for k in bq.entity.key))
    query = (exp.select(exp.column(ROW, "k", quoted=True),
                        exp.cast(exp.column(column, "e", quoted=True), exp.DataType.Type.DOUBLE))
             .from_(exp.Table(this=exp.to_identifier(view, quoted=True), alias=exp.TableAlias(this=exp.to_identifier("k", quoted=True))))
             .join(exp.Table(this=exp.to_identifier(entity.name, quoted=True), alias=exp.TableAlias(this=exp.to_identifier("e", quoted=True))),
                   on=on, join_type="LEFT")
             .order_by(exp.column(ROW, "k", quoted=True)))
    con.register(view, indexed)
    try:
        rows = con.sql(query.sql(dialect="duckdb")).fetchall()
    except duckdb.Error as e:
        raise EngineError(f"reading {entity.name}.{column} for ALLOCATE failed: {e}") from e
    finally:
        con.unregister(view)
    out = np.full(keys.num_rows, np.nan)
    for row, value in rows:  # a duplicated key in the entity table keeps the last value
        out[row] = np.nan if value is None else value
    return out


def check_cost_column(con, db: Database, bq: BoundQuery) -> None:
    """A COST column's values, checked with one query over the entity table before anything trains.

    As for a constant COST (which must be positive): a negative cost is an error, and so is a column
    that is 0 for every row (the budget would limit nothing) or null for every row (no entity has a
    cost, so none can get an arm). Some nulls or some zeros are fine: those entities get no arm, or
    are free (`allocate_query` warns about each)."""
    alloc = bq.allocate
    if alloc is None or not isinstance(alloc.cost, str):
        return
    entity = db.table(bq.entity.table)
    if entity is None:
        raise EngineError(f"entity table '{bq.entity.table}' is not in the database")
    value = exp.cast(exp.column(alloc.cost, quoted=True), exp.DataType.Type.DOUBLE)
    query = exp.select(exp.Count(this=exp.Star()), exp.Count(this=value),
                       exp.func("count_if", exp.LT(this=value, expression=exp.Literal.number(0))),
                       exp.func("count_if", exp.EQ(this=value, expression=exp.Literal.number(0))),
                       exp.Min(this=value)).from_(table_ref(entity.name))
    try:
        rows, known, negative, zero, lowest = con.sql(query.sql(dialect="duckdb")).fetchall()[0]
    except duckdb.Error as e:
        raise EngineError(f"reading {entity.name}.{alloc.cost} for ALLOCATE failed: {e}") from e
    name = f"{entity.name}.{alloc.cost}"
    if negative:
        problem = (f"a cost must not be negative, but {name} is negative in {negative:,} of {rows:,} rows "
                   f"(min {lowest:g})")
    elif rows and not known:
        problem = f"{name} is null in every row, so no entity has a cost and none can get an arm"
    elif known and zero == known:
        problem = f"a cost must be positive, but {name} is 0 in every row, so the budget would limit nothing"
    else:
        return
    raise PQLBindError(problem, text=bq.text if alloc.cost_span is not None else None, span=alloc.cost_span,
                       hint=f"COST takes a column of {entity.name} with a positive cost per entity, or a constant")


def _per_entity(spec: str | float | None, con, db: Database, bq: BoundQuery, keys: pa.Table,
                default: float) -> np.ndarray:
    if spec is None:
        return np.full(keys.num_rows, default)
    if isinstance(spec, str):
        return entity_numbers(con, db, bq, keys, spec)
    return np.full(keys.num_rows, float(spec))


def _cost_matrix(alloc: BoundAllocate, con, db: Database, bq: BoundQuery, keys: pa.Table,
                 arms: tuple[str, ...]) -> np.ndarray:
    """Cost per entity × arm, [n, A]; NaN where an entity's cost column is null."""
    if isinstance(alloc.cost, tuple):
        by_arm = dict(alloc.cost)
        return np.tile(np.array([by_arm[a] for a in arms], dtype=float), (keys.num_rows, 1))
    return np.repeat(_per_entity(alloc.cost, con, db, bq, keys, 1.0)[:, None], len(arms), axis=1)


def allocate_query(bq: BoundQuery, db: Database, con, predictions: pa.Table, *, seed: int = 0) -> QueryAllocation:
    """Solve ``bq``'s ALLOCATE clause over its uplift ``predictions`` (one row per entity)."""
    alloc = bq.allocate
    if alloc is None:
        raise EngineError("the query has no ALLOCATE clause")
    check_cost_column(con, db, bq)
    arms = arms_of(bq)
    keys = predictions.select(list(bq.entity.key))
    warnings: list[str] = []
    uplift = uplift_matrix(bq, predictions)
    if np.isnan(uplift).any():
        warnings.append(f"{int(np.isnan(uplift).any(axis=1).sum())} entities have no predicted uplift; "
                        "they get no arm")
    unit_value = _per_entity(alloc.value, con, db, bq, keys, 1.0)
    if np.isnan(unit_value).any():
        warnings.append(f"{int(np.isnan(unit_value).sum())} entities have no VALUE ({bq.entity.table}."
                        f"{alloc.value} is null); they count as worth 0")
    cost = _cost_matrix(alloc, con, db, bq, keys, arms)
    unknown_cost = np.isnan(cost).any(axis=1)
    if unknown_cost.any():
        warnings.append(f"{int(unknown_cost.sum())} entities have no COST ({bq.entity.table}.{alloc.cost} "
                        "is null); they get no arm")
    free = (cost == 0).all(axis=1)
    if free.any():
        warnings.append(f"{int(free.sum())} entities have COST 0 ({bq.entity.table}.{alloc.cost}): they are free, "
                        "so each with a positive expected gain gets an arm outside the budget")
    value = np.nan_to_num(uplift * np.nan_to_num(unit_value)[:, None])
    value[unknown_cost] = 0.0  # with cost 0 and value 0 the pair has no gain and is never chosen
    cost = np.where(unknown_cost[:, None], 0.0, cost)
    charge_cost = alloc.value is not None
    result = allocate(value, cost, budget=alloc.budget, capacity=dict(alloc.capacities) or None,
                      max_per=alloc.max_per or 1, arms=arms, seed=seed, charge_cost=charge_cost)
    if result.summary.nothing_fits:
        warnings.append(result.summary.note)
    warnings += _stacked_arms(bq, result.assignment, uplift, predictions)
    result = dataclasses.replace(result, assignment=_keyed(result.assignment, keys))
    return QueryAllocation(result=result, objective="value - cost" if charge_cost else "incremental outcome",
                           warnings=tuple(warnings))


def _stacked_arms(bq: BoundQuery, assignment: pa.Table, uplift: np.ndarray, predictions: pa.Table) -> list[str]:
    """MAX k PER with k > 1 adds up the gains of one entity's arms, each predicted as if it were the only
    one: say so, and for a yes/no outcome count the entities whose summed uplift exceeds what is left to
    gain (1 - p_control), where the plan's value is certainly overstated."""
    entity = assignment.column("entity_index").to_numpy()
    if entity.size == 0:
        return []
    counts = np.bincount(entity, minlength=uplift.shape[0])
    stacked = np.flatnonzero(counts > 1)
    if stacked.size == 0:
        return []
    per = bq.entity.table
    message = (f"{stacked.size:,} entities of {per} get more than one arm (MAX {bq.allocate.max_per} PER): the plan adds "
               "their arms' predicted gains as if each worked alone, which overstates them when arms overlap")
    if "p_control" in predictions.column_names:
        arm = assignment.column("arm_index").to_numpy()
        gained = np.bincount(entity, weights=uplift[entity, arm], minlength=uplift.shape[0])
        left = 1.0 - predictions.column("p_control").to_numpy(zero_copy_only=False).astype(float)
        over = int((gained[stacked] > left[stacked] + 1e-9).sum())
        if over:
            message += (f"; for {over:,} of them the summed uplift exceeds 1 - p_control, more than a yes/no "
                        "outcome can gain")
    return [message + "; MAX 1 PER (the default) assumes nothing of the kind"]


def _keyed(assignment: pa.Table, keys: pa.Table) -> pa.Table:
    """Replace the solver's entity index with the entity's own key column(s)."""
    index = assignment.column("entity_index")
    columns = {k: keys.column(k).take(index) for k in keys.column_names}
    for name in ("arm", "expected_incremental_value", "cost", "net_value"):
        columns[name] = assignment.column(name)
    return pa.table(columns)
