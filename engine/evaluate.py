"""Scoring a trainer's predictions on a labelled split, whatever the task."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from engine.metrics import (AT_THRESHOLD, binary_metrics, multiclass_metrics, multilabel_metrics, ranking_metrics,
                            regression_metrics)
from engine.train.base import Predictions, Trainer, TrainInputs
from pql.bound import BoundQuery, TaskType


def _labels(rows: pa.Table) -> list:
    return rows.column("label").to_pylist()


def treatment_index(rows: pa.Table, classes: tuple) -> np.ndarray:
    """Per row, the column of ``Predictions.scores`` for the arm the row actually got (0 = control)."""
    treat = rows.column("treatment").to_pylist()
    arms = list(classes[1:])
    out = np.zeros(len(treat), dtype=int)
    for i, t in enumerate(treat):
        if isinstance(t, str):
            out[i] = arms.index(t) + 1 if t in arms else 0
        else:
            out[i] = 1 if t else 0
    return out


def score(bq: BoundQuery, rows: pa.Table, preds: Predictions, *, threshold: float = 0.5) -> dict[str, float]:
    """Metrics of ``preds`` against the labels of ``rows`` (a split of the training table); a binary
    target's accuracy and F1 score the ``prediction`` column cut at ``threshold`` (`decision_threshold`)."""
    if rows.num_rows == 0:
        return {}
    task = bq.task
    y = _labels(rows)
    s = np.asarray(preds.scores)
    if task == TaskType.BINARY:
        return binary_metrics(np.array(y, dtype=bool), s, threshold=threshold)
    if task in (TaskType.REGRESSION, TaskType.FORECASTING):
        return regression_metrics(np.array(y, dtype=float), s)
    if task == TaskType.MULTICLASS:
        return multiclass_metrics(y, s, preds.classes)
    if task == TaskType.MULTILABEL:
        index = {c: j for j, c in enumerate(preds.classes)}
        truth = np.zeros_like(s)
        for i, labels in enumerate(y):
            for lab in labels or ():
                if lab in index:
                    truth[i, index[lab]] = 1
        metrics = multilabel_metrics(truth, s)
        if bq.rank_top:  # RANK TOP k over a column's values: also scored as the ranking it returns
            ranked = np.asarray(preds.classes, dtype=object)[np.argsort(-s, axis=1, kind="stable")] if len(s) else s
            metrics.update(ranking_metrics(y, ranked, int(bq.rank_top)))
        return metrics
    if task == TaskType.LINK_RANKING:
        k = bq.rank_top or 12
        return ranking_metrics(y, preds.items, k)
    if task == TaskType.UPLIFT:
        return _uplift(bq, rows, preds, y, s)
    return {}


def _uplift(bq: BoundQuery, rows: pa.Table, preds: Predictions, y: list, s: np.ndarray) -> dict[str, float]:
    from engine.uplift.metrics import auuc, qini_coefficient, uplift_at_k

    arm = treatment_index(rows, preds.classes)
    outcome = np.array(y, dtype=float)
    out: dict[str, float] = {}
    # The outcome model's own quality: predicted outcome under the arm each row really got.
    observed = s[np.arange(len(s)), arm]
    if bq.outcome_task == TaskType.BINARY:
        out.update({f"outcome_{k}": v for k, v in binary_metrics(outcome.astype(bool), observed).items()
                    if k in ("auroc", "ap")})
    else:
        out.update({f"outcome_{k}": v for k, v in regression_metrics(outcome, observed).items()
                    if k in ("mae", "spearman")})
    for j, name in enumerate(preds.classes[1:], start=1):
        keep = (arm == 0) | (arm == j)
        uplift = s[keep, j] - s[keep, 0]
        treated = (arm[keep] == j).astype(int)
        if treated.min(initial=1) == treated.max(initial=0):
            continue  # one group only: no uplift metric is defined
        suffix = "" if len(preds.classes) == 2 else f"_{name}"
        out[f"qini{suffix}"] = qini_coefficient(uplift, treated, outcome[keep])
        out[f"auuc{suffix}"] = auuc(uplift, treated, outcome[keep])
        for k in (0.1, 0.2, 0.3):
            out[f"uplift_at_{int(k * 100)}{suffix}"] = uplift_at_k(uplift, treated, outcome[keep], k=k)
    if "qini" not in out:
        arm_qinis = [v for k, v in out.items() if k.startswith("qini_")]
        if arm_qinis:
            out["qini"] = float(np.nanmean(arm_qinis))
    return out


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability cut-off that maximises F1 on validation (0.5 when undefined)."""
    y = np.asarray(y, dtype=bool)
    if len(y) == 0 or y.all() or not y.any():
        return 0.5
    order = np.argsort(-p)
    tp = np.cumsum(y[order])
    fp = np.cumsum(~y[order])
    f1 = 2 * tp / (2 * tp + fp + (y.sum() - tp))
    i = int(np.argmax(f1))
    return float(p[order][i])


def decision_threshold(bq: BoundQuery, inputs: TrainInputs, trainer: Trainer) -> tuple[float, dict[str, float]]:
    """The cut-off of a binary ``prediction``: the F1-optimal one on validation, not a blind 0.5 (0.5 for
    other tasks and without validation rows), and the validation metrics that depend on it (`AT_THRESHOLD`,
    ``{}`` when not computed), for the validation metrics reported beside the predictions."""
    val = inputs.tt.split("val")
    if bq.task != TaskType.BINARY or val.num_rows == 0:
        return 0.5, {}
    y = np.array(val.column("label").to_pylist(), dtype=bool)
    p = np.asarray(trainer.predict(inputs, val.select([*bq.entity.key, "anchor_time"])).scores)
    threshold = best_threshold(y, p)
    at = binary_metrics(y, p, threshold=threshold)
    return threshold, {k: at[k] for k in AT_THRESHOLD}
