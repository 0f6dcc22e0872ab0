"""What a user needs to hear about a training table before trusting a model trained on it.

Each check returns messages (plain data the caller prints), never `warnings.warn`.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from engine.labels.compile import is_static
from engine.labels.expr import is_null, literal, not_null
from engine.labels.schedule import SPLITS
from engine.labels.scope import Scope, col, ident, time_of
from engine.schema.model import Database
from pql.bound import BoundQuery, TaskType, iter_aggregations

MIN_CLASS_ROWS = 20  # a binary target needs this many rows of its rarer class, and this share
MIN_CLASS_RATE = 0.01


def empty_splits(table: pa.Table) -> list[str]:
    counts = {s: 0 for s in SPLITS}
    for s in table.column("split").to_pylist():
        counts[s] = counts.get(s, 0) + 1
    empty = [s for s in SPLITS if counts[s] == 0]
    if len(empty) == len(SPLITS):  # one cause (no anchor, no entity), one message
        return ["the training table is empty: no labelled rows in any split"]
    return [f"the {s} split is empty" for s in empty]


def label_balance(table: pa.Table) -> list[str]:
    """Single-class and too-rare-class checks on the training rows, and a single-class validation split."""
    train = table.filter(pc.equal(table.column("split"), "train"))
    if train.num_rows == 0:
        return []
    label = train.column("label")
    if pa.types.is_list(label.type):  # multilabel / ranking / forecast: no class balance to speak of
        return []
    distinct = pc.unique(pc.drop_null(label))
    if len(distinct) == 1:
        return [f"every training label is {distinct[0].as_py()!r}: a model cannot learn from a single class"]
    if not pa.types.is_boolean(label.type):
        return []
    return [*_rare_class(label, train.num_rows), *_single_class_validation(table)]


MAX_NUMBER_CLASSES = 50  # more distinct fractional values than this as classes: an amount, not a category


def number_classes(bq: BoundQuery, table: pa.Table) -> list[str]:
    """Classes that are the values of a fractional number (``FIRST(orders.amount)``,
    ``LIST_DISTINCT(orders.price)``): with many distinct values each class is rare, and only the most
    frequent are learnt, when the user most likely wanted the amount itself."""
    if bq.task not in (TaskType.MULTICLASS, TaskType.MULTILABEL):
        return []
    train = table.filter(pc.equal(table.column("split"), "train"))
    label = train.column("label")
    listed = pa.types.is_list(label.type) or pa.types.is_large_list(label.type)
    if not pa.types.is_floating(label.type.value_type if listed else label.type):
        return []
    values = pc.list_flatten(label) if listed else label
    count = len(pc.unique(pc.drop_null(values)))
    if count <= MAX_NUMBER_CLASSES:
        return []
    return [f"the target's classes are the values of a number ({count:,} distinct in the training rows): each "
            "is rare and only the most frequent are learnt; to predict an amount, aggregate it with SUM, AVG, "
            "MIN or MAX (a regression)"]


# LightGBM's min_data_in_leaf: a class with fewer training rows cannot fill a leaf of its own, so its
# trees can hardly separate it and the model seldom if ever predicts it (the GNN fares no better).
MIN_ROWS_PER_CLASS = 20
SHOWN_CLASSES = 5  # classes named in one warning; the rest are counted


def class_coverage(bq: BoundQuery, table: pa.Table) -> list[str]:
    """Multiclass: classes the trained model cannot predict (in validation or test labels, on no training
    row: every model's classes are the training labels') and classes too rare in training to learn
    (`MIN_ROWS_PER_CLASS`). Either costs macro-F1 with no other sign of why. One group-by of the labels."""
    if bq.task is not TaskType.MULTICLASS or table.num_rows == 0:
        return []
    counts = _class_counts(table)
    train = counts.get("train", {})
    if len(train) < 2:  # no or one training class: `label_balance` says so
        return []
    return [*_unseen_classes(train, counts), *_rare_classes(train)]


def _class_counts(table: pa.Table) -> dict[str, dict]:
    """``{split: {class: rows}}`` over the non-null labels."""
    rows = table.select(["split", "label"]).filter(pc.is_valid(table.column("label")))
    grouped = rows.group_by(["split", "label"]).aggregate([([], "count_all")])
    counts: dict[str, dict] = {}
    for split, label, n in zip(*(grouped.column(c).to_pylist() for c in ("split", "label", "count_all"))):
        counts.setdefault(split, {})[label] = n
    return counts


def _unseen_classes(train: dict, counts: dict[str, dict]) -> list[str]:
    unseen: dict = {}  # class -> {split's name: rows}
    for split, name in (("val", "validation"), ("test", "test")):
        for cls, n in counts.get(split, {}).items():
            if cls not in train:
                unseen.setdefault(cls, {})[name] = n
    if not unseen:
        return []
    unseen = dict(sorted(unseen.items(), key=lambda kv: (-sum(kv[1].values()), str(kv[0]))))
    if len(unseen) == 1:
        ((cls, where),) = unseen.items()
        return [f"class {cls!r} occurs on {_rows_in(where)} but on no training row: the model cannot predict "
                "it, and macro-F1 counts it as missed"]
    named = "; ".join(f"{cls!r}: {_rows_in(where)}" for cls, where in _first(unseen))
    return [f"{len(unseen)} classes occur in validation or test labels but on no training row ({named}"
            f"{_more(unseen)}): the model cannot predict them, and macro-F1 counts each as missed"]


def _rows_in(splits: dict[str, int]) -> str:
    """``{'validation': 2, 'test': 1}`` -> ``2 validation rows and 1 test row``."""
    return " and ".join(f"{n:,} {name} row{'' if n == 1 else 's'}" for name, n in splits.items())


def _rare_classes(train: dict) -> list[str]:
    rare = {cls: n for cls, n in sorted(train.items(), key=lambda kv: (kv[1], str(kv[0]))) if n < MIN_ROWS_PER_CLASS}
    if not rare:
        return []
    if len(rare) == 1:
        ((cls, n),) = rare.items()
        return [f"class {cls!r} has only {n} training row{'' if n == 1 else 's'} (fewer than {MIN_ROWS_PER_CLASS}): "
                "expect the model to seldom predict it; a longer window or more history gives it more"]
    named = ", ".join(f"{cls!r}: {n}" for cls, n in _first(rare))
    return [f"{len(rare)} classes have fewer than {MIN_ROWS_PER_CLASS} training rows ({named}{_more(rare)}): "
            "expect the model to seldom predict them; a longer window or more history gives them more"]


def _first(classes: dict) -> list[tuple]:
    return list(classes.items())[:SHOWN_CLASSES]


def _more(classes: dict) -> str:
    return f", and {len(classes) - SHOWN_CLASSES} more" if len(classes) > SHOWN_CLASSES else ""


def _rare_class(label: pa.ChunkedArray, rows: int) -> list[str]:
    """The rarer of True / False, when too few rows carry it to learn from (either way round: a target
    that is almost always true is as hard to learn as one that is almost never true)."""
    positives = pc.sum(pc.cast(label, pa.int64())).as_py() or 0
    negatives = pc.sum(pc.cast(pc.invert(label), pa.int64())).as_py() or 0
    rare, count = ("positive", positives) if positives <= negatives else ("negative", negatives)
    rate = count / rows
    if count < MIN_CLASS_ROWS or rate < MIN_CLASS_RATE:
        return [f"only {count} {rare} training label{'' if count == 1 else 's'} ({rate:.2%} of {rows}): "
                f"expect an unstable model; consider {'a longer' if rare == 'positive' else 'a shorter'} "
                f"window, a different threshold or more history"]
    return []


def _single_class_validation(table: pa.Table) -> list[str]:
    """A validation split whose labels are all one class has no AUROC: it cannot pick a model, an
    iteration or a threshold, and its metrics print as nan."""
    val = table.filter(pc.equal(table.column("split"), "val"))
    distinct = pc.unique(pc.drop_null(val.column("label"))) if val.num_rows else []
    if len(distinct) != 1:
        return []
    return [f"every validation label is {distinct[0].as_py()!r}: validation AUROC is undefined (nan), so it "
            f"cannot choose the model, its training length or its threshold"]


def never_appearing_sql(db: Database, bq: BoundQuery, events: str | None = None) -> exp.Select | None:
    """``SELECT COUNT(*), COUNT(*) FILTER (no row in the target's table)`` over the entity table;
    ``events`` names a prebuilt events table of the target's rows (columns ``k0…``) to read instead."""
    agg = next(iter_aggregations(bq.target), None)
    if agg is None or not agg.path:
        return None
    last = agg.path[-1]
    if set(last.ref_columns) != set(bq.entity.key):
        return None
    if events is not None:
        seen = exp.select(*(exp.column(f"k{i}", quoted=True) for i in range(len(bq.entity.key)))).distinct()
        seen = seen.from_(exp.Table(this=ident(events)))
    else:
        rows = Scope(db, agg.table, prefix="r")
        keys = [rows.column(agg.path[:-1], last.columns[last.ref_columns.index(k)]) for k in bq.entity.key]
        seen = rows.apply(exp.select(*(exp.alias_(k, f"k{i}", quoted=True) for i, k in enumerate(keys))).distinct())
    entity = exp.Table(this=ident(bq.entity.table), alias=exp.TableAlias(this=ident("e")))
    on = exp.and_(*(exp.EQ(this=col("s", f"k{i}"), expression=col("e", k)) for i, k in enumerate(bq.entity.key)))
    missing = exp.Is(this=col("s", "k0"), expression=exp.Null())
    return (exp.select(exp.Count(this=exp.Star()),
                       exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=missing)))
            .from_(entity)
            .join(exp.Subquery(this=seen, alias=exp.TableAlias(this=ident("s"))), on=on, join_type="LEFT"))


