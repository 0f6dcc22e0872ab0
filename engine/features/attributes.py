"""Row attributes of a table and of its parents, as seen from an anchor time."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from engine.features import sql
from engine.features.columns import feature_columns
from engine.features.paths import time_of
from engine.features.spec import FeatureSpec
from engine.schema.model import Database, Table

if TYPE_CHECKING:
    from engine.features.relational import FeatureOptions


def attributes_with_parents(
    db: Database,
    root: Table,
    root_alias: str,
    select: exp.Select,
    *,
    label: str,
    parent_prefix: str,
    anchor: exp.Expression,
    options: FeatureOptions,
) -> tuple[exp.Select, list[FeatureSpec]]:
    """``root``'s own columns, then its parents' up to ``options.max_hops`` levels (LEFT JOINed).

    ``root_alias`` must already be joined into ``select``. Parent features are named
    ``<parent_prefix><parent>__<column>`` (``tiers__discount``; ``item__categories__name``).
    """
    select, specs = table_attributes(db, root, root_alias, label, select, anchor=anchor, options=options, priority=0)
    level: list[tuple[Table, str]] = [(root, root_alias)]
    visited = {root.name}
    used_labels = {label}
    n = 0
    for depth in range(options.max_hops):
        next_level = []
        for child, child_alias in level:
            for fk in sorted(db.foreign_keys_from(child.name), key=lambda f: f.name):
                parent = db.table(fk.ref_table)
                if parent is None or parent.name in visited:
                    continue
                visited.add(parent.name)
                n += 1
                alias = f"{root_alias}_a{n}"
                select = select.join(
                    sql.table(parent.name, alias),
                    on=sql.keys_equal(alias, fk.ref_columns, child_alias, fk.columns),
                    join_type="left",
                    copy=False,
                )
                plabel = f"{parent_prefix}{parent.name}"
                if plabel in used_labels:
                    plabel = f"{parent_prefix}{'_'.join(fk.columns)}__{parent.name}"
                used_labels.add(plabel)
                select, more = table_attributes(
                    db, parent, alias, plabel, select, anchor=anchor, options=options, priority=depth + 1
                )
                specs.extend(more)
                next_level.append((parent, alias))
        level = next_level
    return select, specs


def table_attributes(
    db: Database,
    t: Table,
    alias: str,
    label: str,
    select: exp.Select,
    *,
    anchor: exp.Expression,
    options: FeatureOptions,
    priority: int,
) -> tuple[exp.Select, list[FeatureSpec]]:
    """Numeric columns as is, categoricals as text, timestamps as age in days at the anchor.

    A timed row (own or inherited time) that lies after the anchor shows as all-NULL: the features
    must not reveal that it will exist. A timestamp after the anchor is NULL for the same reason.
    """
    select, time = time_of(db, t, alias=alias, select=select)
    visible = None if time is None else sql.as_timestamp(time) <= anchor.copy()

    def guarded(e: exp.Expression) -> exp.Expression:
        return e if visible is None else exp.Case(ifs=[exp.If(this=visible.copy(), true=e)])

    per_kind = options.max_root_columns if priority == 0 else options.max_columns_per_table  # 0: the entity's own
    cols = feature_columns(db, t, max_per_kind=per_kind)
    specs = [
        FeatureSpec(name=f"{label}__{c.name}", expression=guarded(sql.as_double(sql.col(alias, c.name))), priority=priority)
        for c in cols.numeric
    ]
    specs += [
        FeatureSpec(
            name=f"{label}__{c.name}",
            expression=guarded(sql.as_text(sql.col(alias, c.name))),
            priority=priority,
            categorical=True,
        )
        for c in cols.categorical
    ]
    timestamp_names = [c.name for c in cols.timestamps]
    if t.time_column is not None and t.time_column not in timestamp_names:
        timestamp_names.insert(0, t.time_column)
    for name in timestamp_names:
        ts = sql.col(alias, name)
        in_past = sql.as_timestamp(ts.copy()) <= anchor.copy()
        age = exp.Case(ifs=[exp.If(this=in_past, true=sql.age_days(anchor.copy(), ts))])
        specs.append(FeatureSpec(name=f"{label}__{name}__age_days", expression=guarded(age), priority=priority))
    return select, specs
