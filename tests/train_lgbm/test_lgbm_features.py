"""What the LightGBM models see: the query's tables, no label column, the target's own history."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.train.heuristic.past import past_for_rows, shifted
from engine.train.lgbm.features import feature_database, horizon_of
from engine.train.lgbm.history import history_columns
from pql.bound import BWindow
from tests.fixtures.shop import CUSTOMER
from tests.fixtures.training import make_inputs, row_keys

AGE = f"PREDICT customers.age {CUSTOMER} WITH anchor_time = '2023-08-01'"
BUYS = f"PREDICT COUNT(orders.*, 0, 30, days) > 0 {CUSTOMER}"


def test_horizon_follows_the_target_window():
    assert horizon_of(BWindow(start=0, end=30, unit="days")) == timedelta(days=30)
    assert horizon_of(BWindow(start=0, end=2, unit="weeks")) == timedelta(days=14)
    assert horizon_of(None) is None


def test_feature_database_keeps_the_query_tables_and_hides_label_columns(session):
    view = feature_database(session.db, ("customers", "orders"), (("customers", "age"), ("customers", "customer_id")))
    assert set(view.table_names) == {"customers", "orders"}
    assert view.table("customers").column("age") is None
    assert view.table("customers").column("customer_id") is not None  # keys stay: they link the tables
    assert all(fk.table in {"customers", "orders"} and fk.ref_table in {"customers", "orders"}
               for fk in view.foreign_keys)
    assert feature_database(session.db, (), ()).table_names == session.db.table_names


def test_a_static_target_never_reads_its_own_column(fitted):
    inputs, trainer, val, lines = fitted(AGE)
    assert inputs.tt.label_columns == (("customers", "age"),)
    names = trainer.head.model.encoding.feature_names
    assert not [n for n in names if "age" in n.split("__")[-1]], names
    assert any("left out of the features" in line for line in lines)
    # age follows the buying rate, so the orders still say something, but far from exactly
    assert 0.2 < val["r2"] < 0.95


def test_history_features_are_the_target_over_past_windows(session, fitted):
    inputs, trainer, _, _ = fitted(BUYS)
    history = history_columns(inputs.bq, lags=(1, 2, 3, 0), max_aggregations=3)
    names = [h.name for h in history]
    assert names == ["history__target__count_orders_rows__lag1", "history__target__count_orders_rows__lag2",
                     "history__target__count_orders_rows__lag3", "history__target__count_orders_rows__all",
                     "history__target__condition__lag1"]
    _, rows = row_keys(inputs, "val")
    features = trainer._features(inputs).get(inputs.con, inputs.db, inputs.bq, rows)
    lag1 = np.array(features.column("history__target__count_orders_rows__lag1").to_pylist(), dtype=float)
    counts_30d = np.array(features.column("orders__count_30d").to_pylist(), dtype=float)
    np.testing.assert_array_equal(lag1, counts_30d)  # COUNT over (-30d, 0] is the 30-day order count
    past = past_for_rows(inputs.con, inputs.db, inputs.bq, shifted(inputs.bq.target, 1), rows)
    condition = features.column("history__target__condition__lag1").to_pylist()
    assert condition == [float(v) for v in past]


def test_an_uplift_query_adds_past_treatment_exposure(session):
    bq = make_inputs(session, f"PREDICT COUNT(orders.*, 0, 14, days) > 0 {CUSTOMER} "
                              "ASSUMING COUNT(mails.*, 0, 7, days) > 0").bq
    names = [h.name for h in history_columns(bq, lags=(1, 2, 3, 0), max_aggregations=3)]
    assert "history__assuming__count_mails_rows__lag1" in names and "history__assuming__count_mails_rows__all" in names


def test_trainers_of_one_run_share_their_feature_tables(session):
    from engine.train.lgbm.features import FeatureCache, FeatureSource

    inputs = make_inputs(session, BUYS)
    source = FeatureSource.for_query(inputs.bq, (), lags=(1, 0), max_aggregations=1, max_features=50)
    built: list[str] = []
    store: dict = {}
    parts = {s: inputs.tt.split(s) for s in ("train", "val")}
    first = FeatureCache(source, built.append, store=store).prime(inputs.con, inputs.db, inputs.bq, parts)
    second = FeatureCache(source, built.append, label="gnn", store=store).prime(inputs.con, inputs.db, inputs.bq, parts)
    assert len(built) == 1  # computed once, then found in the shared store
    assert all(first[s].equals(second[s]) for s in parts)
    other = FeatureSource.for_query(inputs.bq, (), lags=(1,), max_aggregations=1, max_features=50)
    FeatureCache(other, built.append, store=store).prime(inputs.con, inputs.db, inputs.bq, parts)
    assert len(built) == 2  # a different source never reads another's tables


def test_a_sample_of_cached_rows_is_taken_from_the_cache_not_recomputed(session):
    from engine.train.lgbm.features import FeatureCache, FeatureSource

    inputs = make_inputs(session, BUYS)
    source = FeatureSource.for_query(inputs.bq, (), lags=(1, 0), max_aggregations=1, max_features=50)
    val = inputs.tt.split("val")
    built: list[str] = []
    cache = FeatureCache(source, built.append)
    cache.prime(inputs.con, inputs.db, inputs.bq, {"train": inputs.tt.split("train"), "val": val})
    sample = val.take([3, 0, 2]) if val.num_rows > 3 else val.take([0])
    taken = cache.get(inputs.con, inputs.db, inputs.bq, sample)
    assert len(built) == 1  # no second feature query
    fresh = FeatureCache(source, built.append).get(inputs.con, inputs.db, inputs.bq, sample)
    assert len(built) == 2 and taken.to_pylist() == fresh.to_pylist()  # same rows, same order, same values
    unseen = sample.set_column(sample.column_names.index("anchor_time"), "anchor_time",
                               pc.add(sample.column("anchor_time"), pa.scalar(1, pa.duration("s"))))
    cache.get(inputs.con, inputs.db, inputs.bq, unseen)
    assert len(built) == 3  # an anchor no cached table holds is computed


def test_a_large_feature_build_is_announced_before_it_starts(session, monkeypatch):
    from engine.train.lgbm import features
    from engine.train.lgbm.features import FeatureCache, FeatureSource

    inputs = make_inputs(session, BUYS)
    source = FeatureSource.for_query(inputs.bq, (), lags=(1, 0), max_aggregations=1, max_features=50)
    train = inputs.tt.split("train")
    said: list[str] = []
    FeatureCache(source, said.append).prime(inputs.con, inputs.db, inputs.bq, {"train": train})
    assert len(said) == 1 and " in " in said[0]  # small: only the line after, with the time taken
    monkeypatch.setattr(features, "ANNOUNCE_ROWS", train.num_rows)
    said.clear()
    FeatureCache(source, said.append).prime(inputs.con, inputs.db, inputs.bq, {"train": train})
    assert said[0] == f"lightgbm: computing tabular features for {train.num_rows:,} rows …" and len(said) == 2


def test_a_large_feature_build_runs_in_slices_with_the_same_result(session, monkeypatch):
    from engine.train.lgbm import features
    from engine.train.lgbm.features import FeatureCache, FeatureSource

    inputs = make_inputs(session, BUYS)
    source = FeatureSource.for_query(inputs.bq, (), lags=(1, 0), max_aggregations=1, max_features=50)
    train = inputs.tt.split("train")
    whole = FeatureCache(source, lambda _: None).prime(inputs.con, inputs.db, inputs.bq, {"train": train})["train"]
    monkeypatch.setattr(features, "CHUNK_ROWS", max(train.num_rows // 3, 1))
    said: list[str] = []
    sliced = FeatureCache(source, said.append).prime(inputs.con, inputs.db, inputs.bq, {"train": train})["train"]
    assert sum("rows done" in line for line in said) >= 2  # one line per finished slice after the first
    assert sliced.schema.equals(whole.schema) and sliced.num_rows == whole.num_rows == train.num_rows
    assert sliced.to_pylist() == whole.to_pylist()


def test_the_anchor_prefilter_skips_only_when_an_anchor_is_surely_missing():
    """`_all_in` may skip a cached table only on a definite "no"; anchors it cannot compare (other types)
    leave the decision to the exact key match instead of failing the lookup."""
    from engine.train.lgbm.features import _all_in

    day = pa.array([1, 2], pa.timestamp("us"))
    assert _all_in(day, pa.array([0, 1, 2], pa.timestamp("us")))
    assert not _all_in(day, pa.array([1], pa.timestamp("us")))
    assert _all_in(day, pa.array(["not a time"]))  # cannot be compared: not a reason to skip
