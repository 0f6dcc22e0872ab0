"""Uplift evaluation on held-out randomized rows: Qini, uplift curve, AUUC, uplift@k, truth correlation.

Conventions follow scikit-uplift (``sklift.metrics``, v0.5), so numbers can be compared with it:

- Rows are ranked by predicted uplift, highest first (stable sort, reversed). Tied scores form one
  step of a curve, as in ``sklearn.metrics.roc_curve``; the curves start at (0, 0).
- Qini curve at the top ``k`` rows: ``Y_T(k) - Y_C(k) * N_T(k) / N_C(k)`` (incremental outcomes in
  units of the treated group; 0 control term while no control row has been seen).
- Uplift curve at the top ``k`` rows: ``(Y_T(k)/N_T(k) - Y_C(k)/N_C(k)) * k`` (incremental outcomes
  if all ``k`` rows were treated; an empty group's mean counts as 0).
- The random baseline is the straight line from (0, 0) to the curve's end point. The *coefficients*
  are normalised: ``(area(model) - area(random)) / (area(perfect) - area(random))``, so 1 is the
  perfect ranking and 0 is random (sklift's ``qini_auc_score`` with ``negative_effect=True`` and
  ``uplift_auc_score``). The unnormalised areas between curve and random line are reported too.
- The perfect Qini ranking orders treated responders first and control responders last
  (score ``y * (2t - 1)``). The perfect uplift ranking is sklift's for binary outcomes; for
  continuous outcomes no perfect ranking is identifiable and the same oracle score ``y * (2t - 1)``
  is used as the reference.
- uplift@k: mean outcome of treated minus mean outcome of control among the top ``floor(k * n)`` rows
  overall (sklift ``strategy='overall'``), or among the top ``floor(k * n_T)`` treated and top
  ``floor(k * n_C)`` control rows (``strategy='by_group'``); at least one row is always taken. Ties are
  one group here too (unlike sklift, which cuts them in row order): a tied group the cut splits counts
  with the fraction of each of its rows that fits, so a constant score gives the average effect at every
  ``k`` whatever the row order.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from pql.errors import PQLInputError


@dataclass(frozen=True, kw_only=True)
class Curve:
    """Points of a gain curve: ``x`` is the number of top-ranked rows, ``y`` the curve value. Shapes [m]."""

    x: np.ndarray
    y: np.ndarray

    def area(self) -> float:
        return float(np.trapezoid(self.y, self.x))

    def random_area(self) -> float:
        """Area under the straight line from (0, 0) to the curve's end point."""
        return float(self.x[-1] * self.y[-1] / 2.0)


@dataclass(frozen=True, kw_only=True)
class UpliftEvaluation:
    """Every uplift metric for one model on one held-out set; NaN where a metric is undefined."""

    n: int
    n_treated: int
    n_control: int
    average_treatment_effect: float  # difference in mean outcome, treated minus control
    qini_coefficient: float  # normalised: 1 = perfect ranking, 0 = random
    qini_area: float  # area between the Qini curve and the random line (outcome units × rows)
    auuc: float  # normalised area under the uplift curve: 1 = perfect, 0 = random
    auuc_area: float  # area between the uplift curve and the random line
    uplift_at_k: tuple[tuple[float, float], ...]  # ((k, uplift@k), …), e.g. k = 0.1, 0.2, 0.3
    pearson_with_truth: float | None = None
    spearman_with_truth: float | None = None

    def render(self) -> str:
        lines = [
            f"rows {self.n} (treated {self.n_treated}, control {self.n_control}), "
            f"ATE {self.average_treatment_effect:.4f}",
            f"Qini coefficient {self.qini_coefficient:.4f}   AUUC {self.auuc:.4f}",
            "uplift@k  " + "   ".join(f"{k:.0%}: {v:.4f}" for k, v in self.uplift_at_k),
        ]
        if self.pearson_with_truth is not None:
            lines.append(
                f"correlation with true uplift: Pearson {self.pearson_with_truth:.4f}, "
                f"Spearman {self.spearman_with_truth:.4f}"
            )
        return "\n".join(lines)


