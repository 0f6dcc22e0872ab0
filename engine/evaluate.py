"""Scoring a trainer's predictions on a labelled split, whatever the task."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


#: a ``prediction`` column whose share of true rows (binary: a note) or mean (regression: a warning) on
#: validation is more than this many times the labels' own, or under 1 / this of it, is flagged: the
#: F1-optimal cut-off marks 89% of rows true where 33% are (a cross-sell target), an MAE model predicts 0.05
#: on average where the targets average 24 (a zero-inflated spend); both are right by their own measure, yet whoever reads
#: ``prediction`` as "will buy" or sums it into expected revenue is misled by 2x or more. A factor of 2
#: stays quiet on the ordinary drift of a sound cut-off or a well-centred regression.
PREDICTION_OFF_BY = 2.0


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


def accuracy_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability cut-off that maximises accuracy on validation (0.5 when there are no rows). Only cuts
    between distinct probabilities count (tied rows get one answer); marking no row true is a candidate,
    as a cut-off just above the highest probability."""
    y, p = np.asarray(y, dtype=bool), np.asarray(p, dtype=float)
    if len(y) == 0:
        return 0.5
    order = np.argsort(-p, kind="stable")
    ranked = p[order]
    tp = np.cumsum(y[order])
    fp = np.cumsum(~y[order])
    correct = tp + (len(y) - y.sum() - fp)  # the top i+1 rows marked true
    last_of_tie = np.append(ranked[1:] != ranked[:-1], True)
    cuts = np.flatnonzero(last_of_tie)
    best = cuts[int(np.argmax(correct[cuts]))]
    if len(y) - y.sum() >= correct[best]:  # marking none true is at least as accurate
        return float(np.nextafter(ranked[0], np.inf))
    return float(ranked[best])


def threshold_rule(bq: BoundQuery) -> str | float:
    """``WITH threshold``: 'f1', 'accuracy' or the cut-off itself."""
    return bq.option("threshold", "f1")


def cut_off(rule: str | float, y: np.ndarray, p: np.ndarray) -> float:
    """The threshold ``rule`` (`threshold_rule`) gives on validation labels ``y`` and probabilities ``p``."""
    if not isinstance(rule, str):
        return float(rule)
    return accuracy_threshold(y, p) if rule == "accuracy" else best_threshold(y, p)


@dataclass(frozen=True, kw_only=True)
class OnValidation:
    """What the kept model's validation predictions say about the ``prediction`` column it returns: a yes/no
    target's cut-off and the metrics at it, and, for a yes/no or regression target, the mean of
    ``prediction`` (the share marked true, or the mean predicted value) beside the labels' mean and median.
    Saved with the model, so a reused model warns as the trained one did (`prediction_warning`,
    `prediction_note`)."""
    threshold: float = 0.5
    at_threshold: dict[str, float] = field(default_factory=dict)
    predicted_mean: float | None = None
    label_mean: float | None = None
    label_median: float | None = None

    def to_meta(self) -> dict[str, float | None]:
        return {"predicted_mean": self.predicted_mean, "label_mean": self.label_mean,
                "label_median": self.label_median}

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> OnValidation:
        saved = meta.get("on_validation") or {}
        return cls(threshold=float(meta.get("threshold", 0.5)), predicted_mean=saved.get("predicted_mean"),
                   label_mean=saved.get("label_mean"), label_median=saved.get("label_median"))


def on_validation(bq: BoundQuery, inputs: TrainInputs, trainer: Trainer) -> OnValidation:
    """`OnValidation` of ``trainer`` (the model validation chose, before any refit); the defaults for other
    tasks and without validation rows."""
    val = inputs.tt.split("val")
    rule = threshold_rule(bq)
    if bq.task is TaskType.BINARY and val.num_rows == 0 and not isinstance(rule, str):
        return OnValidation(threshold=float(rule))  # a cut-off given needs no validation to find it
    if bq.task not in (TaskType.BINARY, TaskType.REGRESSION) or val.num_rows == 0:
        return OnValidation()
    p = np.asarray(trainer.predict(inputs, val.select([*bq.entity.key, "anchor_time"])).scores, dtype=float)
    if bq.task is TaskType.REGRESSION:
        y = np.array(val.column("label").to_pylist(), dtype=float)
        known = ~np.isnan(y)
        if not known.any():
            return OnValidation()
        return OnValidation(predicted_mean=float(np.mean(p[known])), label_mean=float(np.mean(y[known])),
                            label_median=float(np.median(y[known])))
    y = np.array(val.column("label").to_pylist(), dtype=bool)
    threshold = cut_off(rule, y, p)
    at = binary_metrics(y, p, threshold=threshold)
    return OnValidation(threshold=threshold, at_threshold={k: at[k] for k in AT_THRESHOLD},
                        predicted_mean=float(np.mean(p >= threshold)), label_mean=float(np.mean(y)))


def decision_threshold(bq: BoundQuery, inputs: TrainInputs, trainer: Trainer) -> tuple[float, dict[str, float]]:
    """The cut-off of a binary ``prediction`` (`WITH threshold`: by default the F1-optimal one on validation,
    not a blind 0.5; 0.5 for other tasks, and without validation rows unless a number is given), and the
    validation metrics that depend on it (`AT_THRESHOLD`, ``{}`` when not computed), for the validation
    metrics reported beside the predictions."""
    if bq.task != TaskType.BINARY:
        return 0.5, {}
    found = on_validation(bq, inputs, trainer)
    return found.threshold, found.at_threshold