def never_appearing(con, db: Database, bq: BoundQuery, events: str | None = None) -> list[str]:
    if is_static(bq):
        return []
    query = never_appearing_sql(db, bq, events)
    if query is None:
        return []
    total, missing = con.sql(query.sql("duckdb")).fetchall()[0]
    if not missing:
        return []
    agg = next(iter_aggregations(bq.target))
    share = f"{missing:,} of the {total:,} in {bq.entity.table} ({missing / total:.1%}) never appear in {agg.table}"
    if agg.func.upper() not in FILLS_EMPTY_WINDOWS:  # MIN, AVG, …: no value over an empty window, no label
        return [f"{share}; {agg.func.upper()} has no value over an empty window, so they have no training rows "
                f"(their predictions rest on what the others' rows teach)"]
    return [f"{share}; their labels only ever say 'nothing happened'"]


def formula_without_values(con, db: Database, bq: BoundQuery) -> list[str]:
    """``AVG(t.a / (t.b - t.b), …)``: a target formula with no value on any row of its table (each row's
    division by zero is NULL) labels nothing, and the run ends in 'no training rows'; say why first."""
    from engine.labels.aggregates import _row_value
    from pql.bound_render import expr_text

    found = []
    for agg in iter_aggregations(bq.target):
        if agg.formula is None:
            continue
        rows = Scope(db, agg.table, prefix="r")
        value = _row_value(rows, agg.formula)
        query = rows.apply(exp.select(exp.Count(this=exp.Star()), exp.Count(this=value)))
        total, valued = con.sql(query.sql("duckdb")).fetchall()[0]
        if total and not valued:
            found.append(f"the target's formula {expr_text(agg.formula)} has no value on any of the {total:,} rows "
                         f"of {agg.table} (every row divides by zero?), so no {bq.entity.table} gets a label from it")
    return found


