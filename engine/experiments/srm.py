"""Sample-ratio mismatch: do the arm sizes fit the split the experiment was designed with?"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from pql.errors import PQLInputError


@dataclass(frozen=True, kw_only=True)
class SampleRatioCheck:
    arms: tuple[str, ...]
    observed: tuple[int, ...]
    expected_share: tuple[float, ...]
    chi2: float
    df: int
    p_value: float
    threshold: float  # p below this flags a mismatch (0.001 is the usual, conservative choice)

    @property
    def mismatch(self) -> bool:
        return self.p_value < self.threshold


def sample_ratio_check(
    arms: Sequence[str],
    counts: Sequence[int],
    expected_split: Mapping[str, float] | None = None,
    *,
    threshold: float = 0.001,
) -> SampleRatioCheck:
    """Pearson chi-square goodness of fit of arm counts to ``expected_split`` (default: equal)."""
    if expected_split is None:
        weights = np.ones(len(arms))
    else:
        keys = {str(k): float(v) for k, v in expected_split.items()}
        missing = [a for a in arms if a not in keys]
        extra = [k for k in keys if k not in arms]
        if missing or extra:
            raise PQLInputError(f"expected_split must name exactly the arms {list(arms)}; "
                                f"missing {missing}, unknown {extra}")
        weights = np.array([keys[a] for a in arms])
        if not np.all(np.isfinite(weights)) or (weights <= 0).any():
            raise PQLInputError(f"expected_split weights must be positive numbers, got {keys}")
    share = weights / weights.sum()
    observed = np.asarray(counts, dtype=np.float64)
    result = stats.chisquare(observed, f_exp=share * observed.sum())
    return SampleRatioCheck(arms=tuple(arms), observed=tuple(int(c) for c in counts),
                            expected_share=tuple(float(s) for s in share), chi2=float(result.statistic),
                            df=len(arms) - 1, p_value=float(result.pvalue), threshold=threshold)
