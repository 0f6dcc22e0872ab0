"""CUPED (Deng et al., 2013): subtract the part of the outcome a pre-period covariate predicts.

``y_adj = y - theta * (x - mean(x))`` with ``theta = cov(x, y) / var(x)`` over all units pooled
(arms together). Because ``x`` is measured before assignment, the adjustment leaves the expected
difference between arms unchanged and shrinks its variance by about ``corr(x, y)^2``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pql.errors import PQLInputError


@dataclass(frozen=True, kw_only=True)
class CupedSummary:
    covariate: str
    theta: float
    variance_reduction: float  # 1 - var(y_adj) / var(y), over all units


def cuped_adjust(outcome: np.ndarray, covariate: np.ndarray, *, name: str) -> tuple[np.ndarray, CupedSummary]:
    """Adjusted outcome [n] and the summary. ``outcome`` and ``covariate`` are float arrays [n]."""
    var_x = float(np.var(covariate, ddof=1))
    if not var_x > 0:
        raise PQLInputError(f"CUPED covariate {name!r} is constant; it cannot explain any variance")
    theta = float(np.cov(covariate, outcome, ddof=1)[0, 1] / var_x)
    adjusted = outcome - theta * (covariate - covariate.mean())
    var_y = float(np.var(outcome, ddof=1))
    reduction = 1.0 - float(np.var(adjusted, ddof=1)) / var_y if var_y > 0 else 0.0
    return adjusted, CupedSummary(covariate=name, theta=theta, variance_reduction=reduction)