def unlisted_entities(bq: BoundQuery, prediction: pa.Table, *, shown: int = 5) -> list[str]:
    """`FOR key IN (…)` values with no row to predict (unknown keys, or filtered out at the prediction time)."""
    values = bq.entity.values
    if values is None:
        return []
    found = set(zip(*(prediction.column(k).to_pylist() for k in bq.entity.key)))
    wanted, missing, named = _listed_missing(values, found, shown)
    if not missing:
        return []
    return [f"{len(missing)} of the {len(wanted)} listed {bq.entity.table} keys {'has' if len(missing) == 1 else 'have'} no row to predict "
            f"({named}): not in the table, not yet created at the prediction time, or excluded by WHERE"]


def _listed_missing(values, found: set, shown: int) -> tuple[list[tuple], list[tuple], str]:
    """The listed key tuples, those not in ``found``, and the first ``shown`` of these in words."""
    wanted = [v if isinstance(v, tuple) else (v,) for v in values]
    missing = [v for v in dict.fromkeys(wanted) if v not in found]
    names = ", ".join(repr(v[0]) if len(v) == 1 else repr(v) for v in missing[:shown])
    return wanted, missing, names + (f" and {len(missing) - shown} more" if len(missing) > shown else "")


def null_keys(con, bq: BoundQuery) -> list[str]:
    """Entity rows whose key is NULL are left out (nothing to predict for): say how many."""
    nulls = exp.or_(*(exp.Is(this=exp.Column(this=ident(k)), expression=exp.Null()) for k in bq.entity.key))
    query = exp.select(exp.Count(this=exp.Star())).from_(exp.Table(this=ident(bq.entity.table))).where(nulls)
    (count,) = con.sql(query.sql("duckdb")).fetchall()[0]
    if not count:
        return []
    return [f"{count} {bq.entity.table} row{'s' if count != 1 else ''} with a NULL {'+'.join(bq.entity.key)} "
            f"{'are' if count != 1 else 'is'} left out: no key to predict for"]


