"""Candidate generation and pair features for link ranking with a tabular model.

For a target such as ``LIST_DISTINCT(invoice_lines.product_id, 0, 30) RANK TOP k`` the model scores
(entity, anchor_time, item) pairs. Candidates per seed are the items the entity interacted with up to
the anchor (most recent first, capped) plus the most popular items in the popularity window before
the anchor. Pair features (all strictly as of the anchor):

- ``pair__count_<w>``, ``pair__count_all``, ``pair__days_since_last``, ``pair__share_all``: how often
  and how recently this entity took this item, and which share of its interactions that is;
- ``item__count_<w>``, ``item__days_since_last``, ``item__popularity_rank``: item popularity;
  ``item__count_last_year``: the item's rows a year earlier, in as many days as the popularity window
  from the anchor's date on (what sold in the coming weeks last year: seasonal goods);
- ``entity__count_all``, ``entity__distinct_items_all``: how active the entity is;
- ``item__<column>`` and ``item__<parent>__<column>``: item attributes and its parents' attributes.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import timedelta

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from connectors._duckdb import connect as connect_duckdb
from engine.features import sql
from engine.features.attributes import attributes_with_parents
from engine.features.paths import RelationalPath, backward_paths, join_path, same_edge, time_of
from engine.features.relational import (
    CATEGORICAL_META,
    KEY_COLUMNS_META,
    FeatureOptions,
    resolve_entity,
    resolve_key_columns,
)
from engine.features.seeds import ANCHOR, SID, registered, staged_seeds, unique_name
from engine.features.windows import normalize_windows, window_days, window_suffix, windows_for_horizon
from engine.schema.model import Database, ForeignKey
from pql.errors import PQLInputError

DEFAULT_POPULARITY_WINDOW = timedelta(days=30)
YEAR_DAYS = 365


def candidate_features(
    con,
    db: Database,
    entity_table: str,
    seeds,
    *,
    item_fk: ForeignKey | str,
    num_popular: int = 50,
    max_history_items: int = 50,
    windows: Iterable[timedelta | int | float] | None = None,
    horizon: timedelta | None = None,
    popularity_window: timedelta | None = None,
    max_hops: int = 2,
    max_columns_per_table: int = 8,
    key_columns: Sequence[str] | None = None,
) -> pa.Table:
    """One row per (distinct seed, candidate item) with pair features, ordered by seed then item.

    ``item_fk`` is the foreign key from the interaction table to the item table (the ``fk`` in
    ``LIST_DISTINCT(fk)``), as a :class:`ForeignKey`, its ``name`` or ``"table.column"``. The
    result has the entity key column(s), ``anchor_time``, the item key column(s) (named as in the
    item table, prefixed ``item__`` on a clash) and the features; the schema metadata lists the
    key columns like :func:`engine.features.relational_features` does.
    """
    entity = resolve_entity(db, entity_table)
    keys = resolve_key_columns(entity, key_columns)
    fk = _resolve_item_fk(db, item_fk)
    path = _interaction_path(db, entity.name, fk, max_hops=max_hops)
    if windows is None and horizon is not None:
        windows = windows_for_horizon(horizon)
    options = FeatureOptions(
        windows=normalize_windows(windows), max_hops=max_hops, max_columns_per_table=max_columns_per_table
    )
    popularity = popularity_window or horizon or DEFAULT_POPULARITY_WINDOW
    item_names = item_column_names(fk, keys)
    with staged_seeds(con, seeds, keys) as staged:
        query, categorical = _candidate_query(
            db,
            path,
            fk,
            distinct=staged.distinct,
            key_columns=keys,
            item_names=item_names,
            options=options,
            popularity=popularity,
            num_popular=num_popular,
            max_history_items=max_history_items,
        )
        result = sql.run_arrow(con, query, what=f"ranking candidates for {entity.name}")
    for name in categorical:
        i = result.column_names.index(name)
        result = result.set_column(i, name, result.column(name).cast(pa.string()).dictionary_encode())
    meta = {
        KEY_COLUMNS_META: json.dumps([*keys, *item_names]).encode(),
        CATEGORICAL_META: json.dumps(categorical).encode(),
    }
    return result.replace_schema_metadata(meta)


def item_column_names(fk: ForeignKey, key_columns: Sequence[str]) -> tuple[str, ...]:
    taken = {*key_columns, ANCHOR}
    return tuple(c if c not in taken else f"item__{c}" for c in fk.ref_columns)


def _resolve_item_fk(db: Database, item_fk: ForeignKey | str) -> ForeignKey:
    if isinstance(item_fk, ForeignKey):
        for fk in db.foreign_keys:
            if same_edge(fk, item_fk):
                return fk
        raise PQLInputError(f"foreign key {item_fk.name} is not in the database")
    for fk in db.foreign_keys:
        if item_fk in (fk.name, f"{fk.table}.{'+'.join(fk.columns)}"):
            return fk
    names = ", ".join(fk.name for fk in db.foreign_keys)
    raise PQLInputError(f"no foreign key '{item_fk}'; known: {names}")


def _interaction_path(db: Database, entity: str, fk: ForeignKey, *, max_hops: int) -> RelationalPath:
    for path in backward_paths(db, entity, max_hops=max_hops, max_paths=1000):
        if path.last_table == fk.table and not same_edge(path.hops[-1], fk):
            return path
    raise PQLInputError(
        f"'{fk.table}' is not a timed table reachable from '{entity}' within {max_hops} foreign-key hops"
    )


def _candidate_query(
    db: Database,
    path: RelationalPath,
    fk: ForeignKey,
    *,
    distinct: str,
    key_columns: tuple[str, ...],
    item_names: tuple[str, ...],
    options: FeatureOptions,
    popularity: timedelta,
    num_popular: int,
    max_history_items: int,
) -> tuple[exp.Select, list[str]]:
    item_cols = [f"__i{i}" for i in range(len(fk.columns))]
    windows = [(window_suffix(w), window_days(w)) for w in options.windows]
    pop_days = window_days(popularity)
    age = exp.column("__age", quoted=True)

    def count_within(days: float | None) -> exp.Expression:
        return sql.filtered(exp.Count(this=exp.Star()), None if days is None else age.copy() < sql.num(days))

    # hist: (seed, item) interaction statistics up to the anchor
    joined = join_path(db, path, seeds=distinct, seeds_alias="s", key_columns=key_columns, anchor=sql.col("s", ANCHOR))
    last = joined.aliases[-1]
    rows = joined.select.select(
        sql.alias(sql.col("s", SID), SID),
        sql.alias(sql.age_days(sql.col("s", ANCHOR), joined.event_time.copy()), "__age"),
        *(sql.alias(sql.col(last, c), n) for c, n in zip(fk.columns, item_cols, strict=True)),
        copy=False,
    ).where(*(sql.col(last, c).is_(exp.null()).not_() for c in fk.columns), copy=False)
    hist = exp.select(
        exp.column(SID, quoted=True),
        *(exp.column(n, quoted=True) for n in item_cols),
        *(sql.alias(count_within(d), f"pair__count_{sfx}") for sfx, d in windows),
        sql.alias(count_within(None), "pair__count_all"),
        sql.alias(exp.Min(this=age.copy()), "pair__days_since_last"),
    ).from_(sql.subquery(rows, "rows"))
    hist = hist.group_by(exp.column(SID, quoted=True), *(exp.column(n, quoted=True) for n in item_cols), copy=False)

    # pop: item popularity per distinct anchor time, counted over every interaction row
    events = exp.select().from_(sql.table(fk.table, "x"))
    events, event_time = time_of(db, db.table(fk.table), alias="x", select=events)
    events = events.select(
        sql.alias(sql.as_timestamp(event_time), "__t"),
        *(sql.alias(sql.col("x", c), n) for c, n in zip(fk.columns, item_cols, strict=True)),
        copy=False,
    )

    def rows_between(start_days: float, end_days: float) -> exp.Select:
        """(anchor, item, __age) of every interaction row with ``anchor - start < t <= anchor - end``."""
        def before(days: float) -> exp.Expression:
            return sql.col("s", ANCHOR) - exp.Anonymous(this="to_seconds", expressions=[sql.num(days * sql.SECONDS_PER_DAY)])

        anchors = exp.select(sql.col("s", ANCHOR), sql.alias(before(start_days), "__lo"),
                             sql.alias(before(end_days), "__hi")).distinct().from_(sql.table(distinct, "s"))
        return (
            exp.select(
                sql.col("a", ANCHOR),
                *(sql.col("ev", n) for n in item_cols),
                sql.alias(sql.age_days(sql.col("a", ANCHOR), sql.col("ev", "__t")), "__age"),
            )
            .from_(sql.subquery(anchors, "a"))
            .join(
                sql.subquery(events, "ev"),
                on=exp.and_(sql.col("ev", "__t") <= sql.col("a", "__hi"), sql.col("ev", "__t") > sql.col("a", "__lo")),
                join_type="inner",
            )
            .where(*(sql.col("ev", n).is_(exp.null()).not_() for n in item_cols))
        )

    pop_rows = rows_between(max([d for _, d in windows] + [pop_days]), 0)
    # last year's same weeks, counted on their own rows: widening pop_rows to a year would multiply a
    # short horizon's join (7-day target: 30% more run time)
    last_year = (
        exp.select(exp.column(ANCHOR, quoted=True), *(exp.column(n, quoted=True) for n in item_cols),
                   sql.alias(exp.Count(this=exp.Star()), "item__count_last_year"))
        .from_(sql.subquery(rows_between(YEAR_DAYS, max(YEAR_DAYS - pop_days, 0)), "ly"))
        .group_by(exp.column(ANCHOR, quoted=True), *(exp.column(n, quoted=True) for n in item_cols))
    )
    pop_count = count_within(pop_days)
    rank = exp.Window(
        this=exp.RowNumber(),
        partition_by=[exp.column(ANCHOR, quoted=True)],
        order=exp.Order(
            expressions=[exp.Ordered(this=pop_count.copy(), desc=True)]
            + [exp.Ordered(this=exp.column(n, quoted=True)) for n in item_cols]
        ),
    )
    pop = (
        exp.select(
            exp.column(ANCHOR, quoted=True),
            *(exp.column(n, quoted=True) for n in item_cols),
            *(sql.alias(count_within(d), f"item__count_{sfx}") for sfx, d in windows),
            sql.alias(pop_count, "__pop"),
            sql.alias(exp.Min(this=age.copy()), "item__days_since_last"),
            sql.alias(rank, "item__popularity_rank"),
        )
        .from_(sql.subquery(pop_rows, "pr"))
        .group_by(exp.column(ANCHOR, quoted=True), *(exp.column(n, quoted=True) for n in item_cols))
    )

    # candidates: recent history items ∪ popular items
    recent_first = exp.Window(
        this=exp.RowNumber(),
        partition_by=[exp.column(SID, quoted=True)],
        order=exp.Order(
            expressions=[
                exp.Ordered(this=exp.column("pair__days_since_last", quoted=True)),
                exp.Ordered(this=exp.column("pair__count_all", quoted=True), desc=True),
            ]
            + [exp.Ordered(this=exp.column(n, quoted=True)) for n in item_cols]
        ),
    )
    from_history = (
        exp.select(exp.column(SID, quoted=True), *(exp.column(n, quoted=True) for n in item_cols))
        .from_("hist")
        .qualify(recent_first <= sql.num(max_history_items))
    )
    from_popular = (
        exp.select(sql.col("s", SID), *(sql.col("p", n) for n in item_cols))
        .from_(sql.table(distinct, "s"))
        .join(exp.Table(this=sql.ident("pop"), alias=exp.TableAlias(this=sql.ident("p"))),
              on=sql.col("p", ANCHOR).eq(sql.col("s", ANCHOR)), join_type="inner")
        .where(sql.col("p", "item__popularity_rank") <= sql.num(num_popular))
    )
    candidates = exp.union(from_history, from_popular, distinct=True)
    entity_stats = (
        exp.select(
            exp.column(SID, quoted=True),
            sql.alias(exp.cast(exp.Sum(this=exp.column("pair__count_all", quoted=True)), "BIGINT"), "entity__count_all"),
            sql.alias(exp.Count(this=exp.Star()), "entity__distinct_items_all"),
        )
        .from_("hist")
        .group_by(exp.column(SID, quoted=True))
    )

    def table_alias(name: str, a: str) -> exp.Table:
        return exp.Table(this=sql.ident(name), alias=exp.TableAlias(this=sql.ident(a)))

    on_item = lambda a: sql.and_all(sql.col(a, n).eq(sql.col("c", n)) for n in item_cols)  # noqa: E731
    final = (
        exp.select(
            *(sql.col("s", k) for k in key_columns),
            sql.col("s", ANCHOR),
            *(sql.alias(sql.col("c", n), out) for n, out in zip(item_cols, item_names, strict=True)),
            *(sql.alias(sql.coalesce(sql.col("h", f"pair__count_{sfx}"), 0), f"pair__count_{sfx}") for sfx, _ in windows),
            sql.alias(sql.coalesce(sql.col("h", "pair__count_all"), 0), "pair__count_all"),
            sql.col("h", "pair__days_since_last"),
            sql.alias(
                sql.coalesce(sql.col("h", "pair__count_all"), 0) / exp.Nullif(this=sql.col("es", "entity__count_all"), expression=sql.num(0)),
                "pair__share_all",
            ),
            *(sql.alias(sql.coalesce(sql.col("p", f"item__count_{sfx}"), 0), f"item__count_{sfx}") for sfx, _ in windows),
            sql.alias(sql.coalesce(sql.col("ly", "item__count_last_year"), 0), "item__count_last_year"),
            sql.col("p", "item__days_since_last"),
            sql.col("p", "item__popularity_rank"),
            sql.alias(sql.coalesce(sql.col("es", "entity__count_all"), 0), "entity__count_all"),
            sql.alias(sql.coalesce(sql.col("es", "entity__distinct_items_all"), 0), "entity__distinct_items_all"),
        )
        .from_(table_alias("cand", "c"))
        .join(sql.table(distinct, "s"), on=sql.col("s", SID).eq(sql.col("c", SID)), join_type="inner")
        .join(table_alias("hist", "h"), on=exp.and_(sql.col("h", SID).eq(sql.col("c", SID)), on_item("h")), join_type="left")
        .join(table_alias("pop", "p"), on=exp.and_(sql.col("p", ANCHOR).eq(sql.col("s", ANCHOR)), on_item("p")), join_type="left")
        .join(table_alias("last_year", "ly"), on=exp.and_(sql.col("ly", ANCHOR).eq(sql.col("s", ANCHOR)), on_item("ly")),
              join_type="left")
        .join(table_alias("entity_stats", "es"), on=sql.col("es", SID).eq(sql.col("c", SID)), join_type="left")
        .join(
            sql.table(fk.ref_table, "it"),
            on=sql.and_all(sql.col("it", r).eq(sql.col("c", n)) for r, n in zip(fk.ref_columns, item_cols, strict=True)),
            join_type="left",
        )
    )
    item_table = db.table(fk.ref_table)
    final, specs = attributes_with_parents(
        db, item_table, "it", final, label="item", parent_prefix="item__", anchor=sql.col("s", ANCHOR), options=options
    )
    taken = set(final.named_selects)
    categorical = []
    for s in specs:
        if s.name in taken:
            continue
        taken.add(s.name)
        final = final.select(sql.alias(s.expression, s.name), copy=False)
        if s.categorical:
            categorical.append(s.name)
    final = final.order_by(sql.col("c", SID), *(sql.col("c", n) for n in item_cols), copy=False)
    for name, body in (("hist", hist), ("pop", pop), ("last_year", last_year), ("cand", candidates),
                       ("entity_stats", entity_stats)):
        final = final.with_(name, as_=body, copy=False)
    return final, categorical


def label_candidates(
    candidates: pa.Table,
    positives: pa.Table,
    *,
    key_columns: Sequence[str],
    item_columns: Sequence[str],
) -> pa.Array:
    """1 where (entity, anchor_time, item) of a candidate row appears in ``positives``, else 0.

    ``positives`` holds the target window's items per seed, one row per item, with the same
    column names as ``candidates``. Aligned with ``candidates`` row order.
    """
    on = [*key_columns, ANCHOR, *item_columns]
    marker = unique_name("positive")
    row = unique_name("row")
    left = candidates.select(on).append_column(row, pa.array(range(candidates.num_rows), pa.int64()))
    right = positives.select(on).group_by(on).aggregate([])
    right = right.append_column(marker, pa.array([1] * right.num_rows, pa.int8()))
    joined = left.join(right, keys=on, join_type="left outer").sort_by(row)
    return pc.fill_null(joined.column(marker), 0).combine_chunks()


def top_k(
    candidates: pa.Table,
    scores,
    k: int,
    *,
    key_columns: Sequence[str],
    item_columns: Sequence[str],
) -> pa.Table:
    """The link-ranking result: per (entity, anchor_time) the ``k`` best-scored items.

    Columns: key column(s), ``anchor_time``, ``rank`` (1 = best), the item column(s), ``score``.
    Ties break by item key so the ranking is deterministic.
    """
    import numpy as np

    data = candidates.select([*key_columns, ANCHOR, *item_columns]).append_column(
        "score", pa.array(np.asarray(scores, dtype=np.float64))
    )
    con = connect_duckdb()
    name = unique_name("scored")
    try:
        with registered(con, name, data):
            rank = exp.Window(
                this=exp.RowNumber(),
                partition_by=[sql.col("d", c) for c in (*key_columns, ANCHOR)],
                order=exp.Order(
                    expressions=[exp.Ordered(this=sql.col("d", "score"), desc=True)]
                    + [exp.Ordered(this=sql.col("d", c)) for c in item_columns]
                ),
            )
            ranked = exp.select(
                *(sql.col("d", c) for c in (*key_columns, ANCHOR)),
                sql.alias(rank, "rank"),
                *(sql.col("d", c) for c in item_columns),
                sql.col("d", "score"),
            ).from_(sql.table(name, "d"))
            query = (
                exp.select(exp.Star())
                .from_(sql.subquery(ranked, "ranked"))
                .where(exp.column("rank", quoted=True) <= sql.num(k))
                .order_by(*(exp.column(c, quoted=True) for c in (*key_columns, ANCHOR, "rank")))
            )
            return sql.run_arrow(con, query, what="top-k ranking")
    finally:
        con.close()
