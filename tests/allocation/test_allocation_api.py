"""allocate(): objective choices, output shape, baselines, and clear errors for bad input."""
import math

import numpy as np
import pyarrow as pa
import pytest

from engine.allocation import AllocationProblem, allocate
from engine.allocation.baselines import cheapest_arm_policy, random_policy
from engine.allocation.lagrangian import solve_lagrangian
from pql.errors import PQLInputError


def test_greedy_trap_is_solved_exactly_and_gap_reported():
    # One arm, budget 10. Best ratio first (net 7 for cost 6) leaves no room for the two 5.5s.
    value = np.array([[13.0], [10.5], [10.5]])
    cost = np.array([[6.0], [5.0], [5.0]])
    problem = AllocationProblem.build(value, cost, budget=10)
    greedy = solve_lagrangian(problem)
    assert problem.net[greedy.chosen].sum() == pytest.approx(7.0)
    # LP: all of entity 0 plus 4/5 of entity 1 -> 7 + 4.4 = 11.4
    assert greedy.dual.bound == pytest.approx(11.4, rel=1e-6)
    for method in ("lagrangian", "milp"):  # the core polish re-solves these three pairs exactly
        result = allocate(value, cost, budget=10, method=method)
        assert result.summary.net_value == pytest.approx(11.0)
        assert result.summary.upper_bound == pytest.approx(11.4, rel=1e-6)
        assert result.summary.gap == pytest.approx(0.4 / 11.4, rel=1e-5)
        assert result.assignment.column("entity_index").to_pylist() == [1, 2]
    assert allocate(value, cost, budget=10, method="milp").summary.status == "optimal"


def test_assignment_table_and_summary():
    value = np.array([[5.0, 9.0], [1.0, 0.5], [4.0, 8.0]])
    result = allocate(value, [1.0, 3.0], budget=100, arms=["points", "coupon"], entity_ids=["a", "b", "c"])
    table = result.assignment
    assert isinstance(table, pa.Table)
    assert table.column_names == ["entity_index", "entity", "arm", "arm_index",
                                  "expected_incremental_value", "cost", "net_value"]
    # net: a (4, 6) -> coupon; b (0, -2.5) -> nothing; c (3, 5) -> coupon
    assert table.column("entity").to_pylist() == ["a", "c"]
    assert table.column("arm").to_pylist() == ["coupon", "coupon"]
    s = result.summary
    assert (s.total_cost, s.expected_incremental_value, s.net_value) == (6.0, 17.0, 11.0)
    assert s.roi == pytest.approx(11.0 / 6.0)
    assert s.arm_counts == (("points", 0), ("coupon", 2))
    assert s.gap == pytest.approx(0.0, abs=1e-9) and s.status == "optimal"
    assert "optimised" in result.render() and "cheapest arm" in result.render()
    assert list(result.to_pandas()["entity"]) == ["a", "c"]


def test_budget_is_a_limit_not_a_target():
    # Spending more would only lose money: the plan leaves budget unspent.
    result = allocate(np.array([[3.0], [0.5]]), [1.0], budget=1000)
    assert result.summary.total_cost == 1.0
    assert result.summary.net_value == 2.0


def test_capacity_and_max_per():
    value = np.full((4, 3), 10.0)
    result = allocate(value, [1.0, 2.0, 3.0], budget=math.inf, capacity={"arm_0": 1, "arm_2": 0}, max_per=2)
    counts = dict(result.summary.arm_counts)
    assert counts == {"arm_0": 1, "arm_1": 4, "arm_2": 0}
    assert result.summary.net_value == pytest.approx(9.0 + 4 * 8.0)


def test_nothing_worth_doing_gives_empty_plan():
    result = allocate(np.array([[1.0, 2.0]]), [5.0, 5.0], budget=10)
    assert result.assignment.num_rows == 0
    assert result.summary.net_value == 0.0 and math.isnan(result.summary.roi)
    assert result.summary.status == "optimal"


def test_baselines_respect_budget_and_capacity():
    rng = np.random.default_rng(0)
    value = rng.gamma(2.0, 3.0, size=(500, 3))
    problem = AllocationProblem.build(value, [1.0, 2.0, 4.0], budget=300, capacity=[100, None, 20])
    for policy in (random_policy, cheapest_arm_policy):
        chosen = policy(problem, np.random.default_rng(1))
        assert problem.cost[chosen].sum() <= 300
        assert (chosen.sum(axis=0) <= problem.capacity).all()
        assert (chosen.sum(axis=1) <= 1).all()
    cheapest = cheapest_arm_policy(problem, np.random.default_rng(1))
    assert set(np.nonzero(cheapest)[1]) == {0}  # arm 0 is everyone's cheapest
    assert cheapest.sum() == 100  # capacity of arm 0 reached before the budget


def test_cheapest_arm_gives_everyone_when_budget_allows():
    value = np.array([[1.0, 5.0], [2.0, 1.0], [3.0, 3.0]])
    cost = np.array([[2.0, 1.0], [1.0, 2.0], [1.0, 1.0]])
    problem = AllocationProblem.build(value, cost, budget=10)
    chosen = cheapest_arm_policy(problem, np.random.default_rng(0))
    # entity 2 ties on cost and value: first arm
    assert chosen.tolist() == [[False, True], [True, False], [True, False]]


def test_optimised_beats_baselines_on_heterogeneous_uplift():
    rng = np.random.default_rng(3)
    value = rng.gamma(1.0, 4.0, size=(2000, 4)) * np.array([1.0, 1.5, 2.0, 3.0])
    result = allocate(value, [1.0, 2.0, 4.0, 8.0], budget=1500, seed=0)
    random, cheapest = result.baselines
    assert result.summary.net_value > cheapest.net_value > random.net_value
    assert result.summary.gap < 1e-3


def test_seeded_baselines_are_reproducible():
    value = np.random.default_rng(0).normal(2.0, 2.0, size=(200, 2))
    a = allocate(value, [1.0, 1.5], budget=50, seed=5).baselines
    b = allocate(value, [1.0, 1.5], budget=50, seed=5).baselines
    assert a == b


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(budget=-1), "budget -1 is negative"),
        (dict(budget=float("nan")), "budget is NaN"),
        (dict(budget=10, value=[[1.0, float("nan")]]), "missing or infinite"),
        (dict(budget=10, cost=[[1.0, 2.0, 3.0]]), "cost has shape"),
        (dict(budget=10, cost=[-1.0, 1.0]), "cost must be non-negative"),
        (dict(budget=10, capacity={"gold": 3}), "unknown arm"),
        (dict(budget=10, capacity=[1, -2]), "must be >= 0"),
        (dict(budget=10, capacity=[1]), "1 capacities given for 2 arms"),
        (dict(budget=10, max_per=0), "max_per must be an integer >= 1"),
        (dict(budget=10, arms=["a", "a"]), "unique"),
        (dict(budget=10, entity_ids=[1, 2, 3]), "entity_ids has shape"),
        (dict(budget=10, method="simplex"), "method must be one of"),
    ],
)
def test_invalid_input_is_a_clear_input_error(kwargs, message):
    args = dict(value=[[1.0, 2.0]], cost=[1.0, 1.0])
    args.update(kwargs)
    with pytest.raises(PQLInputError, match=message):
        allocate(args.pop("value"), args.pop("cost"), **args)