def rank_beyond_catalogue(con, db: Database, bq: BoundQuery) -> list[str]:
    """A note for ``RANK TOP k`` over a catalogue of fewer than k items: each item is ranked at most once,
    so every entity gets fewer than k rows, which would otherwise look like rows gone missing."""
    table = db.table(bq.item_table) if bq.task is TaskType.LINK_RANKING and bq.item_table else None
    if table is None or not bq.rank_top:
        return []
    keyed = [not_null(exp.Column(this=ident(k))) for k in table.primary_key]
    query = exp.select(exp.Count(this=exp.Star())).from_(exp.Table(this=ident(table.name)))
    (items,) = con.sql((query.where(exp.and_(*keyed)) if keyed else query).sql("duckdb")).fetchall()[0]
    if items >= int(bq.rank_top):
        return []
    return [f"RANK TOP {bq.rank_top} but the catalogue ({table.name}) has {items:,} items: each entity gets at "
            f"most {items:,} ranked rows, not {bq.rank_top} (fewer where a model has fewer candidates)"]


def timeless_entities(con, db: Database, bq: BoundQuery) -> list[str]:
    """Entities whose own (or inherited) time is NULL exist, but since when is unknown: they are predicted
    and left out of the labelled rows (`TrainingSQL.compile`). Say how many, and how to date them."""
    if is_static(bq):
        return []
    scope, born = time_of(db, bq.entity.table)
    if born is None:
        return []
    keyed = [not_null(scope.column((), k)) for k in bq.entity.key]
    query = scope.apply(exp.select(exp.Count(this=exp.Star()))).where(exp.and_(is_null(born), *keyed))
    (count,) = con.sql(query.sql("duckdb")).fetchall()[0]
    if not count:
        return []
    name, own = bq.entity.table, db.table(bq.entity.table).time_column
    why = f"{name}.{own} is NULL" if own else "the time it inherits is NULL"
    return [f"{count:,} {name} row{'s' if count != 1 else ''} {'have' if count != 1 else 'has'} no time "
            f"({why}), so pql cannot tell at which past anchors {'they' if count != 1 else 'it'} "
            f"existed: predicted, but left out of training, validation and test; give {name} a time or derive it "
            f"from a first event (WITH schema = 'entity {name} = <table>.<key column>')"]


