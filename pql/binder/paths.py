"""Foreign-key paths: how rows of one table reach an entity (or a parent) table.

A path is a tuple of foreign keys, each stepping from a child table up to its parent
(many-to-one), so an aggregation over the path's first table groups cleanly by the last table's key.
"""
from __future__ import annotations

from engine.schema.model import Database, ForeignKey
from engine.schema.names import norm, table_forms


def up_paths(db: Database, start: str, goal: str, *, max_hops: int = 4) -> list[tuple[ForeignKey, ...]]:
    """All shortest child->parent paths from ``start`` to ``goal`` (empty path when they are equal)."""
    if start == goal:
        return [()]
    frontier: list[tuple[str, tuple[ForeignKey, ...]]] = [(start, ())]
    for _ in range(max_hops):
        found: list[tuple[ForeignKey, ...]] = []
        nxt: list[tuple[str, tuple[ForeignKey, ...]]] = []
        for table, path in frontier:
            for fk in db.foreign_keys_from(table):
                if fk.ref_table == start or any(step.ref_table == fk.ref_table for step in path):
                    continue  # no cycles
                if fk.ref_table == goal:
                    found.append(path + (fk,))
                else:
                    nxt.append((fk.ref_table, path + (fk,)))
        if found:
            return found
        frontier = nxt
    return []


def prefer_named_path(paths: list[tuple[ForeignKey, ...]], goal: str) -> list[tuple[ForeignKey, ...]]:
    """Among tied paths, keep those whose last key is named after the goal table (``customer_id``
    beats ``referrer_id``): the plain link is what a user means when they do not say."""
    if len(paths) <= 1:
        return paths
    forms = table_forms(goal)

    def plain(path: tuple[ForeignKey, ...]) -> bool:
        cols = path[-1].columns
        return len(cols) == 1 and any(norm(cols[0]) in (f, f + "id", f + "key") for f in forms)

    named = [p for p in paths if plain(p)]
    return named or paths


def describe(path: tuple[ForeignKey, ...]) -> str:
    """``purchase.customer_id -> customer``, hop by hop."""
    return " -> ".join([f"{fk.table}.{'+'.join(fk.columns)}" for fk in path] + [path[-1].ref_table]) if path else ""
