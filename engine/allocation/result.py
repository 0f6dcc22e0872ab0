"""What an allocation returns: the assignment table, a summary and the baseline comparisons."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from engine.allocation.problem import AllocationProblem


def _roi(net_value: float, cost: float) -> float:
    """Return on spend: net incremental value per unit of cost; NaN when nothing was spent."""
    return net_value / cost if cost > 0 else math.nan


@dataclass(frozen=True, kw_only=True)
class PolicyOutcome:
    """Totals of one policy (the optimised plan or a baseline)."""

    name: str
    n_assigned: float  # a mean over draws for randomised baselines
    total_cost: float
    expected_incremental_value: float
    net_value: float  # expected incremental value - cost
    roi: float  # net_value / total_cost
    draws: int = 1  # how many seeded draws the totals are the mean of (randomised baselines)

    @classmethod
    def of(cls, name: str, problem: AllocationProblem, chosen: np.ndarray) -> PolicyOutcome:
        cost = float(problem.cost[chosen].sum())
        value = float(problem.value[chosen].sum())
        net = float(problem.net[chosen].sum())
        return cls(name=name, n_assigned=int(chosen.sum()), total_cost=cost,
                   expected_incremental_value=value, net_value=net, roi=_roi(net, cost))

    @classmethod
    def mean(cls, name: str, outcomes: list[PolicyOutcome]) -> PolicyOutcome:
        def avg(field: str) -> float:
            return float(np.mean([getattr(o, field) for o in outcomes]))

        cost, value, net = avg("total_cost"), avg("expected_incremental_value"), avg("net_value")
        return cls(name=name, n_assigned=avg("n_assigned"), total_cost=cost, expected_incremental_value=value,
                   net_value=net, roi=_roi(net, cost), draws=len(outcomes))


@dataclass(frozen=True, kw_only=True)
class AllocationSummary:
    n_entities: int
    n_arms: int
    budget: float
    n_assigned: int
    arm_counts: tuple[tuple[str, int], ...]
    total_cost: float
    expected_incremental_value: float
    net_value: float  # the objective: expected incremental value - cost
    roi: float  # net_value / total_cost
    solver: str  # "milp" (HiGHS) | "lagrangian"
    status: str  # "optimal" | "time_limit" | "heuristic"
    upper_bound: float  # LP-relaxation bound on net_value (the Lagrangian dual optimum, which equals it)
    gap: float  # (upper_bound - net_value) / upper_bound; 0 when the bound is 0
    seconds: float
    milp_variables: int = 0  # binaries HiGHS saw after fixing (0 when it did not run)
    note: str = ""
    nothing_fits: bool = False  # every pair worth giving costs more than the budget: the plan is empty


@dataclass(frozen=True, kw_only=True)
class AllocationResult:
    assignment: pa.Table  # one row per (entity, arm) given; see ``assignment_table``
    summary: AllocationSummary
    baselines: tuple[PolicyOutcome, ...]

    def to_pandas(self):
        return self.assignment.to_pandas()

    def render(self) -> str:
        s = self.summary
        lines = [
            f"allocation of {s.n_entities} entities × {s.n_arms} arms, budget {s.budget:,.2f}",
            f"  solver {s.solver} ({s.status}) in {s.seconds:.2f}s; "
            + ("gap to LP bound n/a (nothing fits the budget)" if s.nothing_fits else
               f"gap to LP bound {s.gap:.5%} (bound {s.upper_bound:,.2f})"),
            "  arms given: " + ", ".join(f"{arm} {count}" for arm, count in s.arm_counts),
        ]
        if s.note:
            lines.append(f"  note: {s.note}")
        rows = [PolicyOutcome(name="optimised", n_assigned=s.n_assigned, total_cost=s.total_cost,
                              expected_incremental_value=s.expected_incremental_value,
                              net_value=s.net_value, roi=s.roi), *self.baselines]
        header = f"  {'policy':<16}{'assigned':>10}{'cost':>14}{'incr. value':>14}{'net value':>14}{'ROI':>9}"
        lines.append(header)
        for r in rows:
            roi = "n/a" if math.isnan(r.roi) else f"{r.roi:.2f}"
            assigned = f"{r.n_assigned:,.1f}" if r.draws > 1 else f"{r.n_assigned:,.0f}"  # a mean: 0.2, not 0
            lines.append(f"  {r.name:<16}{assigned:>10}{r.total_cost:>14,.2f}"
                         f"{r.expected_incremental_value:>14,.2f}{r.net_value:>14,.2f}{roi:>9}")
        averaged = [r for r in self.baselines if r.draws > 1]
        if averaged:
            lines.append(f"  ({', '.join(r.name for r in averaged)}: the mean of {averaged[0].draws} seeded draws)")
        return "\n".join(lines)


def assignment_table(problem: AllocationProblem, chosen: np.ndarray) -> pa.Table:
    """Columns: entity_index, [entity], arm, arm_index, expected_incremental_value, cost, net_value.

    ``entity`` (the caller's ids) is present only when ids were given. Rows are sorted by entity, arm.
    """
    entity, arm = np.nonzero(chosen)  # row-major: already sorted by (entity, arm)
    columns: dict[str, pa.Array] = {"entity_index": pa.array(entity, type=pa.int64())}
    if problem.entity_ids is not None:
        columns["entity"] = pa.array(problem.entity_ids[entity])
    value = problem.value[entity, arm]
    cost = problem.cost[entity, arm]
    columns["arm"] = pa.array([problem.arms[a] for a in arm], type=pa.string())
    columns["arm_index"] = pa.array(arm, type=pa.int32())
    columns["expected_incremental_value"] = pa.array(value, type=pa.float64())
    columns["cost"] = pa.array(cost, type=pa.float64())
    columns["net_value"] = pa.array(problem.net[entity, arm], type=pa.float64())
    return pa.table(columns)
