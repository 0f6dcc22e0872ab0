"""The allocation problem, validated once: who gets which arm within a budget.

Objective (a choice, stated here once): maximise the sum over assigned (entity, arm) pairs of
``expected incremental value - cost``, subject to

- total cost of the assignment <= ``budget``;
- at most ``capacity[a]`` entities get arm ``a`` (arms without a capacity are unlimited);
- each entity gets at most ``max_per`` arms ("no arm" is always allowed, so the problem is always
  feasible once the inputs are valid).

Because every constraint is a ``<=`` with non-negative coefficients, a pair whose net value
``value - cost`` is not positive can be dropped from any solution without breaking a constraint or
lowering the objective; such pairs are never candidates. Maximising net value (rather than raw
incremental value) means the budget is an upper limit, not a target: money is left unspent when
spending it would lose money.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pql.errors import PQLInputError


@dataclass(frozen=True, kw_only=True)
class AllocationProblem:
    """Validated inputs. Arrays are [n, A] float64; ``capacity`` is [A] float64 with ``inf`` = unlimited."""

    value: np.ndarray  # expected incremental value per entity × arm, [n, A]
    cost: np.ndarray  # cost per entity × arm, [n, A], >= 0
    budget: float  # >= 0; inf = no budget constraint
    capacity: np.ndarray  # [A]
    max_per: int  # >= 1
    arms: tuple[str, ...]
    entity_ids: np.ndarray | None = None  # [n], labels carried into the result
    #: False when value and cost are in different units (an uplift in purchases, a cost in money): the
    #: objective is then the value alone and cost only limits the budget
    charge_cost: bool = True

    @property
    def n_entities(self) -> int:
        return self.value.shape[0]

    @property
    def n_arms(self) -> int:
        return self.value.shape[1]

    @property
    def net(self) -> np.ndarray:
        """The objective per pair, [n, A]: value - cost (value alone when cost is not charged)."""
        return self.value - self.cost if self.charge_cost else self.value

    @property
    def candidates(self) -> np.ndarray:
        """Pairs worth considering (positive net value), bool [n, A]."""
        return self.net > 0

    @property
    def per_entity_binds(self) -> bool:
        """Whether ``max_per`` can ever bind (it cannot when it is at least the number of arms)."""
        return self.max_per < self.n_arms

    @classmethod
    def build(
        cls,
        value,
        cost,
        *,
        budget: float,
        capacity: Mapping[str, float] | Sequence[float | None] | None = None,
        max_per: int = 1,
        arms: Sequence[str] | None = None,
        entity_ids=None,
        charge_cost: bool = True,
    ) -> AllocationProblem:
        """Check and normalise user inputs; every problem is a :class:`PQLInputError` naming the fix.

        ``cost`` is either [n, A] or a per-arm vector [A] (broadcast to every entity); ``capacity``
        maps arm name → count, or lists one count (or None) per arm.
        """
        value_arr = _finite_matrix("value", value)
        n, n_arms = value_arr.shape
        if n_arms == 0:
            raise PQLInputError("value has no arms (shape [n, 0]); give at least one arm")
        cost_arr = _cost_matrix(cost, n, n_arms)
        arm_names = _arm_names(arms, n_arms)
        budget_value = _budget(budget)
        capacity_arr = _capacities(capacity, arm_names)
        if isinstance(max_per, bool) or not isinstance(max_per, (int, np.integer)) or max_per < 1:
            raise PQLInputError(f"max_per must be an integer >= 1 (at most that many arms per entity), got {max_per!r}")
        ids = None
        if entity_ids is not None:
            ids = np.asarray(entity_ids)
            if ids.shape != (n,):
                raise PQLInputError(f"entity_ids has shape {ids.shape}; expected ({n},), one id per row of value")
        return cls(
            value=value_arr,
            cost=cost_arr,
            budget=budget_value,
            capacity=capacity_arr,
            max_per=int(max_per),
            arms=arm_names,
            entity_ids=ids,
            charge_cost=bool(charge_cost),
        )


def _finite_matrix(name: str, data) -> np.ndarray:
    try:
        arr = np.array(data, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise PQLInputError(f"{name} must be a numeric [entities, arms] matrix: {e}") from e
    if arr.ndim == 1:
        arr = arr[:, None]  # one arm
    if arr.ndim != 2:
        raise PQLInputError(f"{name} must be a [entities, arms] matrix, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise PQLInputError(f"{name} has {int(bad.sum())} missing or infinite entries (first at entity {row}, arm {col})")
    return arr


def _cost_matrix(cost, n: int, n_arms: int) -> np.ndarray:
    try:
        arr = np.array(cost, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise PQLInputError(f"cost must be numeric: {e}") from e
    if arr.ndim == 0:
        arr = np.full((n, n_arms), float(arr))
    elif arr.ndim == 1 and arr.shape[0] == n_arms:  # one cost per arm
        arr = np.broadcast_to(arr, (n, n_arms)).copy()
    elif arr.ndim == 1 and n_arms == 1 and arr.shape[0] == n:  # one arm, one cost per entity
        arr = arr[:, None]
    if arr.shape != (n, n_arms):
        raise PQLInputError(f"cost has shape {arr.shape}; expected ({n}, {n_arms}) or one cost per arm ({n_arms},)")
    if not np.all(np.isfinite(arr)):
        raise PQLInputError(f"cost has {int(np.sum(~np.isfinite(arr)))} missing or infinite entries")
    if (arr < 0).any():
        raise PQLInputError(f"cost must be non-negative; found {int((arr < 0).sum())} negative entries (min {arr.min():g})")
    return arr


def _arm_names(arms, n_arms: int) -> tuple[str, ...]:
    if arms is None:
        return tuple(f"arm_{a}" for a in range(n_arms))
    names = tuple(str(a) for a in arms)
    if len(names) != n_arms:
        raise PQLInputError(f"{len(names)} arm names given for {n_arms} arms")
    if len(set(names)) != len(names):
        raise PQLInputError(f"arm names must be unique, got {list(names)}")
    return names


def _budget(budget) -> float:
    try:
        value = float(budget)
    except (TypeError, ValueError) as e:
        raise PQLInputError(f"budget must be a number, got {budget!r}") from e
    if math.isnan(value):
        raise PQLInputError("budget is NaN")
    if value < 0:
        raise PQLInputError(f"budget {value:g} is negative: no allocation can cost less than nothing")
    return value


def _capacities(capacity, arm_names: tuple[str, ...]) -> np.ndarray:
    caps = np.full(len(arm_names), np.inf)
    if capacity is None:
        return caps
    if isinstance(capacity, Mapping):
        unknown = [k for k in capacity if str(k) not in arm_names]
        if unknown:
            raise PQLInputError(f"capacity given for unknown arm(s) {unknown}; arms are {list(arm_names)}")
        items = [(arm_names.index(str(k)), v) for k, v in capacity.items()]
    else:
        values = list(capacity)
        if len(values) != len(arm_names):
            raise PQLInputError(f"{len(values)} capacities given for {len(arm_names)} arms")
        items = list(enumerate(values))
    for a, v in items:
        if v is None:
            continue
        try:
            cap = float(v)
        except (TypeError, ValueError) as e:
            raise PQLInputError(f"capacity of arm {arm_names[a]!r} must be a number, got {v!r}") from e
        if math.isnan(cap) or cap < 0:
            raise PQLInputError(f"capacity of arm {arm_names[a]!r} must be >= 0, got {v!r}")
        caps[a] = math.floor(cap) if math.isfinite(cap) else cap  # a count of entities
    return caps
