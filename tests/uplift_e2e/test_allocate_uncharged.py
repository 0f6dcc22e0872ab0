"""ALLOCATE without VALUE: the uplift is not money, so cost only limits the budget (charge_cost=False).
Small instances against brute force."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.allocation import allocate


def brute_force(value, cost, budget, capacity):
    n, arms = value.shape
    best = 0.0
    for plan in itertools.product(range(-1, arms), repeat=n):  # -1: no arm
        chosen = [(i, a) for i, a in enumerate(plan) if a >= 0]
        if sum(cost[i, a] for i, a in chosen) > budget + 1e-9:
            continue
        if any(sum(1 for _, a in chosen if a == arm) > capacity[arm] for arm in range(arms)):
            continue
        best = max(best, sum(value[i, a] for i, a in chosen))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    value = rng.normal(0.05, 0.1, size=(7, 2))  # uplift in probability points, some negative
    cost = rng.uniform(0.5, 3.0, size=(7, 2))  # money: larger than any uplift
    capacity = (3, 2)
    result = allocate(value, cost, budget=5.0, capacity=capacity, arms=("email", "sms"), charge_cost=False)
    s = result.summary
    assert s.net_value == pytest.approx(brute_force(value, cost, 5.0, capacity), abs=1e-9)
    assert s.net_value == pytest.approx(s.expected_incremental_value)  # the cost is not subtracted
    assert s.total_cost <= 5.0 + 1e-9
    assert (result.assignment.column("expected_incremental_value").to_numpy() > 0).all()


def test_charging_cost_would_assign_nobody():
    value = np.full((5, 1), 0.2)  # +20 points of purchase probability each
    charged = allocate(value, np.ones((5, 1)), budget=3)
    uncharged = allocate(value, np.ones((5, 1)), budget=3, charge_cost=False)
    assert charged.summary.n_assigned == 0  # 0.2 - 1 < 0: mixing units makes every treatment a loss
    assert uncharged.summary.n_assigned == 3 and uncharged.summary.roi == pytest.approx(0.2)
