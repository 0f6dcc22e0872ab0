"""What every heuristic baseline implements, and helpers they share."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import pyarrow as pa

from engine.train.base import Predictions, TrainInputs
from engine.train.heuristic.past import past_for_rows, shifted
from pql.bound import BoundExpr, iter_aggregations


class Baseline(ABC):
    """One task's heuristic: fitted on the train split, state as plain JSON."""

    kind: str = "abstract"

    @abstractmethod
    def fit(self, inputs: TrainInputs) -> None:
        """Fit the baseline's few numbers on ``inputs.tt.split('train')``."""

    @abstractmethod
    def predict(self, inputs: TrainInputs, rows: pa.Table) -> Predictions:
        """Outputs for ``rows`` (entity key…, anchor_time), in `Predictions`' layout for the task."""

    @abstractmethod
    def state(self) -> dict[str, Any]:
        """JSON-serialisable state; ``from_state(state())`` predicts the same."""

    @classmethod
    @abstractmethod
    def from_state(cls, state: dict[str, Any]) -> "Baseline":
        ...


def has_window(expr: BoundExpr | None) -> bool:
    """True when ``expr`` aggregates over a time window, so it has a past to look at. A static target
    (a column, or a condition on columns) has none: its "past value" would be the label itself."""
    return any(a.window is not None for a in iter_aggregations(expr))


def train_split(inputs: TrainInputs) -> pa.Table:
    return inputs.tt.split("train")


def past(inputs: TrainInputs, expr: BoundExpr, rows: pa.Table, lag: int = 1) -> list:
    """``expr`` with its windows moved ``lag`` lengths into the past (0: all history), per row."""
    return past_for_rows(inputs.con, inputs.db, inputs.bq, shifted(expr, lag), rows)
