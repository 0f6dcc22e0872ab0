"""Which way a binary target's aggregation points, so its past value can serve as a score.

``COUNT(purchase.*, 0, 30) > 0``: more past purchases -> more likely true, score = value.
``COUNT(purchase.*, 0, 90) = 0`` (churn): fewer -> more likely true, score = -|value - 0|.
``MIN(qualifying.position, 0, 30) <= 3``: a lower past position -> more likely true, score = -value.
Any other condition (AND/OR, text matches, several aggregations) has no single direction; the
heuristic then scores the condition itself evaluated on the past window (true 1, false 0).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pql.bound import BAggregation, BCompare, BLiteral, BNot, BoundExpr

_FLIP = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "!=": "!=", "<>": "!="}
_NEGATE = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "=": "!=", "!=": "=", "<>": "="}


@dataclass(frozen=True, kw_only=True)
class Orientation:
    """score(value) = ``sign * value`` (kind 'linear') or ``sign * |value - ref|`` (kind 'distance')."""

    aggregation: BAggregation
    kind: str
    sign: float
    ref: float = 0.0

    def score(self, values: np.ndarray) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        return self.sign * (v if self.kind == "linear" else np.abs(v - self.ref))


def orientation(target: BoundExpr) -> Orientation | None:
    """The orientation of ``agg <op> number`` (either side, possibly under NOT), else None."""
    negated = False
    while isinstance(target, BNot):
        target, negated = target.item, not negated
    if not isinstance(target, BCompare):
        return None
    op, left, right = target.op, target.left, target.right
    if isinstance(left, BLiteral) and isinstance(right, BAggregation):
        op, left, right = _FLIP[op], right, left
    if not (isinstance(left, BAggregation) and isinstance(right, BLiteral) and right.kind == "number"
            and left.window is not None):
        return None
    if negated:
        op = _NEGATE[op]
    ref = float(right.value)
    if op in (">", ">="):
        return Orientation(aggregation=left, kind="linear", sign=1.0, ref=ref)
    if op in ("<", "<="):
        return Orientation(aggregation=left, kind="linear", sign=-1.0, ref=ref)
    return Orientation(aggregation=left, kind="distance", sign=-1.0 if op == "=" else 1.0, ref=ref)
