"""``allocate``: pick the solver by size, solve, check feasibility, compare with baselines."""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np

from engine.allocation.baselines import cheapest_arm_policy, random_policy
from engine.allocation.core import polish_core
from engine.allocation.exact import solve_exact
from engine.allocation.fixing import fix_by_bound
from engine.allocation.lagrangian import solve_lagrangian
from engine.allocation.problem import AllocationProblem
from engine.allocation.result import AllocationResult, AllocationSummary, PolicyOutcome, assignment_table
from pql.errors import EngineError, PQLInputError

METHODS = ("auto", "milp", "lagrangian")


def allocate(
    value,
    cost,
    *,
    budget: float,
    capacity: Mapping[str, float] | Sequence[float | None] | None = None,
    max_per: int = 1,
    arms: Sequence[str] | None = None,
    entity_ids=None,
    method: str = "auto",
    time_limit: float = 30.0,
    exact_max_variables: int = 20_000,
    seed: int = 0,
    baseline_draws: int = 5,
    charge_cost: bool = True,
) -> AllocationResult:
    """Assign arms to entities to maximise expected incremental value minus cost within the budget.

    Args:
        value: expected incremental value per entity × arm, [n, A] (already multiplied by value).
        cost: cost per entity × arm [n, A], or per arm [A].
        budget: upper limit on total cost (``inf`` for none).
        capacity: per-arm limit on the number of entities (mapping arm → n, or one per arm, None = unlimited).
        max_per: at most this many arms per entity (no arm is always allowed).
        arms, entity_ids: labels carried into the assignment table.
        method: "lagrangian" (dual bound + greedy repair + core polish), "milp" (then HiGHS on the pairs that
            reduced-cost fixing leaves free: exact), or "auto": milp when at most
            ``exact_max_variables`` pairs are left free.
        time_limit: seconds for the HiGHS solve; a timed-out solve keeps the best plan found.
        seed, baseline_draws: the random baselines are the mean over this many seeded draws.
        charge_cost: False when value and cost are in different units: maximise the value alone, with
            cost only limiting the budget (``net_value`` then equals the value).

    See ``problem.py`` for the objective and why non-positive net pairs are never assigned.
    """
    if method not in METHODS:
        raise PQLInputError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    problem = AllocationProblem.build(value, cost, budget=budget, capacity=capacity, max_per=max_per,
                                      arms=arms, entity_ids=entity_ids, charge_cost=charge_cost)
    return solve(problem, method=method, time_limit=time_limit, exact_max_variables=exact_max_variables,
                 seed=seed, baseline_draws=baseline_draws)


