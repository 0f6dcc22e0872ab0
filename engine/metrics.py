"""Metrics per task, with the validation metric each task selects models by.

Binary: AUROC, AP, F1, accuracy (the last two at the decision threshold). Regression / forecasting: MAE,
RMSE, R², Spearman. Multiclass: accuracy, macro-F1. Multilabel: macro AUROC, micro-F1. Link ranking:
MAP@k, NDCG@k, recall@k, hit@k. Uplift: Qini coefficient, AUUC, uplift@k (engine.uplift.metrics) plus the
outcome model's own metric.
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from pql.bound import TaskType

# (metric name, True when higher is better) used to pick epochs and models on validation.
SELECTION = {
    TaskType.BINARY: ("auroc", True),
    TaskType.REGRESSION: ("mae", False),
    TaskType.MULTICLASS: ("macro_f1", True),
    TaskType.MULTILABEL: ("macro_auroc", True),
    TaskType.LINK_RANKING: ("map", True),
    TaskType.FORECASTING: ("mae", False),
    TaskType.UPLIFT: ("qini", True),
}


#: what ``WITH metric = '…'`` may pick models, epochs and a hurdle's mix by, per task: metrics the
#: task's EVALUATE reports (the first is the default, `SELECTION`)
SELECTABLE: dict[TaskType, tuple[str, ...]] = {
    TaskType.BINARY: ("auroc", "ap", "f1", "accuracy"),
    TaskType.REGRESSION: ("mae", "rmse", "r2", "spearman"),
    TaskType.MULTICLASS: ("macro_f1", "accuracy"),
    TaskType.MULTILABEL: ("macro_auroc", "micro_f1"),
    TaskType.LINK_RANKING: ("map", "ndcg", "recall", "hit"),
    TaskType.FORECASTING: ("mae", "rmse", "r2", "spearman"),
    TaskType.UPLIFT: ("qini",),
}
LOWER_IS_BETTER = frozenset({"mae", "rmse"})


def selection_metric(task: TaskType, chosen: str | None = None) -> tuple[str, bool]:
    """The validation metric and whether higher is better: ``chosen`` (``WITH metric``) or the task's."""
    if chosen:
        return chosen, chosen not in LOWER_IS_BETTER
    return SELECTION[task]


def query_metric(bq: Any) -> tuple[str, bool]:
    """`selection_metric` for a bound query, honouring its ``WITH metric``."""
    return selection_metric(bq.task, bq.option("metric"))


def undefined(value: float | None) -> bool:
    """No metric value: none was computed (no rows) or it is NaN (AUROC of a single class)."""
    return value is None or bool(np.isnan(value))


def shown(value: float | None) -> str:
    """A metric value as logs and summaries print it: 4 decimals, or 'n/a' when `undefined`."""
    return "n/a" if undefined(value) else f"{value:.4f}"


def better(a: float | None, b: float | None, *, higher: bool) -> bool:
    """True when metric value ``a`` beats ``b`` (an undefined value always loses)."""
    if undefined(a):
        return False
    if undefined(b):
        return True
    return a > b if higher else a < b


#: the binary metrics that depend on the decision threshold, and the threshold itself
AT_THRESHOLD = ("accuracy", "f1", "threshold")


def binary_metrics(y: np.ndarray, p: np.ndarray, *, threshold: float = 0.5) -> dict[str, float]:
    """``threshold`` is the cut-off of ``prediction`` (``p >= threshold``) that accuracy and F1 score,
    reported as ``threshold``; AUROC and AP do not depend on it."""
    from sklearn.metrics import accuracy_score, average_precision_score, f1_score, roc_auc_score

    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    predicted = p >= threshold
    out = {"accuracy": float(accuracy_score(y, predicted)), "f1": float(f1_score(y, predicted, zero_division=0)),
           "threshold": float(threshold), "positive_rate": float(y.mean()) if len(y) else float("nan")}
    if len(np.unique(y)) == 2:
        out["auroc"] = float(roc_auc_score(y, p))
        out["ap"] = float(average_precision_score(y, p))
    else:
        out["auroc"] = out["ap"] = float("nan")
    return out


def regression_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    from scipy.stats import spearmanr
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(p, dtype=float).ravel()
    keep = ~np.isnan(y)
    y, p = y[keep], p[keep]
    if len(y) == 0:
        return {"mae": float("nan"), "rmse": float("nan"), "r2": float("nan"), "spearman": float("nan")}
    with warnings.catch_warnings():  # constant up to rounding noise: no rank correlation (NaN), no warning
        warnings.simplefilter("ignore")
        sp = spearmanr(y, p).statistic if len(y) > 2 and np.std(y) > 0 and np.std(p) > 0 else float("nan")
    return {"mae": float(mean_absolute_error(y, p)), "rmse": float(np.sqrt(mean_squared_error(y, p))),
            "r2": float(r2_score(y, p)) if len(y) > 1 else float("nan"), "spearman": float(sp)}


def multiclass_metrics(y: Sequence[Any], probs: np.ndarray, classes: Sequence[Any]) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    pred = np.asarray(classes, dtype=object)[np.asarray(probs).argmax(axis=1)]
    y = np.asarray(y, dtype=object)
    return {"accuracy": float(accuracy_score(y.astype(str), pred.astype(str))),
            "macro_f1": float(f1_score(y.astype(str), pred.astype(str), average="macro", zero_division=0))}


def multilabel_metrics(y: np.ndarray, probs: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import f1_score, roc_auc_score

    y = np.asarray(y).astype(int)
    aucs = [roc_auc_score(y[:, j], probs[:, j]) for j in range(y.shape[1]) if len(np.unique(y[:, j])) == 2]
    return {"macro_auroc": float(np.mean(aucs)) if aucs else float("nan"),
            "micro_f1": float(f1_score(y, probs >= 0.5, average="micro", zero_division=0))}


def ranking_metrics(truth: Sequence[Sequence[Any]], ranked: np.ndarray, k: int) -> dict[str, float]:
    """MAP@k, NDCG@k, recall@k, hit@k over rows with at least one true item (RelBench convention)."""
    aps, ndcgs, recalls, hits = [], [], [], []
    for true_items, items in zip(truth, ranked):
        true = {it for it in true_items or () if it is not None}  # None pads a short ranking: never a hit
        if not true:
            continue
        top = list(items[:k])
        rel = np.array([1.0 if it in true else 0.0 for it in top])
        if rel.size and rel.sum():
            precision_at = np.cumsum(rel) / (np.arange(len(rel)) + 1)
            aps.append(float((precision_at * rel).sum() / min(len(true), k)))
        else:
            aps.append(0.0)
        discounts = 1.0 / np.log2(np.arange(2, len(rel) + 2))
        ideal = discounts[: min(len(true), k)].sum()
        ndcgs.append(float((rel * discounts).sum() / ideal) if ideal else 0.0)
        recalls.append(float(rel.sum() / len(true)))
        hits.append(float(rel.sum() > 0))
    if not aps:
        return {"map": float("nan"), "ndcg": float("nan"), "recall": float("nan"), "hit": float("nan")}
    return {"map": float(np.mean(aps)), "ndcg": float(np.mean(ndcgs)), "recall": float(np.mean(recalls)),
            "hit": float(np.mean(hits))}