def prediction_warning(bq: BoundQuery, found: OnValidation) -> str | None:
    """Why a regression's ``prediction`` misleads, when its validation mean is off the labels' by
    `PREDICTION_OFF_BY` or more (None otherwise, and for other tasks): summed into a total it is off by 2x to
    450x, so it is a warning. A yes/no target's share is a note (`prediction_note`)."""
    predicted, actual = found.predicted_mean, found.label_mean
    if bq.task is not TaskType.REGRESSION or predicted is None or actual is None or not _off_by(predicted, actual):
        return None
    return _mean_warning(bq, predicted, actual, found.label_median)


def prediction_note(bq: BoundQuery, found: OnValidation) -> str | None:
    """A yes/no ``prediction`` whose share of true rows on validation is off the share that is by
    `PREDICTION_OFF_BY` or more (None otherwise, and where pql did not choose the cut-off: a number the user
    set). A note, not a warning: the F1-optimal cut-off marks too many rows true on most yes/no targets with
    a minority of positives, so a warning would fire on nearly every default query and be ignored."""
    predicted, actual = found.predicted_mean, found.label_mean
    if bq.task is not TaskType.BINARY or predicted is None or actual is None or not _off_by(predicted, actual):
        return None
    return _share_note(threshold_rule(bq), found.threshold, predicted, f"of validation rows true while "
                                                                       f"{_percent(actual)} are", actual)


def predicted_rows_note(bq: BoundQuery, threshold: float, prediction: np.ndarray,
                        probability: np.ndarray) -> str | None:
    """The same note (`prediction_note`) on the rows the final model predicted: the share ``prediction``
    marks true against their mean ``probability``, the model's own expected share of positives. The cut-off
    is found on validation before the refit on train + validation, so it can drift on the refit model's
    probabilities (or on newer rows) where validation saw nothing wrong. None for other tasks, without rows,
    and for a cut-off the user set."""
    if bq.task is not TaskType.BINARY or len(prediction) == 0:
        return None
    share = float(np.mean(np.asarray(prediction, dtype=bool)))
    expected = float(np.mean(np.asarray(probability, dtype=float)))
    if not _off_by(share, expected):
        return None
    return _share_note(threshold_rule(bq), threshold, share, f"of the predicted rows true while their mean "
                                                             f"probability is {_percent(expected)}", expected)


def _off_by(predicted: float, actual: float) -> bool:
    if actual <= 0:  # no scale to compare against (a non-positive mean target)
        return False
    return predicted > PREDICTION_OFF_BY * actual or predicted < actual / PREDICTION_OFF_BY


def _share_note(rule: str | float, threshold: float, share: float, against: str, expected: float) -> str | None:
    if not isinstance(rule, str):
        return None  # the user chose this cut-off
    too_many = share > expected
    if too_many:
        remedy = "'accuracy' or a number" if rule == "f1" else "a higher number"
    else:
        remedy = "'f1' or a number" if rule == "accuracy" else "a lower number"
    return (f"prediction marks {_percent(share)} {against} "
            f"(threshold {threshold:.3g}, the {'F1' if rule == 'f1' else 'accuracy'}-optimal cut-off): WITH "
            f"threshold = {remedy} predicts {'fewer' if too_many else 'more'}; probability is unaffected")


def threshold_note(bq: BoundQuery) -> str | None:
    """Why ``WITH threshold`` changes nothing for this query (None where it cuts a yes/no target's
    probability): shown by a run and by EXPLAIN."""
    if bq.task is TaskType.BINARY or not any(name == "threshold" for name, _ in bq.options):
        return None
    if bq.task is TaskType.MULTILABEL:
        return "multilabel predictions are cut at 0.5; WITH threshold applies to a yes/no target only"
    return "threshold only cuts a yes/no target's probability into its prediction; this query has none"


def _mean_warning(bq: BoundQuery, predicted: float, actual: float, median: float | None) -> str:
    metric = bq.option("metric") or "mae"
    said = f"predictions average {_amount(predicted)} while the validation targets average {_amount(actual)}"
    if metric == "mae":
        typical = (f"which is 0 for most {_plural(bq.entity.table)}" if median == 0
                   else "below the mean of a skewed target" if predicted < actual else "above the mean")
        return (f"{said}: with metric 'mae' each prediction is a typical (median) value, {typical}; WITH metric "
                "= 'rmse' predicts expected values, whose sum estimates the total")
    remedy = "" if metric in ("rmse", "r2") else "; WITH metric = 'rmse' predicts expected values"
    return f"{said} (metric '{metric}'): their sum does not estimate the total{remedy}"


def _amount(value: float) -> str:
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 0.01 else f"{value:.2g}"


def _percent(share: float) -> str:
    return f"{share:.1%}" if 0 < share < 0.01 else f"{share:.0%}"


def _plural(table: str) -> str:
    return table if table.endswith("s") else f"{table}s"
