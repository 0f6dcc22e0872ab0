"""Per-arm summaries and treatment-vs-control tests for a randomized experiment.

- Binary outcomes: rate ``p``, standard error ``sqrt(p(1-p)/n)``; the difference's confidence
  interval is the unpooled normal (Wald) interval, its p-value the two-proportion z-test with the
  pooled rate (as ``statsmodels.stats.proportion.proportions_ztest``).
- Continuous outcomes: mean, standard error ``s/sqrt(n)`` (``s`` with ddof=1); Welch's t-test with
  Welch–Satterthwaite degrees of freedom, and a t interval (as ``scipy.stats.ttest_ind(equal_var=False)``).
- Relative lift ``mean_t / mean_c - 1`` with a delta-method standard error
  ``sqrt(se_t^2 / m_c^2 + m_t^2 se_c^2 / m_c^4)`` and a normal interval; undefined when ``m_c = 0``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True, kw_only=True)
class ArmStats:
    arm: str
    n: int
    mean: float  # the rate for binary outcomes
    std: float  # per-unit standard deviation (sqrt(p(1-p)) for binary outcomes)
    std_error: float


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """One treatment arm against the control arm."""

    arm: str
    control: str
    absolute_lift: float  # mean_t - mean_c
    absolute_ci: tuple[float, float]
    relative_lift: float  # mean_t / mean_c - 1
    relative_ci: tuple[float, float]
    test: str  # "two-proportion z" | "Welch t"
    statistic: float
    df: float | None  # Welch degrees of freedom; None for the z-test
    p_value: float
    adjustment: str = "none"  # "none" | "cuped"


def arm_stats(arm: str, values: np.ndarray, *, binary: bool) -> ArmStats:
    n = len(values)
    mean = float(values.mean())
    std = math.sqrt(mean * (1.0 - mean)) if binary else float(values.std(ddof=1))
    return ArmStats(arm=arm, n=n, mean=mean, std=std, std_error=std / math.sqrt(n))


def _relative(treated: ArmStats, control: ArmStats, z: float) -> tuple[float, tuple[float, float]]:
    if control.mean == 0:
        return math.nan, (math.nan, math.nan)
    ratio = treated.mean / control.mean
    se = math.sqrt(treated.std_error**2 / control.mean**2
                   + treated.mean**2 * control.std_error**2 / control.mean**4)
    return ratio - 1.0, (ratio - 1.0 - z * se, ratio - 1.0 + z * se)


def compare_proportions(treated: ArmStats, control: ArmStats, *, alpha: float) -> Comparison:
    """Two-proportion z-test (pooled) with an unpooled Wald interval."""
    diff = treated.mean - control.mean
    z_crit = float(stats.norm.ppf(1 - alpha / 2))
    se_diff = math.hypot(treated.std_error, control.std_error)
    pooled = (treated.mean * treated.n + control.mean * control.n) / (treated.n + control.n)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / treated.n + 1 / control.n))
    if se_pooled == 0:  # both arms all 0 or all 1: no difference to test
        z, p = 0.0, 1.0
    else:
        z = diff / se_pooled
        p = float(2 * stats.norm.sf(abs(z)))
    relative, relative_ci = _relative(treated, control, z_crit)
    return Comparison(arm=treated.arm, control=control.arm, absolute_lift=diff,
                      absolute_ci=(diff - z_crit * se_diff, diff + z_crit * se_diff),
                      relative_lift=relative, relative_ci=relative_ci, test="two-proportion z",
                      statistic=z, df=None, p_value=p)


def compare_means(treated: ArmStats, control: ArmStats, *, alpha: float, adjustment: str = "none") -> Comparison:
    """Welch's t-test and interval on the difference in means."""
    diff = treated.mean - control.mean
    var_t, var_c = treated.std_error**2, control.std_error**2
    se = math.sqrt(var_t + var_c)
    if se == 0:  # both arms constant
        t, df, p = (0.0 if diff == 0 else math.copysign(math.inf, diff)), math.nan, (1.0 if diff == 0 else 0.0)
        half = 0.0
    else:
        df = (var_t + var_c) ** 2 / (var_t**2 / (treated.n - 1) + var_c**2 / (control.n - 1))
        t = diff / se
        p = float(2 * stats.t.sf(abs(t), df))
        half = float(stats.t.ppf(1 - alpha / 2, df)) * se
    relative, relative_ci = _relative(treated, control, float(stats.norm.ppf(1 - alpha / 2)))
    return Comparison(arm=treated.arm, control=control.arm, absolute_lift=diff,
                      absolute_ci=(diff - half, diff + half), relative_lift=relative,
                      relative_ci=relative_ci, test="Welch t", statistic=t, df=df, p_value=p,
                      adjustment=adjustment)
