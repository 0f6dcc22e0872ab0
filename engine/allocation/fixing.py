"""Lagrangian reduced-cost fixing: decide most pairs before the MILP sees them.

At any multipliers the dual value ``D`` bounds every feasible plan. Forcing one pair in (or out)
changes only its entity's term, so the bound on all plans with that pair in (out) is cheap:

    in:  D - p_k[i] + r[i, a]        (pair not in its entity's top ``k = max_per``)
    out: D - r[i, a] + p_{k+1}[i]    (pair in its entity's top ``k``)

where ``r`` are the reduced values and ``p_j[i]`` the entity's ``j``-th largest reduced value clipped
at 0. When that bound is below the value of a known plan (the incumbent), no better plan has the
pair in (out), so it is fixed out (in). With the small gaps the Lagrangian plan leaves, only the
pairs near the pricing threshold stay free, and the MILP over them is small.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.allocation.lagrangian import DualOutcome, _top_positive
from engine.allocation.problem import AllocationProblem


@dataclass(frozen=True, kw_only=True)
class Fixing:
    fixed_in: np.ndarray  # bool [n, A]: in every plan better than the incumbent
    free: np.ndarray  # bool [n, A]: still undecided (candidates only)


def fix_by_bound(problem: AllocationProblem, dual: DualOutcome, incumbent_value: float) -> Fixing:
    """Fix pairs whose forced-in/out Lagrangian bound falls below ``incumbent_value``."""
    candidates = problem.candidates
    reduced = np.where(candidates, problem.net - dual.lam * problem.cost - dual.mu[None, :], -np.inf)
    picked = _top_positive(reduced, problem.max_per)
    k, n_arms = problem.max_per, problem.n_arms
    clipped = np.sort(np.maximum(reduced, 0.0), axis=1)[:, ::-1]  # [n, A], descending
    zero = np.zeros(problem.n_entities)
    p_k = clipped[:, k - 1] if k <= n_arms else zero
    p_next = clipped[:, k] if k < n_arms else zero
    # Demand a clear margin so that float rounding in D can never fix a pair wrongly.
    threshold = incumbent_value - 1e-9 * max(1.0, abs(dual.bound))
    bound_in = dual.bound - p_k[:, None] + reduced
    bound_out = dual.bound - reduced + p_next[:, None]
    fixed_out = candidates & ~picked & (bound_in < threshold)
    fixed_in = picked & (bound_out < threshold)
    free = (candidates & ~picked & ~fixed_out) | (picked & ~fixed_in)
    return Fixing(fixed_in=fixed_in, free=free)