MIN_UNSEEN_SHARE = 0.30  # training rows whose entity has no target row yet, overall ...
MIN_ARRIVING_SHARE = 0.20  # ... and, at the last training anchor, rows whose entity's first row is still to come


def not_yet_joined(con, db: Database, bq: BoundQuery, rows: str, events: str | None = None) -> list[str]:
    """An untimed entity table puts every entity into training at every anchor, even before its first
    row in the target's table: a customer who had not joined yet reads as one who left. Warn when such
    rows are a large share of the training rows (`MIN_UNSEEN_SHARE`) and, at the last training anchor, a
    good share of entities still have their first row to come (`MIN_ARRIVING_SHARE`): entities keep
    arriving all through training. A fixed set of entities
    whose target table starts late (every anchor before its first row counts) or some of whom never
    appear at all (they have no first row to come) stays quiet. ``rows`` names the training rows (keys, ``anchor_time``, ``split``)
    or is a query giving them;
    ``events`` a prebuilt events table of the target's rows (columns ``k0…``, ``t``). One query."""
    entity = db.table(bq.entity.table)
    agg = next(iter_aggregations(bq.target), None)
    target = db.table(agg.table) if agg is not None else None
    if (is_static(bq) or entity is None or entity.is_timed or target is None or not target.is_timed
            or not agg.path or set(agg.path[-1].ref_columns) != set(bq.entity.key)):
        return []
    keys = [f"k{i}" for i in range(len(bq.entity.key))]
    if events is not None:
        first = exp.select(*(col("e", k) for k in keys), exp.alias_(exp.Min(this=col("e", "t")), "first", quoted=True))
        first = first.from_(exp.Table(this=ident(events), alias=exp.TableAlias(this=ident("e")))).group_by(
            *(col("e", k) for k in keys))
    else:
        last = agg.path[-1]
        scope = Scope(db, agg.table, prefix="r")
        ks = [scope.column(agg.path[:-1], last.columns[last.ref_columns.index(k)]) for k in bq.entity.key]
        first = scope.apply(exp.select(*(exp.alias_(k, n, quoted=True) for k, n in zip(ks, keys)),
                                       exp.alias_(exp.Min(this=scope.time()), "first", quoted=True)))
        first = first.group_by(*(k.copy() for k in ks), copy=False)
    on = exp.and_(*(exp.EQ(this=col("f", k), expression=col("x", c)) for k, c in zip(keys, bq.entity.key)))
    unseen = exp.or_(exp.Is(this=col("f", "first"), expression=exp.Null()),
                     exp.GT(this=col("f", "first"), expression=col("x", "anchor_time")))
    later = exp.and_(unseen.copy(), exp.Not(this=exp.Is(this=col("f", "first"), expression=exp.Null())))
    count = exp.Count(this=exp.Star())
    query = (exp.select(col("x", "anchor_time"), count.copy(),
                        exp.Filter(this=count.copy(), expression=exp.Where(this=unseen)),
                        exp.Filter(this=count.copy(), expression=exp.Where(this=later)))
             .from_(_relation(rows, "x"))
             .join(exp.Subquery(this=first, alias=exp.TableAlias(this=ident("f"))), on=on, join_type="LEFT")
             .where(exp.EQ(this=col("x", "split"), expression=exp.Literal.string("train")))
             .group_by(col("x", "anchor_time")).order_by(col("x", "anchor_time")))
    per_anchor = con.sql(query.sql("duckdb")).fetchall()
    total, missing = sum(r[1] for r in per_anchor), sum(r[2] for r in per_anchor)
    if not total or missing / total < MIN_UNSEEN_SHARE:
        return []
    _, last_rows, _, arriving = per_anchor[-1]
    if arriving / last_rows < MIN_ARRIVING_SHARE:
        return []
    name = bq.entity.table
    return [f"in {missing:,} of {total:,} training rows ({missing / total:.0%}) the {name} has no row in {agg.table} "
            f"at or before the anchor ({arriving / last_rows:.0%} at the last training anchor have their first "
            f"row still to come): "
            f"pql cannot tell a {name} that had not joined yet from one that left; give {name} a time column "
            f"(WITH schema = 'time {name} = <column>') or derive it from {agg.table} (WITH schema = 'entity "
            f"{name} = {agg.table}.{agg.path[-1].columns[0]}')"]


