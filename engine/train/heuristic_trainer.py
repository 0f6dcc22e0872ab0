"""The heuristic baseline: what a data scientist tries first, for any query, with no model at all.

It predicts the target's *persistence*: the target's own aggregation over the past window of the same
length ending at the anchor (`engine.train.heuristic.past`), turned into the task's output:

    binary        the condition's past aggregation, oriented by the comparison, calibrated (isotonic)
    regression    the last period's value, times one least-squares factor when that helps on train
    forecasting   the last period's value for every future step, scaled the same way
    multiclass    the entity's most frequent recent class, else the train class distribution
    multilabel    per label, its train rate when it was / was not in the last past window
    link ranking  the entity's own recent items by frequency, then the most popular items
    uplift        the outcome's persistence plus one constant treated-minus-control difference

Its state is a few numbers in ``heuristic.json``. ``WITH model = 'heuristic'`` selects it; it is not
part of ``model = 'auto'``.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from engine import saved_json
from engine.evaluate import score
from engine.train.base import Predictions, Trainer, TrainInputs
from engine.train.heuristic.base import Baseline
from engine.train.heuristic.categorical import ModeClass, PastLabels, Popularity
from engine.train.heuristic.scalar import BinaryPersistence, LastValue
from engine.train.heuristic.uplift import ConstantUplift
from pql.bound import TaskType
from pql.errors import EngineError

STATE_FILE = "heuristic.json"
FORMAT_VERSION = 1
BASELINES: dict[TaskType, type[Baseline]] = {
    TaskType.BINARY: BinaryPersistence,
    TaskType.REGRESSION: LastValue,
    TaskType.FORECASTING: LastValue,
    TaskType.MULTICLASS: ModeClass,
    TaskType.MULTILABEL: PastLabels,
    TaskType.LINK_RANKING: Popularity,
    TaskType.UPLIFT: ConstantUplift,
}


class HeuristicTrainer(Trainer):
    name = "heuristic"

    def __init__(self, baseline: Baseline | None = None):
        self.baseline = baseline

    def fit(self, inputs: TrainInputs) -> dict[str, float]:
        self.baseline = BASELINES[inputs.bq.task]()
        inputs.log(f"heuristic: {self.baseline.kind} baseline for {inputs.bq.task}")
        self.baseline.fit(inputs)
        val = inputs.tt.split("val")
        if val.num_rows == 0:
            return {}
        return score(inputs.bq, val, self.predict(inputs, val.select([*inputs.bq.entity.key, "anchor_time"])))

    def predict(self, inputs: TrainInputs, rows: pa.Table) -> Predictions:
        if self.baseline is None:
            raise EngineError("the heuristic baseline must be fitted or loaded before it predicts")
        return self.baseline.predict(inputs, rows)

    def save(self, directory: Path) -> None:
        if self.baseline is None:
            raise EngineError("nothing to save: the heuristic baseline was never fitted")
        payload = {"format": FORMAT_VERSION, "kind": self.baseline.kind, "state": self.baseline.state()}
        try:
            (Path(directory) / STATE_FILE).write_text(saved_json.dumps(payload), encoding="utf-8")
        except (OSError, TypeError, ValueError) as e:  # TypeError: a class value JSON cannot hold
            raise EngineError(f"cannot save the heuristic baseline to {directory}: {e}") from e

    @classmethod
    def load(cls, directory: Path, inputs: TrainInputs) -> "HeuristicTrainer":
        path = Path(directory) / STATE_FILE
        try:
            payload = saved_json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise EngineError(f"cannot read the saved heuristic baseline {path}: {e}") from e
        baseline_cls = BASELINES[inputs.bq.task]
        if payload.get("format") != FORMAT_VERSION or payload.get("kind") != baseline_cls.kind:
            raise EngineError(f"{path} holds a {payload.get('kind')!r} baseline (format {payload.get('format')}), "
                              f"not the {baseline_cls.kind!r} this {inputs.bq.task} query needs; retrain")
        return cls(baseline_cls.from_state(payload["state"]))
