"""Sample-ratio mismatch: do the arm sizes fit the split the experiment was designed with?"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from pql.errors import PQLInputError, did_you_mean


@dataclass(frozen=True, kw_only=True)
class SampleRatioCheck:
    arms: tuple[str, ...]
    observed: tuple[int, ...]
    expected_share: tuple[float, ...]
    chi2: float
    df: int
    p_value: float
    threshold: float  # p below this flags a mismatch (0.001 is the usual, conservative choice)
    designed: bool = False  # True: ``expected_share`` is the split the user gave; False: equal arms assumed

    @property
    def mismatch(self) -> bool:
        return self.p_value < self.threshold

    @property
    def assumed(self) -> str:
        """The split the check compared against, for reports: ``equal arms`` or ``holdout=0.1, treatment=0.9``."""
        if not self.designed:
            return "equal arms"
        return ", ".join(f"{a}={s:.3g}" for a, s in zip(self.arms, self.expected_share))


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
            hint = did_you_mean(extra[0], missing) if extra and missing else ""
            raise PQLInputError(f"expected_split must name exactly the arms {list(arms)} (--expected-split "
                                f"ARM=SHARE,…); missing {missing}, unknown {extra}{hint}")
        weights = np.array([keys[a] for a in arms])
        if not np.all(np.isfinite(weights)) or (weights <= 0).any():
            raise PQLInputError(f"expected_split weights must be positive numbers, got {keys}")
    share = weights / weights.sum()
    observed = np.asarray(counts, dtype=np.float64)
    result = stats.chisquare(observed, f_exp=share * observed.sum())
    return SampleRatioCheck(arms=tuple(arms), observed=tuple(int(c) for c in counts),
                            expected_share=tuple(float(s) for s in share), chi2=float(result.statistic),
                            df=len(arms) - 1, p_value=float(result.pvalue), threshold=threshold,
                            designed=expected_split is not None)


def parse_split(text: str) -> dict[str, float]:
    """``holdout=0.1,treatment=0.9`` (the CLI's ``--expected-split``) as arm → share; the shares add up to 1.
    Which arms it must name is checked against the data by `sample_ratio_check`."""
    split: dict[str, float] = {}
    for part in text.split(","):
        arm, sep, share = part.rpartition("=")
        arm = arm.strip()
        try:
            value = float(share) if sep and arm else None
        except ValueError:
            value = None
        if value is None:
            raise PQLInputError(f"--expected-split: cannot read {part.strip()!r}; write ARM=SHARE for every arm, "
                                "separated by commas, e.g. holdout=0.1,treatment=0.9")
        if arm in split:
            raise PQLInputError(f"--expected-split names arm {arm!r} twice")
        split[arm] = value
    total = sum(split.values())
    if not abs(total - 1) <= 0.005:  # 0.333 three times is fine; 0.1 + 0.8 is a slip
        raise PQLInputError(f"--expected-split: the shares must add up to 1, they add up to {total:g}")
    return split
