"""Per-task heads: how labels become one or more `LightGBMModel`s, and their outputs `Predictions`.

    binary       one binary model                              scores [n]
    regression   one regression model (loss and log1p chosen on validation, see `fit_regression`); a target
                 that is often 0: or P(y > 0) and the value given y > 0 (hurdle) in either mix of
                 HURDLE_MIXES, by validation MAE (or the regression metric ``WITH metric`` names)
    multiclass   one multiclass model over the ≤ max_classes most frequent train classes  [n, K]
    multilabel   one-vs-rest: a binary model per label, for the ≤ max_labels most frequent train
                 labels; a label that is always or never present in train gets its constant rate  [n, K]
    forecasting  one regression model per future step                                    [n, S]

A head's state is JSON (`state`) plus its named models (`models`), saved by the trainer as LightGBM
text files; `from_state` rebuilds it.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import pyarrow as pa

from engine.metrics import LOWER_IS_BETTER, SELECTABLE, regression_metrics
from engine.models.lightgbm_model import LightGBMModel
from engine.models.task_spec import HURDLE_MIXES, mix_hurdle, zero_inflated
from engine.train.base import Predictions
from engine.train.lgbm.settings import LGBMSettings
from pql.bound import TaskType
from pql.errors import EngineError

LOG_SKEW = 2.0  # a non-negative target this skewed may be fitted on log1p (validation decides)


@dataclass(frozen=True, kw_only=True)
class FitData:
    """One head's training material: feature matrices (no key columns) and raw labels."""

    X_train: pa.Table
    y_train: list
    X_val: pa.Table | None
    y_val: list
    settings: LGBMSettings
    log: Callable[[str], None]
    rows_train: pa.Table | None = None  # labelled rows (treatment lives here for uplift)
    rows_val: pa.Table | None = None
    metric: str = "mae"  # what validation picks a regression's loss, scale and hurdle mix by (WITH metric)


class Head(ABC):
    kind: str = "abstract"

    @abstractmethod
    def fit(self, data: FitData) -> None: ...

    @abstractmethod
    def predict(self, X: pa.Table) -> Predictions: ...

    @abstractmethod
    def models(self) -> dict[str, LightGBMModel]: ...

    @abstractmethod
    def state(self) -> dict[str, Any]: ...

    @classmethod
    @abstractmethod
    def from_state(cls, state: dict[str, Any], models: dict[str, LightGBMModel]) -> "Head": ...


# -- helpers ------------------------------------------------------------------------------------


def floats(values: Sequence) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def rows_where(X: pa.Table, keep: np.ndarray) -> pa.Table:
    return X.filter(pa.array(np.asarray(keep, dtype=bool)))


def skewness(y: np.ndarray) -> float:
    y = y[np.isfinite(y)]
    if y.size < 3 or y.std() == 0:
        return 0.0
    return float(np.mean(((y - y.mean()) / y.std()) ** 3))


def fit_binary(X_tr: pa.Table, y_tr: np.ndarray, X_va: pa.Table | None, y_va: np.ndarray | None,
               settings: LGBMSettings, *, seed_offset: int = 0) -> LightGBMModel:
    if len(np.unique(y_tr)) < 2:
        raise EngineError("the train split has only one label value; a classifier needs both")
    has_val = X_va is not None and y_va is not None and len(y_va) > 0
    return LightGBMModel(settings.config(seed_offset=seed_offset)).fit(
        X_tr, y_tr.astype(np.float64), X_va if has_val else None, y_va.astype(np.float64) if has_val else None,
        TaskType.BINARY)


REGRESSION_CHOICE = SELECTABLE[TaskType.REGRESSION]  # metrics a regression's choices may follow


def choice_metric(metric: str) -> tuple[str, float]:
    """The regression metric validation choices follow (MAE unless ``metric`` is another of
    `REGRESSION_CHOICE`), and the sign that makes it a loss."""
    name = metric if metric in REGRESSION_CHOICE else "mae"
    return name, (1.0 if name in LOWER_IS_BETTER else -1.0)


def validation_loss(metric: str, y: np.ndarray, p: np.ndarray) -> float:
    """`choice_metric` on validation as a loss (lower is better); an undefined value (a constant
    prediction's Spearman) loses to any defined one."""
    name, sign = choice_metric(metric)
    value = regression_metrics(y, p)[name]
    return sign * value if np.isfinite(value) else float("inf")