def _as_inputs(uplift, treatment, outcome) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate and convert to (uplift float64 [n], treatment int8 in {0,1} [n], outcome float64 [n])."""
    arrays = []
    for name, values in (("uplift", uplift), ("treatment", treatment), ("outcome", outcome)):
        try:
            arr = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise PQLInputError(f"{name} must be numeric: {e}") from e
        if arr.ndim != 1:
            raise PQLInputError(f"{name} must be one-dimensional, got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise PQLInputError(f"{name} has {int(np.sum(~np.isfinite(arr)))} missing or infinite values")
        arrays.append(arr)
    score, t, y = arrays
    if not (len(score) == len(t) == len(y)):
        raise PQLInputError(f"uplift, treatment and outcome differ in length: {len(score)}, {len(t)}, {len(y)}")
    if not np.all((t == 0) | (t == 1)):
        raise PQLInputError("treatment must be 0 (control) or 1 (treated)")
    if t.sum() == 0 or t.sum() == len(t):
        raise PQLInputError("uplift metrics need both treated and control rows")
    return score, t.astype(np.int8), y


def _is_binary(y: np.ndarray) -> bool:
    return bool(np.all((y == 0) | (y == 1)))


def _cumulative_counts(score, t, y):
    """Per distinct-score step: (rows, treated rows, treated outcome sum, control outcome sum)."""
    order = np.argsort(score, kind="mergesort")[::-1]
    s, t, y = score[order], t[order].astype(np.float64), y[order]
    step_ends = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    n_all = step_ends + 1.0
    n_t = np.cumsum(t)[step_ends]
    y_t = np.cumsum(y * t)[step_ends]
    y_c = np.cumsum(y * (1.0 - t))[step_ends]
    return n_all, n_t, y_t, y_c


def _start_at_origin(x: np.ndarray, y: np.ndarray) -> Curve:
    if x.size == 0 or x[0] != 0 or y[0] != 0:
        x, y = np.r_[0.0, x], np.r_[0.0, y]
    return Curve(x=x, y=y)


def qini_curve(uplift, treatment, outcome) -> Curve:
    """Qini curve (sklift convention, see module docstring)."""
    score, t, y = _as_inputs(uplift, treatment, outcome)
    n_all, n_t, y_t, y_c = _cumulative_counts(score, t, y)
    n_c = n_all - n_t
    ratio = np.divide(n_t, n_c, out=np.zeros_like(n_t), where=n_c != 0)
    return _start_at_origin(n_all, y_t - y_c * ratio)


def uplift_curve(uplift, treatment, outcome) -> Curve:
    """Uplift curve (sklift convention, see module docstring)."""
    score, t, y = _as_inputs(uplift, treatment, outcome)
    n_all, n_t, y_t, y_c = _cumulative_counts(score, t, y)
    n_c = n_all - n_t
    mean_t = np.divide(y_t, n_t, out=np.zeros_like(y_t), where=n_t != 0)
    mean_c = np.divide(y_c, n_c, out=np.zeros_like(y_c), where=n_c != 0)
    return _start_at_origin(n_all, (mean_t - mean_c) * n_all)


def _oracle_score(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Treated responders first, control responders last."""
    return y * (2.0 * t - 1.0)


def perfect_qini_curve(treatment, outcome) -> Curve:
    t = np.asarray(treatment, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.float64)
    return qini_curve(_oracle_score(t, y), t, y)


def perfect_uplift_curve(treatment, outcome) -> Curve:
    t = np.asarray(treatment, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.float64)
    if not _is_binary(y):
        return uplift_curve(_oracle_score(t, y), t, y)
    # sklift: the persuadables' signature (treated responders, control non-responders) ranks first;
    # between the two ambiguous groups, the larger one is pushed down.
    control_responders = np.sum((y == 1) & (t == 0))
    treated_non_responders = np.sum((y == 0) & (t == 1))
    tie_breaker = y if control_responders > treated_non_responders else t
    return uplift_curve(2.0 * (y == t) + tie_breaker, t, y)


