"""Reference policies the optimised plan is compared with, under the same budget and capacities.

Both walk the entities in a seeded random order and give each one arm until the next one no longer
fits the budget (capacity-full arms are skipped without spending), i.e. "as far as the budget allows".
Neither looks at net value, which is the point of the comparison.
"""
from __future__ import annotations

import numpy as np

from engine.allocation.problem import AllocationProblem


def fill_in_order(problem: AllocationProblem, order: np.ndarray, arm_of: np.ndarray) -> np.ndarray:
    """Give entity ``order[k]`` arm ``arm_of[order[k]]`` in that order while budget and capacity last.

    Returns bool [n, A]. Vectorised: capacity by the running count per arm, budget by the running
    cost of the capacity-eligible entities (a prefix, so the walk stops at the first that overflows).
    """
    arms = arm_of[order]
    running = np.zeros(len(order), dtype=np.int64)
    for a in range(problem.n_arms):
        members = arms == a
        running[members] = np.arange(int(members.sum()))
    eligible = running < problem.capacity[arms]
    spend = np.cumsum(np.where(eligible, problem.cost[order, arms], 0.0))
    taken = eligible & (spend <= problem.budget * (1 + 1e-12))
    chosen = np.zeros((problem.n_entities, problem.n_arms), dtype=bool)
    chosen[order[taken], arms[taken]] = True
    return chosen


def random_policy(problem: AllocationProblem, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random arm for entities in random order."""
    order = rng.permutation(problem.n_entities)
    return fill_in_order(problem, order, rng.integers(0, problem.n_arms, size=problem.n_entities))


def cheapest_arm_policy(problem: AllocationProblem, rng: np.random.Generator) -> np.ndarray:
    """Each entity's cheapest arm (ties: the higher expected value), entities in random order."""
    arm_of = np.lexsort((-problem.value, problem.cost), axis=1)[:, 0]
    return fill_in_order(problem, rng.permutation(problem.n_entities), arm_of)
