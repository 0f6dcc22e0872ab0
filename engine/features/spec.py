"""Feature specifications: a named SQL expression with a priority used when capping."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlglot import exp


@dataclass(frozen=True, kw_only=True)
class FeatureSpec:
    """One output column.

    ``expression`` is an aggregate over a path's joined rows, or a row expression for attributes.
    ``fill`` replaces NULL when a seed has no rows on the path (0 for counts and sums; None keeps
    NULL where "no rows" has no value, e.g. a mean or a recency). Lower ``priority`` survives a cap.
    """

    name: str
    expression: exp.Expression
    priority: int
    fill: float | None = None
    categorical: bool = False


def cap(specs: Iterable[FeatureSpec], max_features: int) -> tuple[FeatureSpec, ...]:
    """Keep the ``max_features`` most important specs (by priority, then generation order)."""
    ordered = list(specs)
    if len(ordered) <= max_features:
        return tuple(ordered)
    rank = {id(s): i for i, s in enumerate(ordered)}
    keep = sorted(ordered, key=lambda s: (s.priority, rank[id(s)]))[:max_features]
    kept = {id(s) for s in keep}
    return tuple(s for s in ordered if id(s) in kept)


def dedupe_names(specs: Iterable[FeatureSpec], reserved: Iterable[str] = ()) -> list[FeatureSpec]:
    """Make names unique (``name``, ``name_2``, …), never equal to a reserved column name."""
    seen = set(reserved)
    out = []
    for s in specs:
        name, n = s.name, 1
        while name in seen:
            n += 1
            name = f"{s.name}_{n}"
        seen.add(name)
        out.append(s if name == s.name else FeatureSpec(**{**s.__dict__, "name": name}))
    return out