def _normalised(model: Curve, perfect: Curve) -> tuple[float, float]:
    """(coefficient, unnormalised area above random) for a curve against its perfect counterpart."""
    model_gain = model.area() - model.random_area()
    perfect_gain = perfect.area() - perfect.random_area()
    if perfect_gain == 0:
        return math.nan, model_gain
    return model_gain / perfect_gain, model_gain


def qini_coefficient(uplift, treatment, outcome) -> float:
    """Normalised Qini coefficient: 1 for the perfect ranking, 0 for random (sklift ``qini_auc_score``)."""
    return _normalised(qini_curve(uplift, treatment, outcome), perfect_qini_curve(treatment, outcome))[0]


def auuc(uplift, treatment, outcome) -> float:
    """Normalised area under the uplift curve: 1 perfect, 0 random (sklift ``uplift_auc_score``)."""
    return _normalised(uplift_curve(uplift, treatment, outcome), perfect_uplift_curve(treatment, outcome))[0]


def _top_count(k: float, n: int) -> int:
    return max(1, int(k * n))


def uplift_at_k(uplift, treatment, outcome, *, k: float = 0.3, strategy: str = "overall") -> float:
    """Treated minus control mean outcome among the top-``k`` fraction by predicted uplift.

    ``strategy='overall'`` takes the top ``floor(k*n)`` rows; ``'by_group'`` takes the top
    ``floor(k*n_T)`` treated and ``floor(k*n_C)`` control rows (at least one). NaN when a group is
    empty at the cut.
    """
    score, t, y = _as_inputs(uplift, treatment, outcome)
    if not 0 < k <= 1:
        raise PQLInputError(f"k must be a fraction in (0, 1], got {k}")
    treated, control = t == 1, t == 0
    if strategy == "overall":
        m = _top_count(k, len(y))
        n_t, y_t = _top_sums(score, m, treated.astype(np.float64), np.where(treated, y, 0.0))
        n_c, y_c = _top_sums(score, m, control.astype(np.float64), np.where(control, y, 0.0))
    elif strategy == "by_group":
        ones_t, ones_c = np.ones(int(treated.sum())), np.ones(int(control.sum()))
        n_t, y_t = _top_sums(score[treated], _top_count(k, len(ones_t)), ones_t, y[treated])
        n_c, y_c = _top_sums(score[control], _top_count(k, len(ones_c)), ones_c, y[control])
    else:
        raise PQLInputError(f"strategy must be 'overall' or 'by_group', got {strategy!r}")
    if n_t == 0 or n_c == 0:
        return math.nan
    return float(y_t / n_t - y_c / n_c)


def _top_sums(score: np.ndarray, m: int, *values: np.ndarray) -> tuple[float, ...]:
    """Sum of each of ``values`` [n] over the ``m`` highest-scored rows, a tied group the cut splits
    counting in proportion to how many of its rows fit (its rows' mean times that many)."""
    order = np.argsort(score, kind="mergesort")[::-1]
    s = score[order]
    step_ends = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    rows = np.r_[0.0, step_ends + 1.0]
    return tuple(float(np.interp(m, rows, np.r_[0.0, np.cumsum(v[order])[step_ends]])) for v in values)


def correlation_with_truth(uplift, true_uplift) -> tuple[float, float]:
    """(Pearson, Spearman) correlation of predicted with known true uplift (generated data only)."""
    pred = np.asarray(uplift, dtype=np.float64)
    truth = np.asarray(true_uplift, dtype=np.float64)
    if pred.shape != truth.shape or pred.ndim != 1:
        raise PQLInputError(f"uplift and true uplift shapes differ: {pred.shape} vs {truth.shape}")
    if len(pred) < 2 or np.ptp(pred) == 0 or np.ptp(truth) == 0:
        return math.nan, math.nan  # correlation of a constant is undefined
    return float(stats.pearsonr(pred, truth).statistic), float(stats.spearmanr(pred, truth).statistic)