def _relation(rows: str | exp.Select, alias: str) -> exp.Expression:
    """A table name or a query, as a FROM item called ``alias``."""
    name = exp.TableAlias(this=ident(alias))
    return exp.Table(this=ident(rows), alias=name) if isinstance(rows, str) else exp.Subquery(this=rows, alias=name)


FILLS_EMPTY_WINDOWS = frozenset({"COUNT", "COUNT_DISTINCT", "SUM"})  # 0 for an empty window: no row is dropped


def not_yet_joined_before_training(con, db: Database, bq: BoundQuery, train_anchors) -> list[str]:
    """`not_yet_joined` without building the training table (for EXPLAIN, which must stay fast): an untimed
    entity table gives every entity a training row at every training anchor, so the entity table crossed with
    ``train_anchors`` stands for the training rows. Exact unless a WHERE or a target that drops empty windows
    (MIN, AVG, …) leaves the run fewer rows; the warning then says it is an estimate."""
    entity = db.table(bq.entity.table)
    if entity is None or entity.is_timed or not train_anchors or is_static(bq):
        return []
    if next(iter_aggregations(bq.where), None) is not None:
        # `WHERE COUNT(orders.*, -90, 0) > 0` keeps, at each anchor, only entities with past rows: every one has
        # joined, and which ones remain only the run knows (it checks its own rows, see `not_yet_joined`)
        return []
    keys = [col("e", k) for k in bq.entity.key]
    anchors = exp.values([(literal(t),) for t in train_anchors], alias="a", columns=["anchor_time"])
    rows = (exp.select(*keys, col("a", "anchor_time"), exp.alias_(exp.Literal.string("train"), "split", quoted=True))
            .from_(exp.Table(this=ident(entity.name), alias=exp.TableAlias(this=ident("e"))))
            .join(anchors, join_type="CROSS")
            .where(exp.and_(*(exp.Not(this=exp.Is(this=k.copy(), expression=exp.Null())) for k in keys))))
    found = not_yet_joined(con, db, bq, rows)
    exact = bq.where is None and all(a.func.upper() in FILLS_EMPTY_WINDOWS for a in iter_aggregations(bq.target))
    if exact:
        return found
    return [f"{w} (estimated over every {bq.entity.table} at every training anchor: the query's WHERE or a target "
            f"that drops empty windows leaves the run fewer rows, and its shares may differ)" for w in found]


def listed_keys_not_in_table(con, bq: BoundQuery, *, shown: int = 5) -> list[str]:
    """`FOR key = v` / `IN (…)` values with no row in the entity table, found with one query (explain's cheap
    share of `unlisted_entities`, which a run reports from the prediction rows themselves)."""
    values = bq.entity.values
    if values is None:
        return []
    keys = [exp.Column(this=ident(k)) for k in bq.entity.key]
    wanted = [v if isinstance(v, tuple) else (v,) for v in values]
    if len(keys) == 1:
        where = exp.In(this=keys[0], expressions=[literal(v[0]) for v in wanted])
    else:
        where = exp.In(this=exp.Tuple(expressions=keys),
                       expressions=[exp.Tuple(expressions=[literal(x) for x in v]) for v in wanted])
    query = exp.select(*keys).distinct().from_(exp.Table(this=ident(bq.entity.table))).where(where)
    wanted, missing, named = _listed_missing(values, set(con.sql(query.sql("duckdb")).fetchall()), shown)
    if not missing:
        return []
    return [f"{len(missing)} of the {len(wanted)} listed {bq.entity.table} keys {'is' if len(missing) == 1 else 'are'} "
            f"not in the table ({named}): no row to predict for {'it' if len(missing) == 1 else 'them'}"]
