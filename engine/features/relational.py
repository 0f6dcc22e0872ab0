"""Automatic relational features for LightGBM: one row per (entity key, anchor_time).

For each seed the features describe only rows with time <= anchor_time:

- the entity's own columns and its parents' columns (``customers__Country``, ``tiers__discount``);
- for each backward foreign-key path ending in a timed table (``customers ← invoices``,
  ``customers ← invoices ← invoice_lines``): counts, sums/means/min/max of numeric columns, distinct
  counts of categorical and foreign-key columns, and means/distinct counts of static parents'
  columns (``invoice_lines → products``), over several backward windows; plus recency, first-seen
  age and trend (count in the last window minus the window before).

Everything runs as one DuckDB query: one GROUP BY per path over all seeds, LEFT JOINed by seed id.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import pyarrow as pa
from sqlglot import exp

from engine.features import sql
from engine.features.columns import feature_columns
from engine.features.attributes import attributes_with_parents
from engine.features.paths import RelationalPath, backward_paths, join_path, static_parents
from engine.features.seeds import ANCHOR, ROW, SID, staged_seeds
from engine.features.spec import FeatureSpec, cap, dedupe_names
from engine.features.windows import normalize_windows, window_days, window_suffix, windows_for_horizon
from engine.schema.model import Database, ForeignKey, Table
from engine.steady_floats import steady_floats
from pql.errors import PQLInputError, did_you_mean

AGE = "__age"
KEY_COLUMNS_META = b"pql.key_columns"
CATEGORICAL_META = b"pql.categorical_features"


@dataclass(frozen=True, kw_only=True)
class FeatureOptions:
    windows: tuple[timedelta, ...]
    max_hops: int = 2
    max_features: int = 400
    max_columns_per_table: int = 8  # per kind (numeric, categorical, timestamp) of an aggregated or parent table
    # per kind of the entity's own table: each is one feature (no windows, no aggregates), and the columns
    # a user keeps on the entity itself are often the ones that matter; 8, in column order, dropped the
    # rest of a 30-attribute customer table
    max_root_columns: int = 64
    max_paths: int = 16


def relational_features(
    con,
    db: Database,
    entity_table: str,
    seeds,
    *,
    windows: Iterable[timedelta | int | float] | None = None,
    horizon: timedelta | None = None,
    max_hops: int = 2,
    max_features: int = 400,
    max_columns_per_table: int = 8,
    key_columns: Sequence[str] | None = None,
) -> pa.Table:
    """Features for every seed row, in seed order.

    ``seeds`` (Arrow / DuckDB relation / pandas) holds the entity key column(s) and ``anchor_time``.
    ``windows`` are backward windows (numbers are days); when omitted they are scaled to ``horizon``
    (the target window) if given, else 7/30/90/365 days. The result has the key column(s),
    ``anchor_time`` and the features; categorical features are dictionary-encoded strings. The
    schema metadata lists the key columns and categorical features (see :func:`feature_names`).
    """
    entity = resolve_entity(db, entity_table)
    keys = resolve_key_columns(entity, key_columns)
    if windows is None and horizon is not None:
        windows = windows_for_horizon(horizon)
    options = FeatureOptions(
        windows=normalize_windows(windows),
        max_hops=max_hops,
        max_features=max_features,
        max_columns_per_table=max_columns_per_table,
    )
    with staged_seeds(con, seeds, keys) as staged:
        query, specs = build_feature_query(
            db, entity, every_row=staged.every_row, distinct=staged.distinct, key_columns=keys, options=options
        )
        result = sql.run_arrow(con, query, what=f"relational features for {entity.name}")
    return _finish(result, specs, keys)


def feature_query_sql(
    db: Database,
    entity_table: str,
    *,
    windows: Iterable[timedelta | int | float] | None = None,
    horizon: timedelta | None = None,
    max_hops: int = 2,
    max_features: int = 400,
    max_columns_per_table: int = 8,
    key_columns: Sequence[str] | None = None,
) -> str:
    """The DuckDB SQL :func:`relational_features` runs, over views named ``seeds`` and ``seed_pairs`` (for EXPLAIN)."""
    entity = resolve_entity(db, entity_table)
    keys = resolve_key_columns(entity, key_columns)
    if windows is None and horizon is not None:
        windows = windows_for_horizon(horizon)
    options = FeatureOptions(
        windows=normalize_windows(windows), max_hops=max_hops, max_features=max_features,
        max_columns_per_table=max_columns_per_table,
    )
    query, _ = build_feature_query(db, entity, every_row="seeds", distinct="seed_pairs", key_columns=keys, options=options)
    return query.sql(dialect=sql.DIALECT, pretty=True)


def feature_names(table: pa.Table) -> list[str]:
    """The feature columns of a :func:`relational_features` result (all but keys and anchor_time)."""
    meta = table.schema.metadata or {}
    keys = set(json.loads(meta[KEY_COLUMNS_META])) if KEY_COLUMNS_META in meta else set()
    return [c for c in table.column_names if c not in keys and c != ANCHOR]


def build_feature_query(
    db: Database,
    entity: Table,
    *,
    every_row: str,
    distinct: str,
    key_columns: tuple[str, ...],
    options: FeatureOptions,
) -> tuple[exp.Select, tuple[FeatureSpec, ...]]:
    """The whole feature query over two seed views (see :mod:`engine.features.seeds`).

    Printable for EXPLAIN: ``query.sql(dialect="duckdb")``.
    """
    anchor = sql.col("r", ANCHOR)
    final = exp.select(*(sql.col("r", c) for c in (ROW, *key_columns, ANCHOR))).from_(sql.table(every_row, "r"))
    final = final.join(
        sql.table(entity.name, "e"), on=sql.keys_equal("e", key_columns, "r", key_columns), join_type="left", copy=False
    )
    final, attribute_specs = attributes_with_parents(
        db, entity, "e", final, label=entity.name, parent_prefix="", anchor=anchor, options=options
    )

    path_plans = [
        _PathPlan.for_path(db, p, options=options)
        for p in backward_paths(db, entity.name, max_hops=options.max_hops, max_paths=options.max_paths)
    ]
    all_specs = [*attribute_specs, *(s for plan in path_plans for s in plan.specs)]
    kept = cap(dedupe_names(all_specs, reserved=(*key_columns, ANCHOR, ROW, SID)), options.max_features)

    # cap/dedupe may have renamed specs; match them back to their plans by expression identity
    by_expression = {id(s.expression): s for s in kept}
    outputs: dict[str, exp.Expression] = {}
    for a in attribute_specs:
        s = by_expression.get(id(a.expression))
        if s is not None:
            outputs[s.name] = a.expression
    for i, plan in enumerate(path_plans):
        mine = [by_expression[id(s.expression)] for s in plan.specs if id(s.expression) in by_expression]
        if not mine:
            continue
        rows_name = f"__path{i}_rows"
        rows, parts = plan.parts(db, mine, rows_name=rows_name, distinct=distinct, key_columns=key_columns)
        final = final.with_(sql.ident(rows_name), as_=rows, materialized=True, copy=False)
        for j, (part, part_specs) in enumerate(parts):
            q = f"q{i}_{j}"
            on = sql.col(q, SID).eq(sql.col("r", SID))
            final = final.join(sql.subquery(part, q), on=on, join_type="left", copy=False)
            for s in part_specs:
                value = sql.col(q, s.name)
                outputs[s.name] = value if s.fill is None else sql.coalesce(value, s.fill)
    final = final.select(*(sql.alias(outputs[s.name], s.name) for s in kept), copy=False)
    final = final.order_by(sql.col("r", ROW), copy=False)
    return final, kept


# --- path aggregates -------------------------------------------------------------------------


@dataclass(kw_only=True)
class _PathPlan:
    """Aggregate specs of one path and the row-level columns they read (``__v0``, ``__v1``, …)."""

    path: RelationalPath
    specs: list[FeatureSpec] = field(default_factory=list)
    values: dict[str, exp.Expression] = field(default_factory=dict)  # inner column -> row expression
    value_parent: dict[str, int] = field(default_factory=dict)  # inner column -> index in parents
    parents: list[ForeignKey] = field(default_factory=list)
    distinct_of: dict[int, str] = field(default_factory=dict)  # id(spec.expression) -> value column
    _by_sql: dict[str, str] = field(default_factory=dict)

    def add_distinct(self, name: str, value: str, age: exp.Column, priority: int, days: float | None) -> None:
        """A distinct count, computed as a count of values whose most recent row (min age) is in the window.

        Pre-aggregating to one row per (seed, value) is much cheaper in DuckDB than one
        ``COUNT(DISTINCT …) FILTER`` hash table per window.
        """
        condition = None if days is None else age.copy() < sql.num(days)
        spec = FeatureSpec(name=name, expression=sql.filtered(exp.Count(this=exp.Star()), condition), priority=priority, fill=0)
        self.specs.append(spec)
        self.distinct_of[id(spec.expression)] = value

    def value(self, e: exp.Expression, parent: int | None = None) -> exp.Column:
        key = e.sql(dialect=sql.DIALECT)
        if key not in self._by_sql:
            name = f"__v{len(self.values)}"
            self._by_sql[key] = name
            self.values[name] = e
            if parent is not None:
                self.value_parent[name] = parent
        return exp.column(self._by_sql[key], quoted=True)

    @classmethod
    def for_path(cls, db: Database, path: RelationalPath, *, options: FeatureOptions) -> _PathPlan:
        plan = cls(path=path)
        label = path.label
        age = exp.column(AGE, quoted=True)
        windows = [(window_suffix(w), window_days(w)) for w in options.windows]
        last = db.table(path.last_table)
        last_alias = f"t{len(path.hops)}"
        cols = feature_columns(db, last, max_per_kind=options.max_columns_per_table)

        def add(name: str, agg: exp.Expression, priority: int, fill: float | None = None, days: float | None = None):
            condition = None if days is None else age.copy() < sql.num(days)
            plan.specs.append(
                FeatureSpec(name=name, expression=sql.filtered(agg, condition), priority=priority, fill=fill)
            )

        for sfx, d in windows:
            add(f"{label}__count_{sfx}", exp.Count(this=exp.Star()), 0, 0, d)
        add(f"{label}__count_all", exp.Count(this=exp.Star()), 0, 0)
        add(f"{label}__days_since_last", exp.Min(this=age.copy()), 0)
        add(f"{label}__days_since_first", exp.Max(this=age.copy()), 1)
        for sfx, d in windows:
            recent = sql.filtered(exp.Count(this=exp.Star()), age.copy() < sql.num(d))
            before = sql.filtered(
                exp.Count(this=exp.Star()),
                exp.and_(age.copy() >= sql.num(d), age.copy() < sql.num(2 * d)),
            )
            plan.specs.append(FeatureSpec(name=f"{label}__trend_{sfx}", expression=recent - before, priority=2, fill=0))

        for c in cols.numeric:
            v = plan.value(sql.as_double(sql.col(last_alias, c.name)))
            for sfx, d in [*windows, ("all", None)]:
                add(f"{label}__{c.name}__sum_{sfx}", exp.Sum(this=v.copy()), 1, 0, d)
                add(f"{label}__{c.name}__mean_{sfx}", exp.Avg(this=v.copy()), 1, None, d)
                add(f"{label}__{c.name}__min_{sfx}", exp.Min(this=v.copy()), 2, None, d)
                add(f"{label}__{c.name}__max_{sfx}", exp.Max(this=v.copy()), 2, None, d)

        hop_columns = set(path.hops[-1].columns)
        distinct_columns = [c.name for c in cols.categorical] + [f for f in cols.foreign_keys if f not in hop_columns]
        for name in distinct_columns:
            v = plan.value(sql.col(last_alias, name))
            for sfx, d in [*windows, ("all", None)]:
                plan.add_distinct(f"{label}__{name}__distinct_{sfx}", v.name, age, 1, d)

        parents = static_parents(db, last.name, exclude=path.hops[-1])
        parent_counts: dict[str, int] = {}
        for fk in parents:
            parent_counts[fk.ref_table] = parent_counts.get(fk.ref_table, 0) + 1
        small = max(1, options.max_columns_per_table // 2)
        for fk in parents:
            j = len(plan.parents)
            plan.parents.append(fk)
            parent = db.table(fk.ref_table)
            plabel = parent.name if parent_counts[parent.name] == 1 else f"{'_'.join(fk.columns)}__{parent.name}"
            pcols = feature_columns(db, parent, max_per_kind=small)
            for c in pcols.numeric:
                v = plan.value(sql.as_double(sql.col(f"p{j}", c.name)), parent=j)
                for sfx, d in [*windows, ("all", None)]:
                    add(f"{label}__{plabel}__{c.name}__mean_{sfx}", exp.Avg(this=v.copy()), 2, None, d)
            for c in pcols.categorical:
                v = plan.value(sql.col(f"p{j}", c.name), parent=j)
                for sfx, d in [*windows, ("all", None)]:
                    plan.add_distinct(f"{label}__{plabel}__{c.name}__distinct_{sfx}", v.name, age, 2, d)
        return plan

    def parts(
        self, db: Database, specs: list[FeatureSpec], *, rows_name: str, distinct: str, key_columns: tuple[str, ...]
    ) -> tuple[exp.Select, list[tuple[exp.Select, list[FeatureSpec]]]]:
        """The joined rows (for a CTE named ``rows_name``) and the GROUP BY __sid queries over them.

        Plain aggregates share one query; each distinct-counted column gets its own two-level query.
        """
        plain = [s for s in specs if id(s.expression) not in self.distinct_of]
        by_value: dict[str, list[FeatureSpec]] = {}
        for s in specs:
            if id(s.expression) in self.distinct_of:
                by_value.setdefault(self.distinct_of[id(s.expression)], []).append(s)
        used = {c.name for s in plain for c in s.expression.find_all(exp.Column)} | set(by_value)

        joined = join_path(db, self.path, seeds=distinct, seeds_alias="s", key_columns=key_columns, anchor=sql.col("s", ANCHOR))
        rows = joined.select.select(
            sql.alias(sql.col("s", SID), SID),
            sql.alias(sql.age_days(sql.col("s", ANCHOR), joined.event_time.copy()), AGE),
            copy=False,
        )
        last_alias = joined.aliases[-1]
        for j in sorted({self.value_parent[v] for v in used if v in self.value_parent}):
            fk = self.parents[j]
            rows = rows.join(
                sql.table(fk.ref_table, f"p{j}"),
                on=sql.keys_equal(f"p{j}", fk.ref_columns, last_alias, fk.columns),
                join_type="left",
                copy=False,
            )
        for name, e in self.values.items():
            if name in used:
                rows = rows.select(sql.alias(e.copy(), name), copy=False)

        sid = exp.column(SID, quoted=True)
        parts: list[tuple[exp.Select, list[FeatureSpec]]] = []
        if plain:
            q = exp.select(sid.copy()).from_(exp.Table(this=sql.ident(rows_name)))
            q = q.select(*(sql.alias(s.expression.copy(), s.name) for s in plain), copy=False)
            parts.append((q.group_by(sid.copy(), copy=False), plain))
        for value, value_specs in by_value.items():
            v = exp.column(value, quoted=True)
            per_value = (
                exp.select(sid.copy(), v.copy(), sql.alias(exp.Min(this=exp.column(AGE, quoted=True)), AGE))
                .from_(exp.Table(this=sql.ident(rows_name)))
                .where(v.copy().is_(exp.null()).not_())
                .group_by(sid.copy(), v.copy())
            )
            q = exp.select(sid.copy()).from_(sql.subquery(per_value, "per_value"))
            q = q.select(*(sql.alias(s.expression.copy(), s.name) for s in value_specs), copy=False)
            parts.append((q.group_by(sid.copy(), copy=False), value_specs))
        return rows, parts


# --- helpers ---------------------------------------------------------------------------------


def resolve_entity(db: Database, name: str) -> Table:
    t = db.table(name)
    if t is None:
        raise PQLInputError(f"unknown entity table '{name}'{did_you_mean(name, db.table_names)}")
    return t


def resolve_key_columns(entity: Table, key_columns: Sequence[str] | None) -> tuple[str, ...]:
    keys = tuple(key_columns) if key_columns else entity.primary_key
    if not keys:
        raise PQLInputError(f"entity table '{entity.name}' has no primary key; pass key_columns=")
    for k in keys:
        if entity.column(k) is None:
            raise PQLInputError(f"'{entity.name}' has no column '{k}'{did_you_mean(k, entity.column_names)}")
    return tuple(entity.column(k).name for k in keys)


def _finish(result: pa.Table, specs: Sequence[FeatureSpec], keys: tuple[str, ...]) -> pa.Table:
    """Drop the row index, dictionary-encode categoricals, attach metadata."""
    result = result.drop_columns([ROW])
    result = steady_floats(result, skip=set(keys))
    categorical = [s.name for s in specs if s.categorical and s.name in result.column_names]
    for name in categorical:
        i = result.column_names.index(name)
        result = result.set_column(i, name, result.column(name).cast(pa.string()).dictionary_encode())
    meta = {KEY_COLUMNS_META: json.dumps(list(keys)).encode(), CATEGORICAL_META: json.dumps(categorical).encode()}
    return result.replace_schema_metadata(meta)