def evaluate_uplift(
    uplift,
    treatment,
    outcome,
    *,
    true_uplift=None,
    ks: Sequence[float] = (0.1, 0.2, 0.3),
    strategy: str = "overall",
) -> UpliftEvaluation:
    """All uplift metrics at once. Inputs are 1-D arrays over held-out randomized rows.

    Args:
        uplift: predicted uplift score, [n].
        treatment: 1 treated, 0 control, [n].
        outcome: observed outcome (binary or continuous), [n].
        true_uplift: known individual uplift, [n] (generated data), for Pearson/Spearman correlation.
    """
    score, t, y = _as_inputs(uplift, treatment, outcome)
    qini, qini_area = _normalised(qini_curve(score, t, y), perfect_qini_curve(t, y))
    auc_norm, auc_area = _normalised(uplift_curve(score, t, y), perfect_uplift_curve(t, y))
    pearson = spearman = None
    if true_uplift is not None:
        pearson, spearman = correlation_with_truth(score, true_uplift)
    return UpliftEvaluation(
        n=len(y),
        n_treated=int(t.sum()),
        n_control=int(len(t) - t.sum()),
        average_treatment_effect=float(y[t == 1].mean() - y[t == 0].mean()),
        qini_coefficient=qini,
        qini_area=qini_area,
        auuc=auc_norm,
        auuc_area=auc_area,
        uplift_at_k=tuple((float(k), uplift_at_k(score, t, y, k=k, strategy=strategy)) for k in ks),
        pearson_with_truth=pearson,
        spearman_with_truth=spearman,
    )


def evaluate_uplift_by_arm(
    uplift,
    assigned_arm,
    outcome,
    *,
    arms: Sequence[str],
    control: str,
    true_uplift=None,
    ks: Sequence[float] = (0.1, 0.2, 0.3),
    strategy: str = "overall",
) -> dict[str, UpliftEvaluation]:
    """Metrics per treatment arm of a categorical treatment (one uplift column per arm).

    Arm ``a`` is scored on the rows assigned to ``a`` (treated) or to ``control``, ranked by
    ``uplift[:, a]``; rows of other arms are left out.

    Args:
        uplift: predicted uplift per row × arm, [n, A], columns in the order of ``arms``.
        assigned_arm: the arm label each row received, [n] (``control`` for the control group).
        outcome: observed outcome, [n].
        true_uplift: known uplift per row × arm, [n, A] (generated data), optional.
    """
    scores = np.asarray(uplift, dtype=np.float64)
    labels = np.asarray(assigned_arm).astype(str)
    y = np.asarray(outcome, dtype=np.float64)
    arm_names = [str(a) for a in arms]
    if scores.ndim != 2 or scores.shape != (len(labels), len(arm_names)):
        raise PQLInputError(f"uplift has shape {scores.shape}; expected ({len(labels)}, {len(arm_names)}): "
                            "one row per unit, one column per arm")
    truth = None if true_uplift is None else np.asarray(true_uplift, dtype=np.float64)
    if truth is not None and truth.shape != scores.shape:
        raise PQLInputError(f"true_uplift has shape {truth.shape}; expected {scores.shape}")
    unknown = sorted(set(labels) - set(arm_names) - {str(control)})
    if unknown:
        raise PQLInputError(f"rows assigned to unknown arm(s) {unknown}; arms are {arm_names}, control {control!r}")
    results = {}
    for a, name in enumerate(arm_names):
        rows = (labels == name) | (labels == str(control))
        results[name] = evaluate_uplift(
            scores[rows, a], (labels[rows] == name).astype(np.int8), y[rows],
            true_uplift=None if truth is None else truth[rows, a], ks=ks, strategy=strategy,
        )
    return results
