"""EVALUATE's yardstick: the heuristic baseline scored on the same validation and test rows as the model.

A metric means little alone (is a test AUROC of 0.71 good for this target?). The persistence
heuristic (`engine.train.heuristic_trainer`: the target's own value over the previous window) is what
a data scientist would try first, and costs one aggregation, so EVALUATE scores it beside the model
and reports both: a model that does not beat it has learnt nothing the target's history did not say.
"""
from __future__ import annotations

from typing import Callable

import pyarrow as pa

from engine.evaluate import score
from engine.train.base import TrainInputs
from pql.errors import PQLError

NAME = "heuristic"


def baseline_metrics(inputs: TrainInputs, test: pa.Table, log: Callable[[str], None]) -> dict[str, dict[str, float]]:
    """``{"val": metrics, "test": metrics}`` of the heuristic fitted on the training rows; ``{}`` (with a
    note) where it cannot be computed, which must not cost the model's own evaluation."""
    from engine.train.heuristic_trainer import HeuristicTrainer

    trainer = HeuristicTrainer()
    try:
        val = trainer.fit(inputs)
        keys = test.select([*inputs.bq.entity.key, "anchor_time"])
        test_metrics = score(inputs.bq, test, trainer.predict(inputs, keys))
    except PQLError as e:
        log(f"note: no heuristic baseline for comparison: {e}")
        return {}
    return {"val": val, "test": test_metrics}
