"""The LightGBM family: automatic relational features + gradient-boosted trees, behind `Trainer`.

    rows (key…, anchor) ─▶ features (engine.train.lgbm.features: relational aggregates over the query's
                           tables, windows scaled to the target window, plus the target's own history)
                        ─▶ one head per task (engine.train.lgbm.heads / uplift / ranking)

- binary, regression (L2 or L1, raw or log1p for a heavy-tailed non-negative target: chosen on
  validation; clamped to the train range), multiclass (≤ 50 most frequent train classes), multilabel
  (one-vs-rest over the ≤ 50 most frequent train labels), forecasting (a regression per step);
- link ranking scores (entity, candidate item) pairs (`engine.train.lgbm.ranking`);
- uplift: T-learner by default, X-learner on request (`engine.train.lgbm.uplift`), with a propensity
  check that warns when the treatment looks non-randomised.

Every model stops early on the validation split; `refit` then trains each kept model again on train +
validation for its best rounds (`engine.models.lightgbm_refit`). Training is deterministic for a given
seed (LightGBM ``deterministic`` mode, seeded subsampling); threads: ``PQL_LGBM_THREADS``, else
``OMP_NUM_THREADS``, else 2. Saved state (no pickle): ``lightgbm.json`` and one LightGBM text model per sub-model under
``models/<name>/``.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pyarrow as pa

from engine import saved_json
from engine.evaluate import score
from engine.metrics import query_metric, shown
from engine.models.lightgbm_deadline import deadline_passed, training_deadline
from engine.models.lightgbm_model import LightGBMModel
from engine.models.lightgbm_progress import boosting_progress
from engine.models.lightgbm_refit import keep_fit_material
from engine.train.base import Predictions, Trainer, TrainInputs
from engine.train.lgbm.features import ANCHOR, FeatureCache, FeatureSource, feature_matrix
from engine.train.lgbm.heads import (BinaryHead, FitData, ForecastHead, Head, MulticlassHead, MultilabelHead,
                                     RegressionHead)
from engine.train.lgbm.ranking import RankingModel
from engine.train.lgbm.settings import LGBMSettings
from engine.train.lgbm.uplift import UpliftHead
from pql.bound import TaskType
from pql.errors import EngineError

STATE_FILE = "lightgbm.json"
MODELS_DIR = "models"
FORMAT_VERSION = 1
HEADS: dict[str, type[Head]] = {h.kind: h for h in (BinaryHead, RegressionHead, MulticlassHead, MultilabelHead,
                                                     ForecastHead, UpliftHead)}


class LightGBMTrainer(Trainer):
    name = "lightgbm"

    def __init__(self, *, settings: LGBMSettings | None = None, source: FeatureSource | None = None,
                 head: Head | RankingModel | None = None, uplift_learner: str | None = None):
        self.settings, self.source, self.head = settings, source, head
        self.uplift_learner = uplift_learner  # None: LGBMSettings' default ('t', or the environment's)
        self._cache: FeatureCache | None = None

    # -- training ------------------------------------------------------------------------------

    def fit(self, inputs: TrainInputs) -> dict[str, float]:
        bq, tt = inputs.bq, inputs.tt
        started = time.perf_counter()
        self.settings = LGBMSettings.from_inputs(inputs, uplift_learner=self.uplift_learner)
        s = self.settings
        self.source = FeatureSource.for_query(bq, tt.label_columns, lags=s.history_lags,
                                              max_aggregations=s.max_history_aggregations, max_features=s.max_features)
        if tt.label_columns:
            inputs.log("lightgbm: the target's own column(s) "
                       f"{', '.join(f'{t}.{c}' for t, c in tt.label_columns)} are left out of the features")
        train, val = tt.split("train"), tt.split("val")
        if train.num_rows == 0:
            raise EngineError("no training rows: the target's windows do not fit in the data's history")
        inputs.log(f"lightgbm: {bq.task} on {train.num_rows:,} train / {val.num_rows:,} validation rows, "
                   f"{s.num_threads} thread(s), seed {s.seed}")
        with (training_deadline(inputs.time_budget), keep_fit_material(inputs.wants_refit),
              boosting_progress(inputs.show_progress)):
            self._fit_head(inputs, train, val)
            out_of_time = deadline_passed()
        if out_of_time:
            inputs.log(f"lightgbm: boosting stopped at the {inputs.time_budget:.0f}s time budget")
        metrics = score(bq, val, self.predict(inputs, val.select([*bq.entity.key, ANCHOR]))) if val.num_rows else {}
        metric, _ = query_metric(bq)
        inputs.log(f"lightgbm: {bq.task} trained in {time.perf_counter() - started:.1f}s; validation "
                   f"{metric} {shown(metrics.get(metric))}")
        return metrics

    def refit(self, inputs: TrainInputs) -> bool:
        """Each model the head kept trains again on train + validation for its best rounds (see
        `engine.models.lightgbm_refit`); the head's choices made on validation stay."""
        if self.head is None:
            raise EngineError("the LightGBM model must be fitted before it is refitted")
        started = time.perf_counter()
        with training_deadline(inputs.time_budget), boosting_progress(inputs.show_progress):
            done = [name for name, model in self.head.models().items() if model.refit()]
        if done:
            inputs.log(f"lightgbm: refitted {len(done)} model(s) on train + validation in "
                       f"{time.perf_counter() - started:.1f}s")
        return bool(done)

    def _fit_head(self, inputs: TrainInputs, train: pa.Table, val: pa.Table) -> None:
        bq, tt, s = inputs.bq, inputs.tt, self.settings
        if bq.task is TaskType.LINK_RANKING:
            self.head = RankingModel(k=int(bq.rank_top or 12))
            self.head.fit(inputs.con, inputs.db, bq, self.source, s, train, val, inputs.log)
        else:
            self.head = self._new_head(inputs)
            features = self._features(inputs).prime(inputs.con, inputs.db, bq, {
                "train": train, "val": val, "test": tt.split("test")})
            key = self.source.key
            X_val = feature_matrix(features["val"], key) if "val" in features else None
            self.head.fit(FitData(X_train=feature_matrix(features["train"], key),
                                  y_train=train.column("label").to_pylist(), X_val=X_val,
                                  y_val=val.column("label").to_pylist() if X_val is not None else [],
                                  settings=s, log=inputs.log, rows_train=train, rows_val=val,
                                  metric=query_metric(bq)[0]))

    def _new_head(self, inputs: TrainInputs) -> Head:
        bq = inputs.bq
        if bq.task is TaskType.UPLIFT:
            return UpliftHead(classes=("control", *(bq.treatment_arms or ("treated",))),
                              binary=(bq.outcome_task or TaskType.BINARY) is TaskType.BINARY,
                              learner=self.settings.uplift_learner)
        if bq.task is TaskType.FORECASTING:
            return ForecastHead(steps=int(bq.forecast or 0))
        head = HEADS.get(bq.task.value)
        if head is None:
            raise EngineError(f"the LightGBM trainer does not handle {bq.task} tasks")
        return head()

    def _features(self, inputs: TrainInputs) -> FeatureCache:
        if self._cache is None or self._cache.source is not self.source:
            self._cache = FeatureCache(self.source, inputs.log, store=inputs.shared.setdefault("feature_tables", {}))
        return self._cache

    # -- prediction ----------------------------------------------------------------------------

    def predict(self, inputs: TrainInputs, rows: pa.Table) -> Predictions:
        if self.head is None or self.source is None or self.settings is None:
            raise EngineError("the LightGBM model must be fitted or loaded before it predicts")
        rows = rows.select([*self.source.key, ANCHOR])
        if isinstance(self.head, RankingModel):
            return self.head.predict(inputs.con, inputs.db, inputs.bq, self.source, self.settings, rows)
        features = self._features(inputs).get(inputs.con, inputs.db, inputs.bq, rows)
        return self.head.predict(feature_matrix(features, self.source.key))

    # -- persistence ---------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        if self.head is None or self.source is None or self.settings is None:
            raise EngineError("nothing to save: the LightGBM model was never fitted")
        directory = Path(directory)
        models = self.head.models()
        state = {"format": FORMAT_VERSION, "kind": self.head.kind, "settings": self.settings.to_dict(),
                 "source": self.source.to_dict(), "head": self.head.state(), "models": sorted(models)}
        try:
            text = saved_json.dumps(state)
        except (TypeError, ValueError) as e:
            raise EngineError("cannot save the LightGBM model: a class or item key is not JSON-serialisable "
                              f"({e})") from e
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for name, model in models.items():
                model.save(directory / MODELS_DIR / name)
            (directory / STATE_FILE).write_text(text, encoding="utf-8")
        except OSError as e:
            raise EngineError(f"cannot save the LightGBM model to {directory}: {e}") from e

    @classmethod
    def load(cls, directory: Path, inputs: TrainInputs) -> "LightGBMTrainer":
        path = Path(directory) / STATE_FILE
        try:
            state = saved_json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise EngineError(f"cannot read the saved LightGBM model {path}: {e}") from e
        if state.get("format") != FORMAT_VERSION:
            raise EngineError(f"{path} is LightGBM format {state.get('format')}, this pql reads "
                              f"{FORMAT_VERSION}; retrain")
        expected = RankingModel.kind if inputs.bq.task is TaskType.LINK_RANKING else inputs.bq.task.value
        if state.get("kind") != expected:
            raise EngineError(f"{path} holds a {state.get('kind')!r} model, not the {expected!r} this query "
                              "needs; retrain")
        models = {name: LightGBMModel.load(Path(directory) / MODELS_DIR / name) for name in state["models"]}
        head_cls: Any = RankingModel if expected == RankingModel.kind else HEADS[expected]
        return cls(settings=LGBMSettings.from_dict(state["settings"]),
                   source=FeatureSource.from_dict(state["source"], inputs.bq),
                   head=head_cls.from_state(state["head"], models))
