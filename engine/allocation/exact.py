"""Exact allocation with HiGHS (``scipy.optimize.milp``) over the pairs left free.

One binary per free pair. Pairs fixed in (see ``fixing.py``) use up budget, capacity and per-entity
slots before the solve; the rows are one budget row, one per capacity-limited arm, and one per
entity with more free arms than slots left. Without fixing, every candidate pair is free.
"""
from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass

import numpy as np

from engine.allocation.problem import AllocationProblem
from pql.errors import EngineError


@dataclass(frozen=True, kw_only=True)
class ExactOutcome:
    chosen: np.ndarray | None  # bool [n, A] (fixed-in pairs included); None when HiGHS found no plan
    status: str  # "optimal" | "time_limit" | "failed" | "infeasible"
    n_variables: int
    message: str


def _constraints(problem: AllocationProblem, pairs: np.ndarray, fixed_in: np.ndarray):
    """Sparse rows [m, p] over the free pairs (flat indices [p]) and their residual limits [m]."""
    from scipy.sparse import coo_matrix

    entity, arm = np.divmod(pairs, problem.n_arms)
    p = len(pairs)
    rows, cols, vals, limits = [], [], [], []

    def add_rows(row_of_member: np.ndarray, members: np.ndarray, coefficients: np.ndarray, rhs) -> None:
        offset = len(limits)
        rows.append(row_of_member + offset)
        cols.append(members)
        vals.append(coefficients)
        limits.extend(np.atleast_1d(rhs).tolist())

    if np.isfinite(problem.budget):
        residual = problem.budget - float(problem.cost[fixed_in].sum())
        add_rows(np.zeros(p, dtype=np.int64), np.arange(p), problem.cost.ravel()[pairs], residual)
    used = fixed_in.sum(axis=0)
    for a in np.flatnonzero(np.isfinite(problem.capacity)):
        members = np.flatnonzero(arm == a)
        add_rows(np.zeros(len(members), dtype=np.int64), members, np.ones(len(members)),
                 problem.capacity[a] - used[a])
    slots = problem.max_per - fixed_in.sum(axis=1)
    crowded = np.bincount(entity, minlength=problem.n_entities) > slots
    if crowded.any():
        members = np.flatnonzero(crowded[entity])
        row_of_entity = np.cumsum(crowded) - 1
        add_rows(row_of_entity[entity[members]], members, np.ones(len(members)), slots[crowded])
    if not limits:
        return None, None
    matrix = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(len(limits), p)).tocsr()
    return matrix, np.asarray(limits, dtype=np.float64)


@contextlib.contextmanager
def _quiet_stdout():
    """HiGHS (as bundled in scipy) prints debug lines straight to fd 1; keep them off the user's terminal."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def solve_exact(
    problem: AllocationProblem,
    *,
    time_limit: float,
    free: np.ndarray | None = None,
    fixed_in: np.ndarray | None = None,
    mip_rel_gap: float = 1e-9,
) -> ExactOutcome:
    """Solve the MILP over ``free`` pairs (default: all candidates) with ``fixed_in`` pairs taken.

    "infeasible" means the fixed pairs alone break a limit, which happens only when no plan beats
    the incumbent the fixing was based on.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    shape = (problem.n_entities, problem.n_arms)
    fixed_in = np.zeros(shape, dtype=bool) if fixed_in is None else fixed_in
    free = problem.candidates & ~fixed_in if free is None else free
    pairs = np.flatnonzero(free.ravel())
    matrix, limits = _constraints(problem, pairs, fixed_in)
    if limits is not None and (limits < -1e-9).any():
        return ExactOutcome(chosen=None, status="infeasible", n_variables=len(pairs),
                            message="the fixed pairs alone exceed a limit")
    chosen = fixed_in.copy().ravel()
    if len(pairs) == 0:
        return ExactOutcome(chosen=chosen.reshape(shape), status="optimal", n_variables=0,
                            message="nothing left to decide")
    constraints = [] if matrix is None else [LinearConstraint(matrix, -np.inf, np.maximum(limits, 0.0))]
    try:
        with _quiet_stdout():
            result = milp(-problem.net.ravel()[pairs], constraints=constraints, bounds=Bounds(0.0, 1.0),
                          integrality=np.ones(len(pairs)),
                          options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap})
    except (ValueError, RuntimeError, MemoryError) as e:
        raise EngineError(f"HiGHS failed on the allocation problem ({len(pairs)} variables): {e}") from e
    if result.x is None:
        status = "time_limit" if result.status == 1 else "failed"
        return ExactOutcome(chosen=None, status=status, n_variables=len(pairs), message=str(result.message))
    chosen[pairs[result.x > 0.5]] = True
    return ExactOutcome(chosen=chosen.reshape(shape), status="optimal" if result.status == 0 else "time_limit",
                        n_variables=len(pairs), message=str(result.message))
