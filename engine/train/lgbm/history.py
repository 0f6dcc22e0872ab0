"""The target's own history as features: "what this target was over the last windows like it".

For a target such as ``COUNT(orders.*, 0, 30, days) > 0`` the aggregation ``COUNT(orders.*)`` is
evaluated over the past windows of the same length ending at the anchor -- lag 1 ``(-30, 0]``,
lag 2 ``(-60, -30]``, lag 3 -- and over all history (lag 0), plus the whole condition over lag 1.
An uplift query adds its treatment's aggregations over lag 1 and all history (past exposure).
Values come from the label compiler run on shifted windows (`engine.train.heuristic.past`), so they
follow the label's own FK paths, filters and empty-window rules and never read a row after the anchor.

A `HistoryFeature` is saved as (where, which aggregation, lag) and rebuilt from the bound query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from engine.schema.model import SemanticType
from engine.train.heuristic.past import past_for_rows, shifted
from pql.bound import BAggregation, BArith, BColumn, BLiteral, BoundExpr, BoundQuery, iter_aggregations
from pql.errors import EngineError

_CATEGORICAL = (SemanticType.CATEGORICAL, SemanticType.TEXT, SemanticType.ID, SemanticType.MULTICATEGORICAL)
WHOLE = -1  # aggregation index meaning "the whole target condition"


def _windowed(expr: BoundExpr | None) -> list[BAggregation]:
    out: list[BAggregation] = []
    for agg in iter_aggregations(expr):
        if agg.window is not None and agg.func != "LIST_DISTINCT" and agg not in out:
            out.append(agg)
    return out


def _expression(bq: BoundQuery, where: str, index: int) -> BoundExpr:
    if where == "target" and index == WHOLE:
        return bq.target
    source = bq.target if where == "target" else bq.assuming
    aggs = _windowed(source)
    if index >= len(aggs):
        raise EngineError(f"the saved LightGBM model reads {where} aggregation {index}, which this query "
                          "lacks; retrain")
    return aggs[index]


@dataclass(frozen=True, kw_only=True)
class HistoryFeature:
    name: str
    where: str  # 'target' | 'assuming'
    index: int  # aggregation index in `_windowed(where)`, or WHOLE
    lag: int  # 1, 2, 3 … windows back; 0 = all history
    categorical: bool
    expression: Any = None  # the shifted BoundExpr (rebuilt from the query, not saved)

    def values(self, con, db, bq: BoundQuery, seeds: pa.Table) -> pa.Array:
        """The feature for each seed row (key…, anchor_time), row-aligned; null where undefined."""
        raw = past_for_rows(con, db, bq, self.expression, seeds)
        if self.categorical:
            return pa.array([None if v is None else str(v) for v in raw], pa.string()).dictionary_encode()
        return pa.array([None if v is None else float(v) for v in raw], pa.float64())

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "where": self.where, "index": self.index, "lag": self.lag,
                "categorical": self.categorical}

    @classmethod
    def from_dict(cls, d: dict[str, Any], bq: BoundQuery) -> "HistoryFeature":
        base = _expression(bq, d["where"], int(d["index"]))
        return cls(name=d["name"], where=d["where"], index=int(d["index"]), lag=int(d["lag"]),
                   categorical=bool(d["categorical"]), expression=shifted(base, int(d["lag"])))


def _name(where: str, agg: BAggregation | None, lag: int, *, index: int | None = None) -> str:
    """``index`` tells apart aggregations that differ only in their windows (or filters)."""
    what = "condition" if agg is None else f"{agg.func.lower()}_{agg.table}_{_subject_word(agg)}"
    what += "" if index is None else f"_{index}"
    return f"history__{where}__{what}__{'all' if lag == 0 else f'lag{lag}'}"


_OP_WORDS = {"+": "plus", "-": "minus", "*": "times", "/": "per"}
_MAX_FORMULA_WORD = 48  # a long formula's word is cut; `_same_name` still tells colliding ones apart


def _subject_word(agg: BAggregation) -> str:
    """The column, ``rows`` for ``table.*``, or a formula in words (``quantity_times_unit_price``): a
    feature name must be one plain word, safe as a file and column name."""
    if agg.formula is None:
        return agg.column or "rows"
    word = re.sub(r"[^0-9A-Za-z_]+", "_", _formula_words(agg.formula)).strip("_")
    return word[:_MAX_FORMULA_WORD].rstrip("_") or "formula"


def _formula_words(expr: BoundExpr) -> str:
    if isinstance(expr, BColumn):
        return expr.column
    if isinstance(expr, BLiteral):
        return str(expr.value).replace(".", "p").replace("-", "minus")
    if isinstance(expr, BArith):
        left = _formula_words(expr.left)
        if expr.op == "-" and isinstance(expr.left, BLiteral) and expr.left.value == 0:  # how `-x` binds
            left = ""
        return f"{left}_{_OP_WORDS[expr.op]}_{_formula_words(expr.right)}"
    return "value"


def _same_name(aggs: list[BAggregation]) -> set[int]:
    """Indices of aggregations whose plain names collide (``SUM(x, 0, 30) < SUM(x, -30, 0)``)."""
    names = [(a.func, a.table, _subject_word(a)) for a in aggs]
    return {i for i, n in enumerate(names) if names.count(n) > 1}


def history_columns(bq: BoundQuery, *, lags: tuple[int, ...], max_aggregations: int) -> tuple[HistoryFeature, ...]:
    """The history features of ``bq`` (none for a static target: its past would be the label)."""
    out: list[HistoryFeature] = []
    specs: list[tuple[str, list[BAggregation], tuple[int, ...]]] = [
        ("target", _windowed(bq.target)[:max_aggregations], lags)]
    if bq.assuming is not None:
        specs.append(("assuming", _windowed(bq.assuming)[:max_aggregations], tuple(l for l in lags if l in (0, 1))))
    for where, aggs, where_lags in specs:
        clash = _same_name(aggs)
        for index, agg in enumerate(aggs):
            done: set[int] = set()
            for lag in where_lags:
                lag = 0 if agg.window.start is None else lag  # every lag of a -INF window is all history
                if lag in done:
                    continue
                done.add(lag)
                out.append(HistoryFeature(name=_name(where, agg, lag, index=index if index in clash else None),
                                          where=where, index=index, lag=lag,
                                          categorical=agg.result_stype in _CATEGORICAL,
                                          expression=shifted(agg, lag)))
    if _windowed(bq.target) and not isinstance(bq.target, BAggregation):
        out.append(HistoryFeature(name=_name("target", None, 1), where="target", index=WHOLE, lag=1,
                                  categorical=False, expression=shifted(bq.target, 1)))
    return tuple(out)
