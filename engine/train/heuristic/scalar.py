"""Persistence baselines for one number per row: binary, regression, forecasting.

Binary: the condition's aggregation over the past window, oriented by the comparison (see `orient`),
ties among equal past values broken by the same aggregation over all history (so churn ranks by recent
then lifetime frequency), mapped to a probability by an isotonic fit on train. A condition with no
single direction scores its own past truth value.

Regression / forecasting: the last period's value (LTV's "last-period spend"), times one factor (1, or
the least-squares factor on train if that lowers the train MAE); rows with no past value (an empty
AVG/MIN/MAX window) get the median train label of such rows. A static target gets the train median.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from engine.train.base import Predictions, TrainInputs
from engine.train.heuristic.base import Baseline, has_window, past, train_split
from engine.train.heuristic.calibration import Calibration
from engine.train.heuristic.orient import orientation
from pql.bound import BoundExpr, BoundQuery, TaskType


def _floats(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def _squash(x: np.ndarray, center: float, scale: float) -> np.ndarray:
    """A strictly increasing map into (0, 1); NaN stays NaN."""
    return np.arctan((x - center) / (scale or 1.0)) / np.pi + 0.5


class BinaryPersistence(Baseline):
    kind = "binary_persistence"

    def __init__(self, calibration: Calibration | None = None, tie: dict[str, float] | None = None):
        self.calibration = calibration
        self.tie = tie or {"weight": 0.0, "center": 0.0, "scale": 1.0}

    def raw_scores(self, inputs: TrainInputs, rows: pa.Table,
                   target: BoundExpr | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(primary, secondary) scores [n]: the oriented past-window value and the oriented all-history
        value (zeros when the condition has no orientation). NaN where the past value is missing."""
        target = inputs.bq.target if target is None else target
        if not has_window(target):
            return np.full(rows.num_rows, np.nan), np.zeros(rows.num_rows)
        orient = orientation(target)
        if orient is None:
            truth = past(inputs, target, rows)
            return np.array([np.nan if v is None else float(bool(v)) for v in truth]), np.zeros(rows.num_rows)
        primary = orient.score(_floats(past(inputs, orient.aggregation, rows, lag=1)))
        secondary = orient.score(_floats(past(inputs, orient.aggregation, rows, lag=0)))
        return primary, np.nan_to_num(secondary, nan=0.0)

    def _combine(self, primary: np.ndarray, secondary: np.ndarray) -> np.ndarray:
        return primary + self.tie["weight"] * _squash(secondary, self.tie["center"], self.tie["scale"])

    def fit_on(self, inputs: TrainInputs, rows: pa.Table, labels: np.ndarray, target: BoundExpr | None = None) -> None:
        primary, secondary = self.raw_scores(inputs, rows, target)
        grid = np.unique(primary[~np.isnan(primary)])
        gaps = np.diff(grid)
        # half the smallest gap between distinct past values: ties are broken, order never changes
        weight = 0.5 * float(gaps.min()) if len(gaps) else 0.0
        self.tie = {"weight": weight, "center": float(np.median(secondary)) if len(secondary) else 0.0,
                    "scale": float(np.std(secondary)) or 1.0}
        self.calibration = Calibration.fit(self._combine(primary, secondary), labels)

    def fit(self, inputs: TrainInputs) -> None:
        train = train_split(inputs)
        self.fit_on(inputs, train, np.array(train.column("label").to_pylist(), dtype=bool))

    def probabilities(self, inputs: TrainInputs, rows: pa.Table, target: BoundExpr | None = None) -> np.ndarray:
        assert self.calibration is not None, "fit or load the baseline first"
        return self.calibration.apply(self._combine(*self.raw_scores(inputs, rows, target)))

    def predict(self, inputs: TrainInputs, rows: pa.Table) -> Predictions:
        return Predictions(task=TaskType.BINARY, scores=self.probabilities(inputs, rows))

    def state(self) -> dict[str, Any]:
        assert self.calibration is not None, "fit the baseline first"
        return {"calibration": self.calibration.to_json(), "tie": self.tie}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "BinaryPersistence":
        return cls(Calibration.from_json(state["calibration"]), dict(state["tie"]))


def _label_matrix(labels: list, steps: int) -> np.ndarray:
    """Labels [n, steps] (a scalar label is one step)."""
    if steps == 1:
        return _floats(labels).reshape(-1, 1)
    return np.array([[np.nan if x is None else float(x) for x in (row or [None] * steps)] for row in labels],
                    dtype=float).reshape(-1, steps)


class LastValue(Baseline):
    """Regression (scores [n]) and forecasting (scores [n, S]): the last period's value, scaled."""

    kind = "last_value"

    def __init__(self, factor: float = 1.0, fill: float = 0.0):
        self.factor, self.fill = factor, fill

    @staticmethod
    def steps(bq: BoundQuery) -> int:
        return bq.forecast if bq.task == TaskType.FORECASTING and bq.forecast else 1

    def last(self, inputs: TrainInputs, rows: pa.Table, target: BoundExpr | None = None) -> np.ndarray:
        target = inputs.bq.target if target is None else target
        if not has_window(target):
            return np.full(rows.num_rows, np.nan)
        return _floats(past(inputs, target, rows, lag=1))

    def fit_on(self, inputs: TrainInputs, rows: pa.Table, labels: list, target: BoundExpr | None = None) -> None:
        steps = self.steps(inputs.bq)
        y = _label_matrix(labels, steps)
        v = self.last(inputs, rows, target)
        known = ~np.isnan(v)
        y_all = y[~np.isnan(y)]
        y_missing = y[~known][~np.isnan(y[~known])]
        self.fill = float(np.median(y_missing)) if len(y_missing) else float(np.median(y_all)) if len(y_all) else 0.0
        vv = np.repeat(v[known], steps)
        yy = y[known].reshape(-1)
        ok = ~np.isnan(yy)
        vv, yy = vv[ok], yy[ok]
        self.factor = 1.0
        denom = float(vv @ vv)
        if denom > 0:
            least_squares = float(vv @ yy) / denom
            if np.abs(least_squares * vv - yy).mean() < np.abs(vv - yy).mean():
                self.factor = least_squares

    def fit(self, inputs: TrainInputs) -> None:
        train = train_split(inputs)
        self.fit_on(inputs, train, train.column("label").to_pylist())

    def values(self, inputs: TrainInputs, rows: pa.Table, target: BoundExpr | None = None) -> np.ndarray:
        v = self.last(inputs, rows, target)
        return np.where(np.isnan(v), self.fill, self.factor * v)

    def predict(self, inputs: TrainInputs, rows: pa.Table) -> Predictions:
        v = self.values(inputs, rows)
        steps = self.steps(inputs.bq)
        if inputs.bq.task == TaskType.FORECASTING:
            return Predictions(task=TaskType.FORECASTING, scores=np.repeat(v.reshape(-1, 1), steps, axis=1))
        return Predictions(task=TaskType.REGRESSION, scores=v)

    def state(self) -> dict[str, Any]:
        return {"factor": self.factor, "fill": self.fill}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "LastValue":
        return cls(float(state["factor"]), float(state["fill"]))
