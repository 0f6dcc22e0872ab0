"""The LightGBM trainer learns each task's planted signal, clearly beating a trivial baseline on test rows."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa

from engine.evaluate import score
from engine.metrics import multiclass_metrics, multilabel_metrics, ranking_metrics, regression_metrics
from pql.bound import TaskType
from tests.fixtures.baselines import majority_class_accuracy, popularity_map, train_labels
from tests.fixtures.shop import CUSTOMER
from tests.fixtures.training import row_keys

BUYS = f"PREDICT COUNT(orders.*, 0, 30, days) > 0 {CUSTOMER}"
SPEND = f"PREDICT SUM(orders.amount, 0, 30, days) {CUSTOMER}"
CHANNEL = f"PREDICT FIRST(orders.channel, 0, 30, days) {CUSTOMER}"
NEXT = f"PREDICT LIST_DISTINCT(orders.product_id, 0, 30, days) RANK TOP 5 {CUSTOMER}"
CHANNELS = f"PREDICT LIST_DISTINCT(orders.channel, 0, 30, days) {CUSTOMER}"
MONTHLY = f"PREDICT SUM(orders.amount, 0, 30, days) FORECAST 2 TIMEFRAMES {CUSTOMER}"


def _test(fitted, query):
    inputs, trainer, val, lines = fitted(query)
    test, rows = row_keys(inputs, "test")
    return inputs, test, trainer.predict(inputs, rows), val, lines


def test_binary_ranks_buyers_well_above_chance(fitted):
    inputs, test, preds, val, lines = _test(fitted, BUYS)
    assert preds.task is TaskType.BINARY and preds.scores.shape == (test.num_rows,)
    assert ((preds.scores >= 0) & (preds.scores <= 1)).all()
    assert val["auroc"] > 0.75 and score(inputs.bq, test, preds)["auroc"] > 0.75  # a constant scores 0.5
    assert any("best iteration" in line for line in lines) and any("features for" in line for line in lines)


def test_regression_beats_the_train_median_and_stays_in_the_train_range(fitted):
    inputs, test, preds, _, lines = _test(fitted, SPEND)
    y = np.array(test.column("label").to_pylist(), dtype=float)
    train = np.array(train_labels(inputs), dtype=float)
    # many customers spend nothing in a month: a hurdle model (P(spend > 0) x spend when positive) is
    # fitted too, and validation MAE decides which one predicts
    assert np.mean(train == 0) > 0.1
    choice = next(line for line in lines if "hurdle" in line)
    models = set(fitted(SPEND)[1].head.models())
    assert models == ({"regression"} if choice.endswith("keeping the single model") else {"positive", "value"})
    constant = regression_metrics(y, np.full_like(y, np.median(train)))["mae"]
    assert regression_metrics(y, preds.scores)["mae"] < 0.8 * constant
    assert preds.scores.min() >= train.min() and preds.scores.max() <= train.max()


def test_multiclass_beats_the_majority_class(fitted):
    inputs, test, preds, _, _ = _test(fitted, CHANNEL)
    assert preds.scores.shape == (test.num_rows, 3) and set(preds.classes) == {"web", "store", "app"}
    np.testing.assert_allclose(preds.scores.sum(axis=1), 1.0, rtol=1e-6)
    y = test.column("label").to_pylist()
    assert (multiclass_metrics(y, preds.scores, preds.classes)["accuracy"]
            > majority_class_accuracy(inputs, test, preds.classes) + 0.2)


def test_link_ranking_beats_global_popularity(fitted):
    inputs, test, preds, val, lines = _test(fitted, NEXT)
    assert preds.items.shape == (test.num_rows, 5) and preds.scores.shape == (test.num_rows, 5)
    assert (np.diff(preds.scores, axis=1) <= 0).all()  # best first
    assert set(np.unique(preds.items)) <= set(range(24))  # product keys
    baseline = popularity_map(inputs, test, 5)
    assert ranking_metrics(test.column("label").to_pylist(), preds.items, 5)["map"] > baseline + 0.15
    assert val["map"] > baseline
    assert any("candidate pairs" in line for line in lines)


def test_link_ranking_pads_rows_without_candidates_with_popular_items(fitted):
    inputs, trainer, _, _ = fitted(NEXT)
    before_any_order = pa.table({"customer_id": pa.array([0], pa.int32()),
                                 "anchor_time": pa.array([datetime(2000, 1, 1)], pa.timestamp("us"))})
    preds = trainer.predict(inputs, before_any_order)
    assert list(preds.items[0]) == list(trainer.head.popular[:5]) and (preds.scores[0] == 0).all()


def test_multilabel_is_one_vs_rest_and_beats_chance(fitted):
    inputs, test, preds, val, _ = _test(fitted, CHANNELS)
    assert preds.scores.shape == (test.num_rows, len(preds.classes)) and set(preds.classes) <= {"web", "store", "app"}
    truth = np.array([[c in (row or ()) for c in preds.classes] for row in test.column("label").to_pylist()])
    assert multilabel_metrics(truth, preds.scores)["macro_auroc"] > 0.7 and val["macro_auroc"] > 0.7


def test_forecasting_has_one_model_per_step_and_beats_the_median(fitted):
    inputs, test, preds, val, _ = _test(fitted, MONTHLY)
    assert preds.scores.shape == (test.num_rows, 2) and np.isfinite(preds.scores).all()
    assert len(fitted(MONTHLY)[1].head.step_models) == 2
    y = np.array([row for row in test.column("label").to_pylist()], dtype=float)
    flat = np.array([v for row in train_labels(inputs) for v in row], dtype=float)
    constant = regression_metrics(y, np.full_like(y, np.median(flat)))["mae"]
    assert regression_metrics(y, preds.scores)["mae"] < 0.8 * constant
