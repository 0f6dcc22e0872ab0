"""`TaskSpec`: what a model predicts, with which loss, and how its quality is scored.

Shared by the GNN, the LightGBM model and the training loop, so it imports no torch. The task types
are the binder's (`pql.bound.TaskType`); a spec adds the sizes a model needs (classes, labels,
forecast steps, uplift arms), the loss, the label transform and the selection metric with its
direction.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

from pql.bound import TaskType
from pql.errors import PQLInputError

# Losses each task accepts; the first is the default.
LOSSES: dict[TaskType, tuple[str, ...]] = {
    TaskType.BINARY: ("bce",),
    TaskType.REGRESSION: ("l1", "huber", "mse"),
    TaskType.MULTICLASS: ("cross_entropy",),
    TaskType.MULTILABEL: ("bce",),
    TaskType.LINK_RANKING: ("softmax", "bpr"),
    TaskType.FORECASTING: ("l1", "huber", "mse"),
    TaskType.UPLIFT: ("bce", "l1", "huber", "mse"),  # the outcome's loss
}

# Selection metric and whether higher is better (as in RelBench where it has the task).
METRICS: dict[TaskType, tuple[str, bool]] = {
    TaskType.BINARY: ("auroc", True),
    TaskType.REGRESSION: ("mae", False),
    TaskType.MULTICLASS: ("accuracy", True),
    TaskType.MULTILABEL: ("auprc_macro", True),
    TaskType.LINK_RANKING: ("map", True),
    TaskType.FORECASTING: ("mae", False),
    TaskType.UPLIFT: ("qini", True),
}

_OUTCOMES = (TaskType.BINARY, TaskType.REGRESSION)

HURDLE_ZERO_SHARE = 0.1
HURDLE_NEGATIVE_SHARE = 0.05

# How a hurdle's P(y > 0) and value given y > 0 become one prediction; both families keep the one with
# the lower validation MAE. "product": P * value (the expected value, were the value a mean). "log":
# expm1(P * log1p(value)), the expected log1p(y) mapped back: it shrinks an unlikely buyer's prediction
# harder, so a customer who will probably spend nothing no longer ranks above a likely small spender
# for a large basket (generated LTV at 3,000 customers, GNN over three seeds: test Spearman
# 0.758 -> 0.765, MAE 316 -> 307).
HURDLE_MIXES = ("product", "log")


def mix_hurdle(p: np.ndarray, value: np.ndarray, how: str) -> np.ndarray:
    """One prediction from a hurdle's ``P(y > 0)`` and value given ``y > 0`` (see `HURDLE_MIXES`)."""
    if how == "log":
        return np.expm1(p * np.log1p(np.maximum(value, 0.0)))
    return p * value


