"""Targets that compare the future with the past: ``SUM(x, 0, 30) < SUM(x, -30, 0)`` (will the customer
spend less next month than last month?).

The label reads both sides; anchors start once the past side has data; the target's own history (the
heuristic baseline, LightGBM's history features) moves both sides back together, never past the anchor.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import pql
from engine.labels import AnchorSchedule, build_schedule, training_table
from engine.train.heuristic.past import shifted
from engine.train.lgbm.history import history_columns
from pql.bound import BWindow, TaskType, iter_aggregations
from tests.fixtures.shop import CUSTOMER, ShopSpec, build
from tests.labels.builders import A, SHOP, BAnd, agg, cmp, query, shop_connection

D = timedelta(days=1)
DECLINE = cmp("<", agg("SUM", "orders", "amount", 0, 10), agg("SUM", "orders", "amount", -30, 0))


def _windows(expr):
    return [(a.window.start, a.window.end) for a in iter_aggregations(expr)]


def test_labels_read_both_sides_of_the_anchor():
    # at A: customer 1 spends 18 in (A, A+10] against 5 in (A-30, A] (order 10 sits exactly on A);
    # customer 2 spends 0 against 3 + 1; customer 4 nothing on either side
    tt = training_table(shop_connection(), SHOP, query(DECLINE, task=TaskType.BINARY),
                        schedule=AnchorSchedule(train=(A,), prediction_time=datetime(2024, 3, 1)))
    assert {r["customer_id"]: r["label"] for r in tt.split("train").to_pylist()} == {1: False, 2: True, 4: False}


def test_bound_windows_and_schedule():
    bq = query(DECLINE, task=TaskType.BINARY)
    assert bq.target_window == BWindow(start=0.0, end=10, unit="days")  # labels look 10 days ahead
    assert bq.target_lookback == BWindow(start=-30, end=0.0, unit="days")
    first = datetime(2020, 3, 1)
    s = build_schedule(bq, data_start=datetime(2020, 1, 1), data_end=datetime(2022, 1, 1), target_start=first)
    assert min(s.train) >= first + 30 * D  # no anchor compares with a past nobody recorded
    assert s.test[-1] + 10 * D <= datetime(2022, 1, 1) and s.train[1] - s.train[0] == 10 * D
    assert any("reads 30 days before its anchor" in n for n in s.info)


def test_the_target_history_moves_as_one_piece():
    assert _windows(shifted(DECLINE, 1)) == [(-10, 0), (-40, -10)]  # last period's decline
    assert _windows(shifted(DECLINE, 2)) == [(-20, -10), (-50, -20)]
    assert all(end <= 0 for lag in (1, 2, 3) for _, end in _windows(shifted(DECLINE, lag)))
    single = agg("SUM", "orders", "amount", -30, 30)
    assert _windows(shifted(single, 1)) == [(-60, 0)]  # one aggregation moves by its length
    assert _windows(shifted(single, 2)) == [(-120, -60)]


def test_history_features_of_same_named_aggregations_get_distinct_names():
    both = BAnd(items=(cmp(">", agg("COUNT", "orders", None, 0, 7), 0),
                       cmp(">", agg("COUNT", "orders", None, 0, 30), 2)))
    for target in (both, DECLINE):
        features = history_columns(query(target, task=TaskType.BINARY), lags=(0, 1, 2), max_aggregations=4)
        names = [f.name for f in features]
        assert len(names) == len(set(names)) > 4


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return build(tmp_path_factory.mktemp("growth") / "shop.duckdb", ShopSpec(n_customers=120, days=200))


def test_evaluate_end_to_end(shop, tmp_path, monkeypatch):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    query_text = (f"EVALUATE PREDICT SUM(orders.amount, 0, 30, days) < SUM(orders.amount, -30, 0, days) {CUSTOMER} "
                  "WITH model = 'lightgbm'")
    with pql.connect(str(shop)) as session:
        (result,) = session.run(query_text)
    metrics = {(r["model"], r["split"], r["metric"]): r["value"] for r in result.table.to_pylist()}
    assert 0.5 < metrics[("lightgbm", "test", "auroc")] <= 1.0
    assert ("heuristic", "test", "auroc") in metrics