def fit_regression(X_tr: pa.Table, y_tr: np.ndarray, X_va: pa.Table | None, y_va: np.ndarray | None,
                   settings: LGBMSettings, log: Callable[[str], None], *, what: str = "",
                   seed_offset: int = 0, metric: str = "mae") -> LightGBMModel:
    """A regression model whose loss (L2 or L1) and target scale (raw or log1p, the latter only for a
    non-negative target with skewness > `LOG_SKEW`) give the best validation ``metric`` (MAE, or
    another of `REGRESSION_CHOICE`). Predictions are clamped to the train labels' range
    (`LightGBMModel`)."""
    if len(y_tr) == 0:
        raise EngineError(f"no training rows with a value{' for ' + what if what else ''}")
    log_target = bool(y_tr.min() >= 0 and skewness(y_tr) > LOG_SKEW)
    has_val = X_va is not None and y_va is not None and len(y_va) > 0
    losses = ("l2", "l1") if has_val else ("l2",)
    best: tuple[float, LightGBMModel, str] | None = None
    for loss in losses:
        config = settings.config(seed_offset=seed_offset, regression_loss=loss, log_target=log_target)
        model = LightGBMModel(config).fit(X_tr, y_tr, X_va if has_val else None, y_va if has_val else None,
                                          TaskType.REGRESSION)
        value = validation_loss(metric, y_va, model.predict(X_va)) if has_val else float("nan")
        if best is None or value < best[0]:
            best = (value, model, loss)
    assert best is not None
    scale = "log1p" if log_target else "raw"
    if has_val:
        name, sign = choice_metric(metric)
        log(f"lightgbm: {what or 'regression'}: {best[2]} loss on {scale} target (validation {name} "
            f"{sign * best[0]:.4g}), best iteration {best[1].best_iteration}")
    return best[1]


def _labelled(X: pa.Table | None, y: list, usable: Callable[[Any], bool]) -> tuple[pa.Table | None, list]:
    if X is None:
        return None, []
    keep = np.array([usable(v) for v in y], dtype=bool)
    return rows_where(X, keep), [v for v, k in zip(y, keep) if k]


# -- heads --------------------------------------------------------------------------------------


