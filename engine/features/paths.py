"""Foreign-key paths from an entity table to the timed tables whose rows describe it.

A path walks foreign keys *backwards*: from the entity to the tables that reference it, then to the
tables that reference those (``customers ← invoices ← invoice_lines``). Every table on a path is
joined with an inner join, so a row of the last table contributes once per (seed, row).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlglot import exp

from engine.features import sql
from engine.schema.model import Database, ForeignKey, Table


def same_edge(a: ForeignKey, b: ForeignKey) -> bool:
    """Equality of the link itself, ignoring inference bookkeeping (score, containment)."""
    return (a.table, a.columns, a.ref_table, a.ref_columns) == (b.table, b.columns, b.ref_table, b.ref_columns)


@dataclass(frozen=True, kw_only=True)
class RelationalPath:
    """``entity ← hops[0].table ← hops[1].table …``; ``hops[i]`` is a foreign key child → parent."""

    entity: str
    hops: tuple[ForeignKey, ...]
    label: str

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.entity, *(fk.table for fk in self.hops))

    @property
    def last_table(self) -> str:
        return self.hops[-1].table


def backward_paths(db: Database, entity: str, *, max_hops: int, max_paths: int = 16) -> tuple[RelationalPath, ...]:
    """All backward paths of 1..``max_hops`` hops that end in a timed table, shortest first.

    A path never revisits a table, so self-references and cycles cannot make it explode.
    """
    found: list[tuple[ForeignKey, ...]] = []
    frontier: list[tuple[ForeignKey, ...]] = [()]
    for _ in range(max_hops):
        next_frontier: list[tuple[ForeignKey, ...]] = []
        for hops in frontier:
            here = hops[-1].table if hops else entity
            visited = {entity, *(fk.table for fk in hops)}
            for fk in sorted(db.foreign_keys_to(here), key=lambda f: f.name):
                if fk.table in visited:
                    continue
                child = db.table(fk.table)
                if child is None:
                    continue
                extended = (*hops, fk)
                next_frontier.append(extended)
                if child.is_timed:
                    found.append(extended)
        frontier = next_frontier
    found = found[:max_paths]
    return tuple(
        RelationalPath(entity=entity, hops=hops, label=label) for hops, label in zip(found, _labels(found), strict=True)
    )


def _labels(paths: list[tuple[ForeignKey, ...]]) -> list[str]:
    """The last table's name when that is unambiguous, else one that spells the path out."""
    counts = Counter(hops[-1].table for hops in paths)
    labels = []
    for hops in paths:
        if counts[hops[-1].table] == 1:
            labels.append(hops[-1].table)
        else:
            labels.append("__".join(f"{fk.table}_by_{'_'.join(fk.columns)}" for fk in hops))
    return labels


@dataclass(frozen=True, kw_only=True)
class JoinedPath:
    """A SELECT over ``seeds`` joined along a path, with the time filters already applied.

    ``aliases[i]`` is the alias of ``path.tables[i]`` (``aliases[0]`` may be the seeds alias itself
    when the first hop joins on the seed key). ``event_time`` is the last table's time.
    """

    select: exp.Select
    aliases: tuple[str, ...]
    event_time: exp.Expression


def join_path(
    db: Database,
    path: RelationalPath,
    *,
    seeds: str,
    seeds_alias: str,
    key_columns: tuple[str, ...],
    anchor: exp.Expression,
) -> JoinedPath:
    """``FROM seeds JOIN t1 … JOIN tn WHERE time(t) <= anchor`` for every timed table on the path."""
    select = exp.select().from_(sql.table(seeds, seeds_alias), copy=False)
    first = path.hops[0]
    if first.ref_columns == key_columns and not _inherits_through(db.table(first.table), first):
        entity_alias = seeds_alias
    else:  # the first hop references a unique column other than the seed key, or its table takes the
        # entity's time through it: go through the entity row
        entity_alias = "e"
        select = select.join(
            sql.table(path.entity, entity_alias),
            on=sql.keys_equal(entity_alias, key_columns, seeds_alias, key_columns),
            join_type="inner",
            copy=False,
        )
    aliases = [entity_alias]
    filters: list[exp.Expression] = []
    event_time: exp.Expression | None = None
    for i, fk in enumerate(path.hops, start=1):
        alias = f"t{i}"
        select = select.join(
            sql.table(fk.table, alias),
            on=sql.keys_equal(alias, fk.columns, aliases[-1], fk.ref_columns),
            join_type="inner",
            copy=False,
        )
        select, time = time_of(db, db.table(fk.table), alias=alias, select=select, arrived_by=fk, parent_alias=aliases[-1])
        aliases.append(alias)
        if time is not None:
            condition = sql.as_timestamp(time.copy()) <= anchor.copy()
            if all(condition != f for f in filters):  # an inherited time repeats its parent's filter
                filters.append(condition)
            event_time = time
    assert event_time is not None, "backward_paths only yields paths that end in a timed table"
    select = select.where(sql.and_all(filters), copy=False)
    return JoinedPath(select=select, aliases=tuple(aliases), event_time=event_time)


def _inherits_through(t: Table | None, fk: ForeignKey) -> bool:
    """True when ``t`` has no time of its own and takes its parent's through ``fk``."""
    return (t is not None and t.time_column is None and t.inherited_time is not None
            and same_edge(t.inherited_time.via, fk))


def time_of(
    db: Database,
    t: Table,
    *,
    alias: str,
    select: exp.Select,
    arrived_by: ForeignKey | None = None,
    parent_alias: str | None = None,
) -> tuple[exp.Select, exp.Expression | None]:
    """The row time of ``t`` at ``alias`` (own or inherited); joins the time's parent when needed."""
    if t.time_column is not None:
        return select, sql.col(alias, t.time_column)
    source = t.inherited_time
    if source is None:
        return select, None
    if arrived_by is not None and parent_alias is not None and same_edge(arrived_by, source.via):
        return select, sql.col(parent_alias, source.parent_column)
    time_alias = f"{alias}_time"
    select = select.join(
        sql.table(source.via.ref_table, time_alias),
        on=sql.keys_equal(time_alias, source.via.ref_columns, alias, source.via.columns),
        join_type="left",
        copy=False,
    )
    return select, sql.col(time_alias, source.parent_column)


def static_parents(db: Database, table: str, *, exclude: ForeignKey | None) -> tuple[ForeignKey, ...]:
    """Foreign keys from ``table`` to untimed tables (dimensions such as products), minus ``exclude``."""
    out = []
    for fk in sorted(db.foreign_keys_from(table), key=lambda f: f.name):
        if exclude is not None and same_edge(fk, exclude):
            continue
        parent = db.table(fk.ref_table)
        if parent is not None and not parent.is_timed and fk.ref_table != table:
            out.append(fk)
    return tuple(out)
