"""On small instances the allocation equals brute force over every assignment."""
import itertools

import numpy as np
import pytest

from engine.allocation import AllocationProblem, allocate
from engine.allocation.exact import solve_exact
from engine.allocation.fixing import fix_by_bound
from engine.allocation.lagrangian import solve_lagrangian


def brute_force(problem: AllocationProblem) -> float:
    """Best net value over all assignments (including non-positive pairs), vectorised over the grid."""
    n, n_arms = problem.n_entities, problem.n_arms
    options = np.array([[a in combo for a in range(n_arms)]
                        for r in range(problem.max_per + 1)
                        for combo in itertools.combinations(range(n_arms), r)], dtype=float)  # [O, A]
    grid = np.indices((len(options),) * n).reshape(n, -1).T  # [O^n, n]
    net = sum((options @ problem.net[i])[grid[:, i]] for i in range(n))
    cost = sum((options @ problem.cost[i])[grid[:, i]] for i in range(n))
    counts = sum(options[grid[:, i]] for i in range(n))  # [O^n, A]
    feasible = (cost <= problem.budget + 1e-9) & (counts <= problem.capacity).all(axis=1)
    return float(net[feasible].max())


def random_instance(rng: np.random.Generator):
    n = int(rng.integers(1, 7))
    n_arms = int(rng.integers(1, 4))
    max_per = int(rng.integers(1, n_arms + 1)) if n < 6 else 1  # keeps the grid <= 4^6
    value = np.round(rng.normal(5.0, 4.0, size=(n, n_arms)), 1)
    if rng.uniform() < 0.7:
        cost = np.round(rng.uniform(0, 6, size=(n, n_arms)), 1)
    else:
        cost = rng.integers(1, 5, size=n_arms).astype(float)  # one cost per arm
    budget = float(rng.choice([0.0, np.inf, *np.round(rng.uniform(2, 15, size=4), 1)]))
    capacity = None
    if rng.uniform() < 0.6:
        capacity = [None if rng.uniform() < 0.3 else int(rng.integers(0, n // 2 + 2)) for _ in range(n_arms)]
    return dict(value=value, cost=cost, budget=budget, capacity=capacity, max_per=max_per)


def _check_plan(result, problem):
    table = result.assignment.to_pandas()
    s = result.summary
    assert table["cost"].sum() == pytest.approx(s.total_cost)
    assert table["net_value"].sum() == pytest.approx(s.net_value)
    assert s.total_cost <= problem.budget + 1e-9
    counts = table["arm_index"].value_counts()
    for a, c in counts.items():
        assert c <= problem.capacity[a]
    assert (table.groupby("entity_index").size() <= problem.max_per).all()
    assert (table["net_value"] > 0).all()  # non-positive pairs are never worth assigning


@pytest.mark.parametrize("seed", range(60))
def test_allocation_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    inputs = random_instance(rng)
    problem = AllocationProblem.build(inputs["value"], inputs["cost"], budget=inputs["budget"],
                                      capacity=inputs["capacity"], max_per=inputs["max_per"])
    best = brute_force(problem)

    exact = allocate(**inputs, method="milp", baseline_draws=1)
    assert exact.summary.net_value == pytest.approx(best, abs=1e-6)
    assert exact.summary.status == "optimal"
    _check_plan(exact, problem)

    plain = solve_exact(problem, time_limit=10)  # HiGHS on every candidate, no fixing
    assert float(problem.net[plain.chosen].sum()) == pytest.approx(best, abs=1e-6)

    # Reduced-cost fixing against the raw greedy plan never cuts off a better plan.
    greedy = solve_lagrangian(problem)
    greedy_value = float(problem.net[greedy.chosen].sum())
    assert greedy.dual.bound >= best - 1e-6
    fixing = fix_by_bound(problem, greedy.dual, greedy_value)
    reduced = solve_exact(problem, time_limit=10, free=fixing.free, fixed_in=fixing.fixed_in)
    reduced_value = -np.inf if reduced.chosen is None else float(problem.net[reduced.chosen].sum())
    assert max(greedy_value, reduced_value) == pytest.approx(best, abs=1e-6)

    heuristic = allocate(**inputs, method="lagrangian", baseline_draws=1)
    _check_plan(heuristic, problem)
    assert heuristic.summary.net_value <= best + 1e-9
    assert heuristic.summary.upper_bound >= best - 1e-6  # the LP bound really bounds the optimum
    assert exact.summary.upper_bound == pytest.approx(heuristic.summary.upper_bound)
    if heuristic.summary.status == "optimal":
        assert heuristic.summary.net_value == pytest.approx(best, abs=1e-6)


def test_lagrangian_bound_equals_lp_relaxation():
    """The dual optimum is the LP-relaxation optimum (checked against HiGHS's LP)."""
    from scipy.optimize import LinearConstraint, milp

    rng = np.random.default_rng(7)
    value = rng.gamma(2.0, 5.0, size=(300, 3))
    problem = AllocationProblem.build(value, [2.0, 5.0, 9.0], budget=600.0, capacity=[None, 50, 20], max_per=2)
    net = problem.net.ravel()
    n, n_arms = value.shape
    rows = [problem.cost.ravel()]
    rows += [np.tile(np.eye(n_arms)[a], n) for a in (1, 2)]
    entity_rows = np.kron(np.eye(n), np.ones(n_arms))
    matrix = np.vstack([np.array(rows), entity_rows])
    limits = np.r_[600.0, 50.0, 20.0, np.full(n, 2.0)]
    lp = milp(-np.maximum(net, 0), constraints=LinearConstraint(matrix, -np.inf, limits), bounds=(0, 1))
    dual = solve_lagrangian(problem).dual
    assert dual.converged
    assert dual.bound == pytest.approx(-lp.fun, rel=1e-6)