class BinaryHead(Head):
    kind = "binary"

    def __init__(self, model: LightGBMModel | None = None):
        self.model = model

    def fit(self, data: FitData) -> None:
        X_tr, y_tr = _labelled(data.X_train, data.y_train, lambda v: v is not None)
        X_va, y_va = _labelled(data.X_val, data.y_val, lambda v: v is not None)
        self.model = fit_binary(X_tr, np.array(y_tr, dtype=bool), X_va, np.array(y_va, dtype=bool), data.settings)
        data.log(f"lightgbm: binary model, best iteration {self.model.best_iteration}")

    def predict(self, X: pa.Table) -> Predictions:
        return Predictions(task=TaskType.BINARY, scores=self.model.predict(X))

    def models(self) -> dict[str, LightGBMModel]:
        return {"binary": self.model}

    def state(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_state(cls, state: dict[str, Any], models: dict[str, LightGBMModel]) -> "BinaryHead":
        return cls(models["binary"])


class RegressionHead(Head):
    """One regression model; for a target that is often 0 (`engine.models.task_spec.zero_inflated`, as
    in the GNN) also a hurdle model — a binary model of ``P(y > 0)`` and a regression model of the
    value given ``y > 0``, fitted on the positive rows only, whose two predictions are mixed either way of
    `engine.models.task_spec.HURDLE_MIXES` — and the one with the better validation metric is kept (as
    `fit_regression` picks its loss: MAE unless ``WITH metric`` names another regression metric)."""

    kind = "regression"

    def __init__(self, model: LightGBMModel | None = None, *, positive: LightGBMModel | None = None,
                 value: LightGBMModel | None = None, label_range: tuple[float, float] | None = None,
                 mix: str = "product"):
        self.model, self.positive, self.value, self.label_range = model, positive, value, label_range
        self.mix = mix  # how the hurdle's two predictions become one (HURDLE_MIXES)

    def fit(self, data: FitData) -> None:
        finite = lambda v: v is not None and np.isfinite(float(v))  # noqa: E731
        X_tr, y_tr = _labelled(data.X_train, data.y_train, finite)
        X_va, y_va = _labelled(data.X_val, data.y_val, finite)
        y_tr, y_va = floats(y_tr), floats(y_va)
        single = fit_regression(X_tr, y_tr, X_va, y_va, data.settings, data.log, metric=data.metric)
        if not zero_inflated(y_tr):
            self.model = single
            return
        hurdle = self._fit_hurdle(X_tr, y_tr, X_va, y_va, data)
        if X_va is None or len(y_va) == 0:
            data.log("lightgbm: the target is often 0; no validation rows, keeping the hurdle model")
            self.positive, self.value, self.label_range = hurdle.positive, hurdle.value, hurdle.label_range
            return
        mixes = {"single model": None, **{f"hurdle ({mix})": mix for mix in HURDLE_MIXES}}
        p, amount = hurdle.positive.predict(X_va), hurdle.value.predict(X_va)  # once for both mixes
        predicted = {name: single.predict(X_va) if mix is None else hurdle._mixed(p, amount, mix)
                     for name, mix in mixes.items()}
        loss = {name: validation_loss(data.metric, y_va, scores) for name, scores in predicted.items()}
        pick = min(loss, key=loss.get)
        name, sign = choice_metric(data.metric)
        data.log(f"lightgbm: {np.mean(y_tr == 0):.0%} of the training targets are 0; validation {name} "
                 + ", ".join(f"{choice} {sign * value:.4g}" for choice, value in loss.items())
                 + f": keeping the {pick}")
        if mixes[pick] is None:
            self.model = single
        else:
            self.positive, self.value, self.label_range = hurdle.positive, hurdle.value, hurdle.label_range
            self.mix = mixes[pick]

    @staticmethod
    def _fit_hurdle(X_tr: pa.Table, y_tr: np.ndarray, X_va: pa.Table | None, y_va: np.ndarray,
                    data: FitData) -> "RegressionHead":
        """``P(y > 0)`` on every row, the value on the positive rows (a negative label is "not positive")."""
        on_tr, on_va = y_tr > 0, y_va > 0
        positive = fit_binary(X_tr, on_tr, X_va, on_va, data.settings)
        value = fit_regression(rows_where(X_tr, on_tr), y_tr[on_tr],
                               rows_where(X_va, on_va) if X_va is not None else None, y_va[on_va],
                               data.settings, data.log, what="the value when positive", seed_offset=1,
                               metric=data.metric)
        return RegressionHead(positive=positive, value=value, label_range=(float(y_tr.min()), float(y_tr.max())))

    def predict(self, X: pa.Table) -> Predictions:
        if self.model is not None:
            return Predictions(task=TaskType.REGRESSION, scores=self.model.predict(X))
        return Predictions(task=TaskType.REGRESSION,
                           scores=self._mixed(self.positive.predict(X), self.value.predict(X), self.mix))

    def _mixed(self, p: np.ndarray, value: np.ndarray, mix: str) -> np.ndarray:
        return np.clip(mix_hurdle(p, value, mix), *self.label_range)

    def models(self) -> dict[str, LightGBMModel]:
        if self.model is not None:
            return {"regression": self.model}
        return {"positive": self.positive, "value": self.value}

    def state(self) -> dict[str, Any]:
        return {"label_range": list(self.label_range), "mix": self.mix} if self.label_range is not None else {}

    @classmethod
    def from_state(cls, state: dict[str, Any], models: dict[str, LightGBMModel]) -> "RegressionHead":
        if "regression" in models:
            return cls(models["regression"])
        return cls(positive=models["positive"], value=models["value"], label_range=tuple(state["label_range"]),
                   mix=state.get("mix", "product"))


class MulticlassHead(Head):
    kind = "multiclass"

    def __init__(self, model: LightGBMModel | None = None):
        self.model = model

    def fit(self, data: FitData) -> None:
        counts = Counter(v for v in data.y_train if v is not None)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        kept = {c for c, _ in ranked[: data.settings.max_classes]}
        if len(kept) < 2:
            raise EngineError(f"the train split has {len(kept)} distinct class(es); a classifier needs 2+")
        if len(ranked) > len(kept):
            data.log(f"lightgbm: {len(ranked)} classes in train; keeping the {len(kept)} most frequent "
                     f"(rows of rarer classes are left out of training)")
        X_tr, y_tr = _labelled(data.X_train, data.y_train, lambda v: v in kept)
        X_va, y_va = _labelled(data.X_val, data.y_val, lambda v: v in kept)
        has_val = X_va is not None and len(y_va) > 0
        self.model = LightGBMModel(data.settings.config()).fit(
            X_tr, np.array(y_tr, dtype=object), X_va if has_val else None,
            np.array(y_va, dtype=object) if has_val else None, TaskType.MULTICLASS)
        data.log(f"lightgbm: multiclass model over {len(kept)} classes, best iteration {self.model.best_iteration}")

    def predict(self, X: pa.Table) -> Predictions:
        return Predictions(task=TaskType.MULTICLASS, scores=self.model.predict(X), classes=tuple(self.model.classes))

    def models(self) -> dict[str, LightGBMModel]:
        return {"multiclass": self.model}

    def state(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_state(cls, state: dict[str, Any], models: dict[str, LightGBMModel]) -> "MulticlassHead":
        return cls(models["multiclass"])


class MultilabelHead(Head):
    """One-vs-rest over the most frequent train labels (at most ``settings.max_labels``)."""

    kind = "multilabel"

    def __init__(self, labels: Sequence[Any] = (), constants: dict[int, float] | None = None,
                 label_models: dict[int, LightGBMModel] | None = None):
        self.labels = tuple(labels)
        self.constants = dict(constants or {})  # label index -> train rate, for labels without a model
        self.label_models = dict(label_models or {})

    @staticmethod
    def _indicator(rows: list, label: Any) -> np.ndarray:
        return np.array([label in (r or ()) for r in rows], dtype=bool)

    def fit(self, data: FitData) -> None:
        counts = Counter(v for row in data.y_train for v in (row or ()) if v is not None)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        self.labels = tuple(c for c, _ in ranked[: data.settings.max_labels])
        if not self.labels:
            raise EngineError("no labels in the train split's lists; nothing to learn")
        X_tr, y_tr = _labelled(data.X_train, data.y_train, lambda v: v is not None)
        X_va, y_va = _labelled(data.X_val, data.y_val, lambda v: v is not None)
        for j, label in enumerate(self.labels):
            y = self._indicator(y_tr, label)
            if y.all() or not y.any():
                self.constants[j] = float(y.mean())
                continue
            yv = self._indicator(y_va, label) if X_va is not None else None
            self.label_models[j] = fit_binary(X_tr, y, X_va, yv, data.settings, seed_offset=j)
        data.log(f"lightgbm: one-vs-rest over {len(self.labels)} labels ({len(self.label_models)} models"
                 f"{', of ' + str(len(ranked)) + ' labels in train' if len(ranked) > len(self.labels) else ''})")

    def predict(self, X: pa.Table) -> Predictions:
        scores = np.zeros((X.num_rows, len(self.labels)), dtype=np.float64)
        for j in range(len(self.labels)):
            scores[:, j] = self.label_models[j].predict(X) if j in self.label_models else self.constants[j]
        return Predictions(task=TaskType.MULTILABEL, scores=scores, classes=self.labels)

    def models(self) -> dict[str, LightGBMModel]:
        return {f"label_{j}": m for j, m in self.label_models.items()}

    def state(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "constants": {str(j): v for j, v in self.constants.items()}}

    @classmethod
    def from_state(cls, state: dict[str, Any], models: dict[str, LightGBMModel]) -> "MultilabelHead":
        label_models = {int(name.split("_", 1)[1]): m for name, m in models.items()}
        return cls(state["labels"], {int(j): v for j, v in state["constants"].items()}, label_models)


class ForecastHead(Head):
    """One regression model per future step (step s predicts the s-th window after the anchor)."""

    kind = "forecasting"

    def __init__(self, steps: int = 0, step_models: Sequence[LightGBMModel] = ()):
        self.steps = steps
        self.step_models = list(step_models)

    def fit(self, data: FitData) -> None:
        if self.steps <= 0:
            self.steps = max((len(r or ()) for r in data.y_train), default=0)
        if self.steps <= 0:
            raise EngineError("the forecast labels have no steps; nothing to learn")

        def step(rows: list, s: int) -> np.ndarray:
            return floats([(r[s] if r is not None and len(r) > s else None) for r in rows])

        self.step_models = []
        for s in range(self.steps):
            y = step(data.y_train, s)
            keep = np.isfinite(y)
            X_va = yv = None
            if data.X_val is not None:
                yv_all = step(data.y_val, s)
                keep_v = np.isfinite(yv_all)
                X_va, yv = rows_where(data.X_val, keep_v), yv_all[keep_v]
            self.step_models.append(fit_regression(rows_where(data.X_train, keep), y[keep], X_va, yv, data.settings,
                                                   data.log, what=f"step {s + 1}", seed_offset=s,
                                                   metric=data.metric))

    def predict(self, X: pa.Table) -> Predictions:
        scores = np.stack([m.predict(X) for m in self.step_models], axis=1) if self.step_models else \
            np.zeros((X.num_rows, 0))
        return Predictions(task=TaskType.FORECASTING, scores=scores)

    def models(self) -> dict[str, LightGBMModel]:
        return {f"step_{s}": m for s, m in enumerate(self.step_models)}

    def state(self) -> dict[str, Any]:
        return {"steps": self.steps}

    @classmethod
    def from_state(cls, state: dict[str, Any], models: dict[str, LightGBMModel]) -> "ForecastHead":
        steps = int(state["steps"])
        return cls(steps, [models[f"step_{s}"] for s in range(steps)])
