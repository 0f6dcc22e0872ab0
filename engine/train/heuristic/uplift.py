"""Uplift baseline: everyone gets the same treatment effect, the difference in mean outcome between
treated and control rows of train (per arm for a categorical treatment).

The per-row outcome level comes from the outcome's own persistence baseline (binary or regression), so
the outcome metrics are meaningful; the uplift itself is a constant, so its Qini is that of a random
ordering. That is the point of the baseline: a model earns its keep only by ranking who responds.
Scores [n, A + 1]: column 0 the outcome under control, column j under arm j.
"""
from __future__ import annotations

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
        scores = base.reshape(-1, 1) + np.asarray(self.offsets, dtype=float).reshape(1, -1)
        if self._binary(inputs):
            scores = np.clip(scores, 0.0, 1.0)
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