def mae_scale(y: np.ndarray, p: np.ndarray, *, bounds: tuple[float, float] = (0.1, 10.0)) -> float:
    """The factor ``c`` minimising ``mean |y - c p|`` over rows with a finite label: the median of
    ``y / p`` weighted by ``p`` (``|y - c p| = p |y / p - c|`` for ``p > 0``), kept within ``bounds``;
    1 where no prediction is positive."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    keep = np.isfinite(y) & np.isfinite(p) & (p > 0)
    if not keep.any():
        return 1.0
    ratio, weight = y[keep] / p[keep], p[keep]
    order = np.argsort(ratio)
    cumulative = np.cumsum(weight[order])
    c = float(ratio[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])
    return float(np.clip(c, *bounds))


def zero_inflated(labels: Sequence[float]) -> bool:
    """Whether a regression target gets a hurdle model (``P(y > 0)`` and the value given ``y > 0``):
    at least ``HURDLE_ZERO_SHARE`` of the finite labels are 0, some are positive and at most
    ``HURDLE_NEGATIVE_SHARE`` are negative (net spend after a few returns; a signed target such as
    profit is not one)."""
    y = np.array([np.nan if v is None else float(v) for v in labels], dtype=np.float64)
    y = y[np.isfinite(y)]
    if y.size == 0:
        return False
    return (float(np.mean(y == 0)) >= HURDLE_ZERO_SHARE and bool((y > 0).any())
            and float(np.mean(y < 0)) <= HURDLE_NEGATIVE_SHARE)


@dataclass(frozen=True, kw_only=True)
class TaskSpec:
    """One prediction task. Empty ``loss``/``metric`` mean "the task's default".

    Uplift arms: index 0 is control, 1.. are treatments (``num_arms`` counts control).
    Regression-like targets (regression, forecasting, regression uplift) may be trained on
    ``log1p(y)`` (``log_target``, non-negative labels only) and have predictions clamped to
    ``label_range`` (the training labels' range, see `with_label_range`). A ``hurdle`` regression
    (non-negative targets that are often exactly 0, such as next quarter's spend) has two outputs: the
    logit of ``P(y > 0)`` and the value given ``y > 0`` (see `engine.models.heads`), mixed into one
    prediction as ``hurdle_mix`` says (`HURDLE_MIXES`).
    """

    task: TaskType
    num_classes: int = 0  # multiclass
    num_labels: int = 0  # multilabel
    num_steps: int = 0  # forecasting
    num_items: int = 0  # link ranking: size of a learned item table (0: items embedded by the caller)
    top_k: int = 0  # link ranking: how many items are returned and scored (MAP@k)
    num_negatives: int = 64  # link ranking: sampled negatives per positive (BPR) or per batch (softmax)
    item_history: bool = False  # link ranking: add a learned weight times the entity's past item counts
    pair_context: int = 0  # link ranking with item_history: entity-embedding width the pair scorer reads
    item_bias: bool = True  # link ranking with a learned item table: a static learned bias per item
    outcome: TaskType | None = None  # uplift: BINARY or REGRESSION
    num_arms: int = 2  # uplift
    propensity: bool = False  # uplift: also learn P(arm | x)
    loss: str = ""
    log_target: bool = False
    hurdle: bool = False  # regression: P(y > 0) and the value given y > 0 (zero-inflated targets)
    hurdle_mix: str = "product"  # hurdle: how P(y > 0) and the value become one prediction (HURDLE_MIXES)
    output_scale: float = 1.0  # regression: predictions are multiplied by it, then clamped to label_range
    label_range: tuple[float, float] | None = None
    metric: str = ""
    higher_is_better: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "task", TaskType(self.task))
        if self.outcome is not None:
            object.__setattr__(self, "outcome", TaskType(self.outcome))
        if self.label_range is not None:
            object.__setattr__(self, "label_range", (float(self.label_range[0]), float(self.label_range[1])))
        allowed = LOSSES[self.task]
        if not self.loss:
            default = allowed[0]
            if self.task is TaskType.UPLIFT:
                default = "bce" if self.outcome is TaskType.BINARY else "l1"
            object.__setattr__(self, "loss", default)
        if not self.metric:
            metric, higher = METRICS[self.task]
            object.__setattr__(self, "metric", metric)
            if self.higher_is_better is None:
                object.__setattr__(self, "higher_is_better", higher)
        if self.higher_is_better is None:
            raise PQLInputError(f"metric '{self.metric}' needs higher_is_better")
        self._check(allowed)

    def _check(self, allowed: tuple[str, ...]) -> None:
        t = self.task
        if self.loss not in allowed:
            raise PQLInputError(f"loss '{self.loss}' does not fit a {t} task; use one of {', '.join(allowed)}")
        if t is TaskType.MULTICLASS and self.num_classes < 2:
            raise PQLInputError(f"a multiclass task needs at least 2 classes, got {self.num_classes}")
        if t is TaskType.MULTILABEL and self.num_labels < 1:
            raise PQLInputError("a multilabel task needs at least 1 label")
        if t is TaskType.FORECASTING and self.num_steps < 1:
            raise PQLInputError("a forecasting task needs at least 1 step")
        if t is TaskType.UPLIFT:
            if self.outcome not in _OUTCOMES:
                raise PQLInputError(f"an uplift outcome must be binary or regression, got {self.outcome}")
            if self.num_arms < 2:
                raise PQLInputError("uplift needs a control arm and at least one treatment arm")
            if (self.outcome is TaskType.BINARY) != (self.loss == "bce"):
                raise PQLInputError(f"loss '{self.loss}' does not fit a {self.outcome} uplift outcome")
        if self.pair_context < 0:
            raise PQLInputError(f"pair_context must be 0 or more, got {self.pair_context}")
        if t is TaskType.LINK_RANKING and self.num_negatives < 1:
            raise PQLInputError("link ranking needs at least 1 sampled negative")
        if self.hurdle and t is not TaskType.REGRESSION:
            raise PQLInputError(f"a hurdle head applies to regression, not to a {t} task")
        if self.hurdle_mix not in HURDLE_MIXES:
            raise PQLInputError(f"hurdle_mix must be one of {', '.join(HURDLE_MIXES)}, got {self.hurdle_mix!r}")
        if self.log_target and not self.is_real_valued:
            raise PQLInputError(f"log_target applies to real-valued targets, not to a {t} task")
        if self.label_range is not None:
            lo, hi = self.label_range
            if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
                raise PQLInputError(f"label_range must be finite with low <= high, got {self.label_range}")

    @property
    def is_real_valued(self) -> bool:
        """Regression, forecasting, or uplift on a regression outcome."""
        return self.task in (TaskType.REGRESSION, TaskType.FORECASTING) or (
            self.task is TaskType.UPLIFT and self.outcome is TaskType.REGRESSION
        )

    @property
    def out_channels(self) -> int:
        """Width of the raw model output per entity (link ranking: 0, it scores item embeddings)."""
        t = self.task
        if t is TaskType.REGRESSION:
            return 2 if self.hurdle else 1
        if t is TaskType.BINARY:
            return 1
        if t is TaskType.MULTICLASS:
            return self.num_classes
        if t is TaskType.MULTILABEL:
            return self.num_labels
        if t is TaskType.FORECASTING:
            return self.num_steps
        if t is TaskType.UPLIFT:
            return self.num_arms * (2 if self.propensity else 1)
        return 0

    def with_label_range(self, low: float, high: float) -> TaskSpec:
        """A copy that clamps predictions to ``[low, high]`` (the training labels' range)."""
        return TaskSpec.from_dict({**self.to_dict(), "label_range": [low, high]})

    def better(self, a: float, b: float) -> bool:
        """Whether metric value ``a`` is strictly better than ``b``."""
        return a > b if self.higher_is_better else a < b

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form; `from_dict` inverts it."""
        d = asdict(self)
        d["task"] = self.task.value
        d["outcome"] = self.outcome.value if self.outcome is not None else None
        d["label_range"] = list(self.label_range) if self.label_range is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TaskSpec:
        d = dict(d)
        if d.get("label_range") is not None:
            d["label_range"] = tuple(d["label_range"])
        return cls(**d)
