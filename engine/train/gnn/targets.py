"""`TargetCodec`: training-table labels <-> the tensors a GNN head trains on, fitted on the train split.

What it learns from train (and saves as JSON, so a reloaded model decodes the same way):

    binary       nothing                       y [n] float 0/1
    regression   log1p or raw, label range     y [n] float (loss space chosen by the head)
    multiclass   class list (by frequency)     y [n] int class index; unseen / null -> row dropped
    multilabel   vocabulary (top MAX_LABELS)   y [n, K] float multi-hot
    forecasting  log1p or raw, label range     y [n, S] float, NaN where a step has no value
    uplift       arms ("control", arm…)        y [n] float outcome, treatment [n] int arm
    link ranking item keys (all item rows)     positives as CSR: offsets [n + 1], item positions

Heavy-tailed non-negative targets (skewness > ``LOG_SKEW``) are trained on ``log1p(y)`` with an L1
loss, which fits the median of the log (robust to a few huge values); predictions are clamped to the
train labels' range either way. Regression targets that are often 0 in train
(`engine.models.task_spec.zero_inflated`) get a hurdle head: ``P(y > 0)`` and the value given
``y > 0``, whose scale (log1p or raw) the positive labels' skew decides (see `engine.models.heads`); the
trainer picks how the two mix (``hurdle_mix``) on validation after training, and the codec keeps it.
Log-scale and hurdle regressions also keep ``output_scale``, the factor their predictions are multiplied by
(`scales_output`; the trainer fits it for the lowest MAE on training rows).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pyarrow as pa

from engine.evaluate import treatment_index
from engine.models.task_spec import TaskSpec, zero_inflated
from pql.bound import BoundQuery, TaskType
from pql.errors import EngineError, PQLInputError

MAX_LABELS = 1000
LOG_SKEW = 2.0
RANK_NEGATIVES = 8_192  # exact softmax over catalogs up to this size; shared uniform negatives beyond
PAIR_CONTEXT = 16  # entity-embedding width the ranking pair scorer reads (engine.models.ranking)


@dataclass(frozen=True, kw_only=True)
class Targets:
    """Encoded labels of a rows table, aligned with its rows; ``keep`` marks rows with a usable label."""

    keep: np.ndarray  # bool [n]
    y: np.ndarray | None = None  # float32 [n] / [n, K] / [n, S], or int64 [n] (multiclass)
    treatment: np.ndarray | None = None  # int64 [n], uplift arm (0 = control)
    pos_offsets: np.ndarray | None = None  # int64 [n + 1], link ranking
    pos_items: np.ndarray | None = None  # int64 [P], item positions


def _skewness(y: np.ndarray) -> float:
    y = y[np.isfinite(y)]
    if y.size < 3 or y.std() == 0:
        return 0.0
    return float(np.mean(((y - y.mean()) / y.std()) ** 3))


def _real_values(values: Sequence[Any]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


@dataclass(frozen=True, kw_only=True)
class TargetCodec:
    task: TaskType
    outcome: TaskType | None = None  # uplift
    classes: tuple[Any, ...] = ()  # multiclass classes, multilabel vocabulary, uplift arms
    items: tuple[Any, ...] = ()  # link ranking: item keys, in learned-table order
    num_steps: int = 0
    top_k: int = 0
    log_target: bool = False
    hurdle: bool = False  # regression: learn P(y > 0) and the value given y > 0
    hurdle_mix: str = "product"  # how the two become one prediction; the trainer picks it on validation
    output_scale: float = 1.0  # regression: the trainer's MAE calibration (GNNTrainer._calibrate_scale)
    label_range: tuple[float, float] | None = None

    # -- fitting -------------------------------------------------------------------------------

    @classmethod
    def fit(cls, bq: BoundQuery, train: pa.Table, *, item_keys: Sequence[Any] = ()) -> "TargetCodec":
        """Learn the label encoding from the train split (``item_keys``: every item row, link ranking)."""
        task = bq.task
        labels = train.column("label").to_pylist()
        if task is TaskType.MULTICLASS:
            counts = Counter(v for v in labels if v is not None)
            classes = tuple(c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))))
            if len(classes) < 2:
                raise EngineError(f"the train split has {len(classes)} distinct class(es); a classifier needs 2+")
            return cls(task=task, classes=classes)
        if task is TaskType.MULTILABEL:
            counts = Counter(v for row in labels for v in (row or ()) if v is not None)
            vocab = tuple(c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:MAX_LABELS])
            if not vocab:
                raise EngineError("no labels in the train split's lists; nothing to learn")
            return cls(task=task, classes=vocab)
        if task is TaskType.LINK_RANKING:
            if not item_keys:
                raise EngineError(f"link ranking needs the rows of the item table {bq.item_table!r}; it has none")
            return cls(task=task, items=tuple(item_keys), top_k=int(bq.rank_top or 12))
        if task is TaskType.UPLIFT:
            outcome = bq.outcome_task or TaskType.BINARY
            arms = ("control", *(bq.treatment_arms or ("treated",)))
            if outcome is TaskType.BINARY:
                return cls(task=task, outcome=outcome, classes=arms)
            return cls(task=task, outcome=outcome, classes=arms, **cls._real_scale(_real_values(labels)))
        if task is TaskType.FORECASTING:
            steps = int(bq.forecast or max((len(r or ()) for r in labels), default=1))
            flat = _real_values([v for row in labels for v in (row or ())])
            return cls(task=task, num_steps=steps, **cls._real_scale(flat))
        if task is TaskType.REGRESSION:
            y = _real_values(labels)
            if not zero_inflated(y):
                return cls(task=task, **cls._real_scale(y))
            # the value part only ever sees positive labels: their skew decides its scale
            positive = cls._real_scale(y[y > 0])
            return cls(task=task, hurdle=True, log_target=positive["log_target"],
                       label_range=cls._real_scale(y)["label_range"])
        return cls(task=task)

    @staticmethod
    def _real_scale(y: np.ndarray) -> dict[str, Any]:
        finite = y[np.isfinite(y)]
        if finite.size == 0:
            raise EngineError("the train split has no numeric labels; nothing to learn")
        low, high = float(finite.min()), float(finite.max())
        return {"log_target": bool(low >= 0 and _skewness(finite) > LOG_SKEW), "label_range": (low, high)}

    @property
    def scales_output(self) -> bool:
        """Whether predictions get a fitted ``output_scale``: a regression trained on ``log1p(y)`` or with a
        hurdle, whose mixed prediction's scale the loss does not pin down (see `GNNTrainer._calibrate_scale`)."""
        return self.task is TaskType.REGRESSION and (self.log_target or self.hurdle)

    # -- the head's task -----------------------------------------------------------------------

    def spec(self) -> TaskSpec:
        """The `TaskSpec` of the model head; uplift always learns a propensity head (see the trainer)."""
        t = self.task
        try:
            return TaskSpec(
                task=t,
                num_classes=len(self.classes) if t is TaskType.MULTICLASS else 0,
                num_labels=len(self.classes) if t is TaskType.MULTILABEL else 0,
                num_steps=self.num_steps, num_items=len(self.items), top_k=self.top_k,
                num_negatives=RANK_NEGATIVES, item_history=t is TaskType.LINK_RANKING,
                pair_context=PAIR_CONTEXT if t is TaskType.LINK_RANKING else 0,
                item_bias=t is not TaskType.LINK_RANKING,  # the item trend reads popularity at the anchor
                outcome=self.outcome,
                num_arms=len(self.classes) if t is TaskType.UPLIFT else 2,
                propensity=t is TaskType.UPLIFT, log_target=self.log_target, hurdle=self.hurdle,
                hurdle_mix=self.hurdle_mix, output_scale=self.output_scale, label_range=self.label_range)
        except PQLInputError as e:
            raise EngineError(f"cannot set up the GNN for this {t} target: {e}") from e

    # -- encoding ------------------------------------------------------------------------------

    def encode(self, rows: pa.Table) -> Targets:
        """Labels (and treatments) of ``rows`` as arrays; rows without a usable label get ``keep = False``."""
        labels = rows.column("label").to_pylist()
        n = len(labels)
        t = self.task
        if t is TaskType.BINARY:
            keep = np.array([v is not None for v in labels], dtype=bool)
            return Targets(keep=keep, y=np.array([bool(v) for v in labels], dtype=np.float32))
        if t is TaskType.REGRESSION:
            y = _real_values(labels)
            return Targets(keep=np.isfinite(y), y=y.astype(np.float32))
        if t is TaskType.MULTICLASS:
            index = {c: i for i, c in enumerate(self.classes)}
            y = np.array([index.get(v, -1) if v is not None else -1 for v in labels], dtype=np.int64)
            return Targets(keep=y >= 0, y=y)
        if t is TaskType.MULTILABEL:
            index = {c: i for i, c in enumerate(self.classes)}
            y = np.zeros((n, len(self.classes)), dtype=np.float32)
            for i, row in enumerate(labels):
                for v in row or ():
                    if v in index:
                        y[i, index[v]] = 1.0
            return Targets(keep=np.array([v is not None for v in labels], dtype=bool), y=y)
        if t is TaskType.FORECASTING:
            y = np.full((n, self.num_steps), np.nan, dtype=np.float32)
            for i, row in enumerate(labels):
                values = _real_values(list(row or ())[: self.num_steps])
                y[i, : len(values)] = values
            return Targets(keep=np.isfinite(y).any(axis=1), y=y)
        if t is TaskType.UPLIFT:
            y = _real_values(labels)
            return Targets(keep=np.isfinite(y), y=y.astype(np.float32),
                           treatment=treatment_index(rows, self.classes).astype(np.int64))
        if t is TaskType.LINK_RANKING:
            return self._encode_links(labels)
        raise EngineError(f"the GNN trainer has no label encoding for {t}")

    def _encode_links(self, labels: list) -> Targets:
        index = {k: i for i, k in enumerate(self.items)}
        offsets, flat = [0], []
        for row in labels:
            flat += sorted({index[v] for v in row or () if v in index})
            offsets.append(len(flat))
        offsets_arr = np.array(offsets, dtype=np.int64)
        return Targets(keep=np.diff(offsets_arr) > 0, pos_offsets=offsets_arr,
                       pos_items=np.array(flat, dtype=np.int64))

    # -- persistence ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task.value, "outcome": self.outcome.value if self.outcome else None,
                "classes": list(self.classes), "items": list(self.items), "num_steps": self.num_steps,
                "top_k": self.top_k, "log_target": self.log_target, "hurdle": self.hurdle,
                "hurdle_mix": self.hurdle_mix, "output_scale": self.output_scale,
                "label_range": list(self.label_range) if self.label_range is not None else None}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TargetCodec":
        return cls(task=TaskType(d["task"]), outcome=TaskType(d["outcome"]) if d.get("outcome") else None,
                   classes=tuple(d["classes"]), items=tuple(d["items"]), num_steps=int(d["num_steps"]),
                   top_k=int(d["top_k"]), log_target=bool(d["log_target"]), hurdle=bool(d.get("hurdle", False)),
                   hurdle_mix=str(d.get("hurdle_mix", "product")), output_scale=float(d.get("output_scale", 1.0)),
                   label_range=tuple(d["label_range"]) if d.get("label_range") is not None else None)
