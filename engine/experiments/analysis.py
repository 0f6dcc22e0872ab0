"""``analyze_experiment``: read a randomized test's (unit, arm, outcome[, covariate]) table and report it."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from engine.experiments.cuped import CupedSummary, cuped_adjust
from engine.experiments.srm import SampleRatioCheck, sample_ratio_check
from engine.experiments.stats import ArmStats, Comparison, arm_stats, compare_means, compare_proportions
from pql.errors import PQLInputError, did_you_mean

CONTROL_NAMES = ("control", "ctrl", "holdout", "baseline")
SHOWN_ARMS = 10  # an error lists this many arms; an id column passed as the arm has thousands
MANY_ARMS = 50  # more distinct arms than this: the arm column is likely an id


def list_arms(labels) -> str:
    """``'a', 'b', 'c'`` for an error message: the first few arms and how many more."""
    labels = sorted(str(a) for a in labels)
    shown = ", ".join(repr(a) for a in labels[:SHOWN_ARMS])
    return shown if len(labels) <= SHOWN_ARMS else f"{shown}, … {len(labels) - SHOWN_ARMS:,} more"


def id_like(labels, column: str) -> str:
    """``"; 6,000 distinct arms: …"`` when so many arms suggest an id column passed as the arm, else ``""``."""
    n = len(set(labels))
    return f"; {n:,} distinct arms: {column!r} looks like an id, not an arm column" if n > MANY_ARMS else ""


@dataclass(frozen=True, kw_only=True)
class ExperimentAnalysis:
    outcome: str
    outcome_type: str  # "binary" | "continuous"
    control: str
    alpha: float
    arms: tuple[ArmStats, ...]  # control first
    comparisons: tuple[Comparison, ...]  # each other arm vs control
    srm: SampleRatioCheck
    cuped: CupedSummary | None = None
    cuped_arms: tuple[ArmStats, ...] = ()
    cuped_comparisons: tuple[Comparison, ...] = ()

    def to_arrow(self) -> pa.Table:
        """One row per (adjustment, arm); lift columns are null on the control rows. The SRM check and
        the CUPED fit are one value per experiment, repeated on every row (``srm_expected_share``: that
        arm's share in the split assumed; ``cuped_*`` null without a covariate), so a CSV keeps them."""
        share = dict(zip(self.srm.arms, self.srm.expected_share))
        theta = self.cuped and self.cuped.theta
        reduction = self.cuped and self.cuped.variance_reduction
        rows = []
        for adjustment, arms, comparisons in (("none", self.arms, self.comparisons),
                                              ("cuped", self.cuped_arms, self.cuped_comparisons)):
            by_arm = {c.arm: c for c in comparisons}
            for a in arms:
                c = by_arm.get(a.arm)
                rows.append({
                    "adjustment": adjustment, "arm": a.arm, "is_control": a.arm == self.control,
                    "n": a.n, "mean": a.mean, "std_error": a.std_error,
                    "absolute_lift": c and c.absolute_lift,
                    "absolute_ci_low": c and c.absolute_ci[0], "absolute_ci_high": c and c.absolute_ci[1],
                    "relative_lift": c and _none_if_nan(c.relative_lift),
                    "relative_ci_low": c and _none_if_nan(c.relative_ci[0]),
                    "relative_ci_high": c and _none_if_nan(c.relative_ci[1]),
                    "test": c and c.test, "statistic": c and c.statistic,
                    "df": c and c.df, "p_value": c and c.p_value,
                    "srm_expected_share": share.get(a.arm), "srm_chi2": self.srm.chi2,
                    "srm_p_value": self.srm.p_value, "srm_mismatch": self.srm.mismatch,
                    "cuped_theta": theta, "cuped_variance_reduction": reduction,
                })
        schema = pa.schema([
            ("adjustment", pa.string()), ("arm", pa.string()), ("is_control", pa.bool_()), ("n", pa.int64()),
            ("mean", pa.float64()), ("std_error", pa.float64()), ("absolute_lift", pa.float64()),
            ("absolute_ci_low", pa.float64()), ("absolute_ci_high", pa.float64()),
            ("relative_lift", pa.float64()), ("relative_ci_low", pa.float64()),
            ("relative_ci_high", pa.float64()), ("test", pa.string()), ("statistic", pa.float64()),
            ("df", pa.float64()), ("p_value", pa.float64()), ("srm_expected_share", pa.float64()),
            ("srm_chi2", pa.float64()), ("srm_p_value", pa.float64()), ("srm_mismatch", pa.bool_()),
            ("cuped_theta", pa.float64()), ("cuped_variance_reduction", pa.float64()),
        ])
        return pa.Table.from_pylist(rows, schema=schema)

    def render(self) -> str:
        level = f"{1 - self.alpha:.0%}"
        measure = "rate" if self.outcome_type == "binary" else "mean"
        lines = [f"experiment on {self.outcome!r} ({self.outcome_type}), control {self.control!r}, {level} intervals"]
        lines += _render_block(self.arms, self.comparisons, measure, self.control)
        if self.cuped is not None:
            lines.append(f"CUPED on {self.cuped.covariate!r}: theta {self.cuped.theta:.4g}, "
                         f"variance reduced by {self.cuped.variance_reduction:.2%}")
            lines += _render_block(self.cuped_arms, self.cuped_comparisons, "adj. mean", self.control)
        srm = self.srm
        verdict = "MISMATCH: check assignment before trusting the lifts" if srm.mismatch else "ok"
        lines.append(f"sample ratio: chi2 {srm.chi2:.2f} (df {srm.df}), p {srm.p_value:.3g} assuming {srm.assumed} "
                     f"-> {verdict}")
        return "\n".join(lines)


def _none_if_nan(x: float) -> float | None:
    return None if x is None or math.isnan(x) else x


def _render_block(arms, comparisons, measure: str, control: str) -> list[str]:
    by_arm = {c.arm: c for c in comparisons}
    width = max(8, *(len(a.arm) for a in arms)) + 2
    lines = [f"  {'arm':<{width}}{'n':>9}{measure:>11}{'abs. lift [CI]':>30}{'rel. lift [CI]':>28}{'p':>10}"]
    for a in arms:
        line = f"  {a.arm:<{width}}{a.n:>9,}{a.mean:>11.4f}"
        c = by_arm.get(a.arm)
        if c is not None:
            abs_part = f"{c.absolute_lift:+.4f} [{c.absolute_ci[0]:+.4f}, {c.absolute_ci[1]:+.4f}]"
            rel_part = ("n/a" if math.isnan(c.relative_lift)
                        else f"{c.relative_lift:+.1%} [{c.relative_ci[0]:+.1%}, {c.relative_ci[1]:+.1%}]")
            line += f"{abs_part:>30}{rel_part:>28}{c.p_value:>10.3g}"
        elif a.arm == control:
            line += f"{'(control)':>30}"
        lines.append(line)
    return lines


def _column(data, name: str) -> np.ndarray:
    """A column of a pyarrow Table, pandas DataFrame or mapping of arrays, as a numpy array."""
    if isinstance(data, pa.Table):
        names = data.column_names
        if name in names:
            return data.column(name).to_numpy(zero_copy_only=False)
    elif isinstance(data, pd.DataFrame):
        names = [str(c) for c in data.columns]
        if name in data.columns:
            return data[name].to_numpy()
    elif isinstance(data, Mapping):
        names = [str(k) for k in data]
        if name in data:
            return np.asarray(data[name])
    else:
        raise PQLInputError(f"experiment data must be a pyarrow Table, pandas DataFrame or mapping of "
                            f"columns, got {type(data).__name__}")
    raise PQLInputError(f"no column {name!r} in the experiment data{did_you_mean(name, names)} "
                        f"(columns: {', '.join(names)})")


def _numeric(values: np.ndarray, name: str) -> np.ndarray:
    series = pd.Series(values)
    if series.isna().any():
        raise PQLInputError(f"column {name!r} has {int(series.isna().sum())} missing values; "
                            "fill them (e.g. 0 for counts) or drop those units first")
    try:
        return series.astype(np.float64).to_numpy()
    except (TypeError, ValueError) as e:
        raise PQLInputError(f"column {name!r} must be numeric: {e}") from e


def _pick_control(labels: list[str], control, column: str) -> str:
    if control is not None:
        if str(control) not in labels:
            raise PQLInputError(f"control arm {str(control)!r} is not among the arms ({list_arms(labels)})"
                                f"{did_you_mean(str(control), labels)}{id_like(labels, column)}")
        return str(control)
    named = [a for a in labels if a.lower() in CONTROL_NAMES]
    if len(named) == 1:
        return named[0]
    raise PQLInputError(f"cannot tell which arm is the control among the arms ({list_arms(labels)}); "
                        f"pass control=<arm>{id_like(labels, column)}")


def analyze_experiment(
    data,
    *,
    arm: str = "arm",
    outcome: str = "outcome",
    unit: str | None = None,
    control=None,
    covariate: str | None = None,
    expected_split: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    outcome_type: str = "auto",
    srm_threshold: float = 0.001,
) -> ExperimentAnalysis:
    """Per-arm rates/means, lifts vs control with intervals and p-values, SRM check, optional CUPED.

    Args:
        data: one row per unit; a pyarrow Table, pandas DataFrame or mapping of column arrays.
        arm, outcome: column names; arm values are compared as strings.
        unit: optional unit-id column; each unit must appear once.
        control: the control arm; by default the arm called control/ctrl/holdout/baseline.
        covariate: pre-period column for CUPED (adds the adjusted block; the raw one stays).
        expected_split: arm → weight of the designed split (default: equal).
        outcome_type: "binary", "continuous" or "auto" (binary when every value is 0 or 1).
    """
    if not 0 < alpha < 1:
        raise PQLInputError(f"alpha must be in (0, 1), got {alpha}")
    if outcome_type not in ("auto", "binary", "continuous"):
        raise PQLInputError(f"outcome_type must be 'auto', 'binary' or 'continuous', got {outcome_type!r}")
    arm_values = pd.Series(_column(data, arm))
    if arm_values.isna().any():
        raise PQLInputError(f"column {arm!r} has {int(arm_values.isna().sum())} units with no arm")
    labels_per_unit = arm_values.astype(str).to_numpy()
    y = _numeric(_column(data, outcome), outcome)
    if unit is not None:
        ids = pd.Series(_column(data, unit))
        repeated = ids[ids.duplicated()]
        if len(repeated):
            example = repeated.iloc[0]
            raise PQLInputError(f"{repeated.nunique()} units appear more than once in {unit!r} (e.g. "
                                f"{getattr(example, 'item', lambda: example)()!r}); each unit must be assigned "
                                "to one arm once")
    is_binary = bool(np.all((y == 0) | (y == 1)))
    if outcome_type == "binary" and not is_binary:
        raise PQLInputError(f"outcome {outcome!r} was declared binary but has values other than 0 and 1")
    binary = is_binary if outcome_type == "auto" else outcome_type == "binary"

    labels = sorted(set(labels_per_unit.tolist()))
    if len(labels) < 2:
        raise PQLInputError(f"an experiment needs at least two arms; {arm!r} has only {labels}")
    control_arm = _pick_control(labels, control, arm)
    ordered = [control_arm, *(a for a in labels if a != control_arm)]
    members = {a: labels_per_unit == a for a in ordered}
    small = [a for a in ordered if members[a].sum() < 2]
    if small:
        raise PQLInputError(f"{len(small):,} arm(s) have fewer than 2 units ({list_arms(small)}); no variance can "
                            f"be estimated{id_like(labels, arm)}")

    arms, comparisons = _analyse(ordered, members, y, binary=binary, alpha=alpha)
    counts = [int(members[a].sum()) for a in ordered]
    srm = sample_ratio_check(ordered, counts, expected_split, threshold=srm_threshold)
    cuped = None
    cuped_arms: tuple[ArmStats, ...] = ()
    cuped_comparisons: tuple[Comparison, ...] = ()
    if covariate is not None:
        x = _numeric(_column(data, covariate), covariate)
        adjusted, cuped = cuped_adjust(y, x, name=covariate)
        cuped_arms, cuped_comparisons = _analyse(ordered, members, adjusted, binary=False, alpha=alpha,
                                                 adjustment="cuped")
    return ExperimentAnalysis(outcome=outcome, outcome_type="binary" if binary else "continuous",
                              control=control_arm, alpha=alpha, arms=arms, comparisons=comparisons, srm=srm,
                              cuped=cuped, cuped_arms=cuped_arms, cuped_comparisons=cuped_comparisons)


def _analyse(ordered, members, y, *, binary: bool, alpha: float, adjustment: str = "none"):
    arms = tuple(arm_stats(a, y[members[a]], binary=binary) for a in ordered)
    control = arms[0]
    if binary:
        comparisons = tuple(compare_proportions(t, control, alpha=alpha) for t in arms[1:])
    else:
        comparisons = tuple(compare_means(t, control, alpha=alpha, adjustment=adjustment) for t in arms[1:])
    return arms, comparisons
