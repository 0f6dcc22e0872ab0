"""EVALUATE's yardstick: the heuristic baseline scored on the same validation and test rows as the model.

A metric means little alone (is a test AUROC of 0.71 good for this target?). The persistence
heuristic (`engine.train.heuristic_trainer`: the target's own value over the previous window) is what
a data scientist would try first, and costs one aggregation, so EVALUATE scores it beside the model
and reports both: a model that does not beat it has learnt nothing the target's history did not say.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import pyarrow as pa

from engine.evaluate import decision_threshold, score
from engine.train.base import TrainInputs
from pql.errors import PQLError

if TYPE_CHECKING:
    from engine.train.heuristic_trainer import HeuristicTrainer

NAME = "heuristic"


def validated(inputs: TrainInputs) -> tuple[HeuristicTrainer, float, dict[str, float]]:
    """The heuristic fitted on the training rows, its decision threshold and its validation metrics (a yes/no
    target's at that threshold, as ``WITH model = 'heuristic'`` reports them); raises `PQLError` where it
    cannot be computed."""
    from engine.train.heuristic_trainer import HeuristicTrainer

    trainer = HeuristicTrainer()
    val = trainer.fit(inputs)
    threshold, at_threshold = decision_threshold(inputs.bq, inputs, trainer)
    return trainer, threshold, {**val, **at_threshold}


def baseline_metrics(inputs: TrainInputs, test: pa.Table, log: Callable[[str], None]) -> dict[str, dict[str, float]]:
    """``{"val": metrics, "test": metrics}`` of the heuristic fitted on the training rows, a yes/no target's
    at the heuristic's own decision threshold (`validated`); ``{}`` (with a note) where it cannot be
    computed, which must not cost the model's own evaluation."""
    try:
        trainer, threshold, val = validated(inputs)
        keys = test.select([*inputs.bq.entity.key, "anchor_time"])
        test_metrics = score(inputs.bq, test, trainer.predict(inputs, keys), threshold=threshold)
    except PQLError as e:
        log(f"note: no heuristic baseline for comparison: {e}")
        return {}
    return {"val": val, "test": test_metrics}
