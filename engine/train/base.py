"""The contract every model family implements, and the predictions it hands back.

A trainer sees the query (`BoundQuery`), the database and its connection, and the `TrainingTable`
(labelled rows with splits, plus the rows to predict). It never sees anything else about the user's
request, so `engine.run` can train, compare, save and reload any family the same way.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyarrow as pa

from engine.labels import TrainingTable
from engine.schema.model import Database
from pql.bound import BoundQuery, TaskType


@dataclass(frozen=True, kw_only=True)
class TrainInputs:
    con: Any  # duckdb.DuckDBPyConnection with the user's tables
    db: Database
    bq: BoundQuery
    tt: TrainingTable
    seed: int = 0
    device: str = "cpu"  # resolved: 'cpu' or 'cuda'
    epochs: int | None = None
    time_budget: float | None = None  # seconds this trainer may spend, when known
    log: Callable[[str], None] = field(default=lambda msg: None)
    show_progress: bool = False
    # memo shared by the trainers of one run: under model = 'auto' LightGBM and the GNN read the same
    # tabular feature tables, which are computed once (engine.train.lgbm.features.FeatureCache)
    shared: dict[str, Any] = field(default_factory=dict)

    def option(self, name: str, default: Any = None) -> Any:
        return self.bq.option(name, default)

    @property
    def wants_refit(self) -> bool:
        """Whether the kept model trains again on train + validation (`engine.run`): ``WITH refit``, else
        only for a split by time. There the validation rows are the newest labels (measured: it helps on
        every time-split benchmark); a random split's are like any other, and on Hillstrom the refit lost
        Qini (LightGBM visit 0.058 -> 0.049), so a cohort or static target keeps its validated model."""
        value = self.bq.option("refit")
        if value is not None:
            return bool(value)
        return not (self.tt.schedule.cohort or self.tt.schedule.static)


@dataclass(frozen=True, kw_only=True)
class Predictions:
    """Model outputs for a rows table (entity key…, anchor_time), row-aligned.

    binary      scores [n]            P(label = true)
    regression  scores [n]            predicted value
    multiclass  scores [n, K]         class probabilities; ``classes`` names the K columns
    multilabel  scores [n, K]         per-label probabilities; ``classes`` names them
    forecasting scores [n, S]         one value per future timeframe
    uplift      scores [n, A + 1]     outcome under control (column 0) and under each arm;
                                      ``classes`` = ("control", arm…) (a plain treatment has one arm)
    link_ranking items [n, k] item keys (object array) and scores [n, k], best first; None past a row's
                                      last item when it has fewer than k (the result table drops those)
    """

    task: TaskType
    scores: np.ndarray
    classes: tuple[Any, ...] = ()
    items: np.ndarray | None = None


class Trainer(ABC):
    """One model family (GNN, LightGBM, a heuristic baseline)."""

    name: str = "abstract"

    @abstractmethod
    def fit(self, inputs: TrainInputs) -> dict[str, float]:
        """Train on the 'train' split with early stopping on 'val'; return validation metrics."""

    def refit(self, inputs: TrainInputs) -> bool:
        """Train again on 'train' + 'val' with what validation chose (epochs, rounds), so predictions
        learn from the newest labels; True when the model changed. Families with nothing to refit keep
        this default."""
        return False

    @abstractmethod
    def predict(self, inputs: TrainInputs, rows: pa.Table) -> Predictions:
        """Predict for ``rows`` (entity key…, anchor_time): test rows or the prediction rows."""

    @abstractmethod
    def save(self, directory: Path) -> None:
        """Write everything needed to predict again (no pickle of arbitrary objects)."""

    @classmethod
    @abstractmethod
    def load(cls, directory: Path, inputs: TrainInputs) -> "Trainer":
        """Rebuild a trained model written by `save`."""
