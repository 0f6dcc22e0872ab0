"""Uplift baseline: everyone gets the same treatment effect, the difference in mean outcome between
treated and control rows of train (per arm for a categorical treatment).

The per-row outcome level comes from the outcome's own persistence baseline (binary or regression), so
the outcome metrics are meaningful; the uplift itself is a constant, so its Qini is that of a random
ordering. That is the point of the baseline: a model earns its keep only by ranking who responds.
Scores [n, A + 1]: column 0 the outcome under control, column j under arm j.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa

from engine.evaluate import treatment_index
from engine.train.base import Predictions, TrainInputs
from engine.train.heuristic.base import Baseline, train_split
from engine.train.heuristic.scalar import BinaryPersistence, LastValue
from pql.bound import TaskType


def arms_of(inputs: TrainInputs) -> tuple[str, ...]:
    return ("control", *(inputs.bq.treatment_arms or ("treated",)))


class ConstantUplift(Baseline):
    kind = "constant_uplift"

    def __init__(self, outcome: BinaryPersistence | LastValue | None = None, offsets: tuple[float, ...] = (),
                 classes: tuple[str, ...] = ()):
        self.outcome, self.offsets, self.classes = outcome, tuple(offsets), tuple(classes)

    @staticmethod
    def _binary(inputs: TrainInputs) -> bool:
        return inputs.bq.outcome_task == TaskType.BINARY

    def fit(self, inputs: TrainInputs) -> None:
        train = train_split(inputs)
        labels = train.column("label").to_pylist()
        y = np.array([np.nan if v is None else float(v) for v in labels], dtype=float)
        if self._binary(inputs):
            self.outcome = BinaryPersistence()
            self.outcome.fit_on(inputs, train, np.nan_to_num(y).astype(bool))
        else:
            self.outcome = LastValue()
            self.outcome.fit_on(inputs, train, labels)
        self.classes = arms_of(inputs)
        arm = treatment_index(train, self.classes)
        overall = float(np.nanmean(y)) if len(y) else 0.0
        # offset of each arm's mean outcome from the overall mean; an arm never seen in train gets 0
        self.offsets = tuple(float(np.nanmean(y[arm == j])) - overall if (arm == j).any() else 0.0
                             for j in range(len(self.classes)))

    def predict(self, inputs: TrainInputs, rows: pa.Table) -> Predictions:
        assert self.outcome is not None, "fit or load the baseline first"
        if isinstance(self.outcome, BinaryPersistence):
            base = self.outcome.probabilities(inputs, rows)
        else:
            base = self.outcome.values(inputs, rows)
        offsets = np.asarray(self.offsets, dtype=float)
        effects = offsets[1:] - offsets[0]  # each arm's uplift, computed once: the same for every row
        control = base + offsets[0]
        if self._binary(inputs):  # keep control and every arm in [0, 1] without clipping the uplift away
            control = np.clip(control, max(0.0, -float(effects.min(initial=0.0))),
                              min(1.0, 1.0 - float(effects.max(initial=0.0))))
        control, effects = _on_grid(control, effects)
        scores = np.column_stack([control, *(control + e for e in effects)])
        return Predictions(task=TaskType.UPLIFT, scores=scores, classes=self.classes)

    def state(self) -> dict[str, Any]:
        assert self.outcome is not None, "fit the baseline first"
        return {"outcome_kind": self.outcome.kind, "outcome": self.outcome.state(), "offsets": list(self.offsets),
                "classes": list(self.classes)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "ConstantUplift":
        kinds = {BinaryPersistence.kind: BinaryPersistence, LastValue.kind: LastValue}
        outcome = kinds[state["outcome_kind"]].from_state(state["outcome"])
        return cls(outcome, tuple(state["offsets"]), tuple(state["classes"]))


def _on_grid(control: np.ndarray, effects: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``control`` [n] and ``effects`` [A] rounded to one power-of-two grid fine enough to change no
    value by more than ~1e-13 of the largest, so ``(control + e) - control`` is exactly ``e`` on every
    row: consumers take the uplift as a difference of score columns, and float rounding there would
    otherwise make the constant uplift differ in the last bits and rank rows after all."""
    finite = np.abs(np.r_[control[np.isfinite(control)], effects])
    largest = float(finite.max(initial=0.0))
    if largest == 0.0:
        return control, effects
    quantum = 2.0 ** (math.frexp(largest)[1] - 48)  # sums of two grid values up to 2·largest stay exact
    return np.round(control / quantum) * quantum, np.round(effects / quantum) * quantum