def solve(
    problem: AllocationProblem,
    *,
    method: str = "auto",
    time_limit: float = 30.0,
    exact_max_variables: int = 20_000,
    seed: int = 0,
    baseline_draws: int = 5,
) -> AllocationResult:
    """Solve a validated problem; see :func:`allocate` for the arguments.

    Always: Lagrangian dual (the LP bound), its greedy plan, and an exact re-solve of the plan's core
    (the pairs with reduced value nearest zero). Then, unless ``method='lagrangian'``, reduced-cost
    fixing against that plan and HiGHS on the pairs left free, keeping the better plan.
    """
    if method not in METHODS:
        raise PQLInputError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if not time_limit > 0:
        raise PQLInputError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    started = time.perf_counter()
    heuristic = solve_lagrangian(problem)
    chosen, bound = heuristic.chosen, heuristic.dual.bound
    cheapest = _cheapest_cost(problem)
    nothing_fits = np.isfinite(cheapest) and cheapest > problem.budget  # inf: no pair is worth giving at all
    if nothing_fits:  # the empty plan is the only one, hence optimal: the LP's fractional plans bound nothing
        chosen, bound = np.zeros_like(chosen), 0.0
    if _relative_gap(bound, _net_value(problem, chosen)) > 1e-9:
        chosen = polish_core(problem, heuristic.dual, chosen, time_limit=min(10.0, time_limit))
    best = _net_value(problem, chosen)
    solver, status, note, milp_variables = "lagrangian", "heuristic", "", 0
    if nothing_fits:
        note = f"budget {problem.budget:g} is below the cheapest cost ({cheapest:g}): nothing can be allocated"
    elif not heuristic.dual.converged:
        note = f"dual not converged after {heuristic.dual.iterations} steps; the bound is still valid"
    if method != "lagrangian" and _relative_gap(bound, best) > 1e-9:
        fixing = fix_by_bound(problem, heuristic.dual, best)
        n_free = int(fixing.free.sum())
        if method == "milp" or n_free <= exact_max_variables:
            exact = solve_exact(problem, time_limit=time_limit, free=fixing.free, fixed_in=fixing.fixed_in)
            solver, milp_variables = "milp", exact.n_variables
            if exact.chosen is not None and _net_value(problem, exact.chosen) > best:
                chosen, best = exact.chosen, _net_value(problem, exact.chosen)
            if exact.status in ("optimal", "infeasible"):  # infeasible: nothing beats the incumbent
                status = "optimal"
            else:
                status = "time_limit"
                note = f"HiGHS stopped after {time_limit:g}s ({exact.message}); kept the best plan found"
        else:
            note = (f"{n_free} pairs stay free after fixing (> exact_max_variables={exact_max_variables}); "
                    "kept the Lagrangian plan")
    if _relative_gap(bound, best) <= 1e-9:
        status = "optimal"
    _check_feasible(problem, chosen)
    outcome = PolicyOutcome.of("optimised", problem, chosen)
    seconds = time.perf_counter() - started

    rng = np.random.default_rng(seed)
    draws = max(1, baseline_draws)
    baselines = (
        PolicyOutcome.mean("random", [PolicyOutcome.of("random", problem, random_policy(problem, rng))
                                      for _ in range(draws)]),
        PolicyOutcome.mean("cheapest arm", [PolicyOutcome.of("cheapest arm", problem,
                                                             cheapest_arm_policy(problem, rng))
                                            for _ in range(draws)]),
    )
    summary = AllocationSummary(
        n_entities=problem.n_entities,
        n_arms=problem.n_arms,
        budget=problem.budget,
        n_assigned=int(outcome.n_assigned),
        arm_counts=tuple((arm, int(c)) for arm, c in zip(problem.arms, chosen.sum(axis=0))),
        total_cost=outcome.total_cost,
        expected_incremental_value=outcome.expected_incremental_value,
        net_value=outcome.net_value,
        roi=outcome.roi,
        solver=solver,
        status=status,
        upper_bound=float(bound),
        gap=_relative_gap(bound, outcome.net_value),
        seconds=seconds,
        milp_variables=milp_variables,
        note=note,
        nothing_fits=bool(nothing_fits),
    )
    return AllocationResult(assignment=assignment_table(problem, chosen), summary=summary, baselines=baselines)


def _cheapest_cost(problem: AllocationProblem) -> float:
    """The lowest cost of a pair worth giving (positive net value, an arm with room); inf when none is."""
    worth = problem.candidates & (problem.capacity > 0)[None, :]
    return float(problem.cost[worth].min()) if worth.any() else float("inf")


def _net_value(problem: AllocationProblem, chosen: np.ndarray) -> float:
    return float(problem.net[chosen].sum())


def _relative_gap(bound: float, objective: float) -> float:
    if bound <= 0:
        return 0.0
    return max(0.0, (bound - objective) / bound)


def _check_feasible(problem: AllocationProblem, chosen: np.ndarray) -> None:
    """Guard against solver tolerances or bugs producing a plan that breaks a constraint."""
    spent = float(problem.cost[chosen].sum())
    if spent > problem.budget + 1e-6 * max(1.0, problem.budget):
        raise EngineError(f"allocation plan spends {spent:g} over the budget {problem.budget:g}")
    over = chosen.sum(axis=0) > problem.capacity
    if over.any():
        raise EngineError(f"allocation plan exceeds the capacity of arm(s) {[problem.arms[a] for a in np.flatnonzero(over)]}")
    if (chosen.sum(axis=1) > problem.max_per).any():
        raise EngineError(f"allocation plan gives some entity more than {problem.max_per} arm(s)")
