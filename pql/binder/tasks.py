"""Task type from the target's shape (DESIGN.md, "Task type follows the target's shape")."""
from __future__ import annotations

from engine.schema.model import SemanticType
from pql.binder import kinds
from pql.binder.expressions import MAX_WINDOW_DAYS
from pql.binder.context import BindContext
from pql.bound import (BAggregation, BAnd, BColumn, BCompare, BIn, BIsNull, BLike, BLiteral, BMatch, BNot, BOr,
                       UNIT_DAYS, BoundExpr, TaskType)
from pql.span import Span

CONDITIONS = (BCompare, BIn, BLike, BMatch, BIsNull, BAnd, BOr, BNot)


def infer_task(ctx: BindContext, target: BoundExpr, *, rank_top: int | None, classify: bool,
               forecast: int | None, assuming: bool, item_is_key: bool, span: Span | None) -> TaskType:
    """The task a target asks for; records an error (and returns a best guess) when the shape and the
    clauses disagree, e.g. RANK TOP on a number."""
    base = _shape(target, item_is_key=item_is_key, db=ctx.db)
    if rank_top is not None and base not in (TaskType.LINK_RANKING, TaskType.MULTILABEL):
        ctx.error("RANK TOP k ranks items: it needs a LIST_DISTINCT(<table>.<foreign key>, …) target", span)
    if isinstance(target, BAggregation) and target.func == "LIST_DISTINCT":
        if item_is_key and rank_top is None and not classify:
            ctx.error("LIST_DISTINCT of a foreign key predicts which items: add RANK TOP k (a ranking) or "
                      "CLASSIFY (one yes/no per item)", span)
        if classify or not item_is_key:
            base = TaskType.MULTILABEL
            if rank_top is not None and not item_is_key:
                column = target.column or "*"
                ctx.note(f"{target.table}.{column} links to no table, so its values are the labels (a yes/no "
                         f"each, multilabel); RANK TOP {rank_top} keeps the {rank_top} likeliest per entity. "
                         f"Linked to a table (WITH schema = 'fk {target.table}.{column} -> <table>'), it would rank "
                         f"that table's rows, with their columns and links")
        else:
            base = TaskType.LINK_RANKING
    if classify and not (isinstance(target, BAggregation) and target.func == "LIST_DISTINCT"):
        ctx.error("CLASSIFY turns a LIST_DISTINCT target into one yes/no per item; this target is a "
                  f"{base} task already", span, hint="drop CLASSIFY")
    if forecast is not None:
        if assuming:
            ctx.error(f"ASSUMING (uplift) needs a yes/no or numeric target, not a {TaskType.FORECASTING} target",
                      span, hint="drop FORECAST … TIMEFRAMES to predict the uplift over one window, or drop "
                                 "ASSUMING to forecast")
        if base != TaskType.REGRESSION or not isinstance(target, BAggregation) or target.window is None:
            ctx.error("FORECAST n TIMEFRAMES needs a numeric aggregation over a time window, "
                      "e.g. SUM(orders.amount, 0, 7, days)", span)
        elif target.window.start is not None:
            w = target.window
            reach = forecast * (w.end - w.start) * UNIT_DAYS.get(w.unit, 1.0)
            if reach > MAX_WINDOW_DAYS:
                ctx.error(f"{forecast} timeframes reach {reach / 365.25:,.0f} years ahead; at most "
                          f"{MAX_WINDOW_DAYS // 365.25:.0f} years", span)
        return TaskType.FORECASTING
    if assuming:
        if base not in (TaskType.BINARY, TaskType.REGRESSION):
            ctx.error(f"ASSUMING (uplift) needs a yes/no or numeric target, not a {base} target", span)
        return TaskType.UPLIFT
    return base


def _shape(target: BoundExpr, *, item_is_key: bool, db) -> TaskType:
    if isinstance(target, CONDITIONS):
        return TaskType.BINARY
    if isinstance(target, BLiteral):
        return TaskType.BINARY if target.kind == "boolean" else TaskType.REGRESSION
    if isinstance(target, BAggregation):
        if target.func == "LIST_DISTINCT":
            return TaskType.LINK_RANKING if item_is_key else TaskType.MULTILABEL
        if target.func in ("FIRST", "LAST", "MIN", "MAX") and kinds.value_kind(target, db) == kinds.BOOLEAN:
            return TaskType.BINARY
        return _from_stype(target.result_stype)
    if isinstance(target, BColumn):
        if "BOOL" in target.dtype.upper():
            return TaskType.BINARY
        return _from_stype(target.stype)
    return TaskType.REGRESSION


def _from_stype(stype: SemanticType) -> TaskType:
    if stype in (SemanticType.CATEGORICAL, SemanticType.ID, SemanticType.TEXT):
        return TaskType.MULTICLASS
    if stype == SemanticType.MULTICATEGORICAL:
        return TaskType.MULTILABEL
    return TaskType.REGRESSION
