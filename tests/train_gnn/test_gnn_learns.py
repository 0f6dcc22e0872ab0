"""The GNN learns each task's planted signal, clearly beating a trivial baseline on held-out rows."""
from __future__ import annotations

import numpy as np

from engine.evaluate import score
from engine.metrics import multiclass_metrics, ranking_metrics, regression_metrics
from pql.bound import TaskType
from tests.fixtures.baselines import majority_class_accuracy, popularity_map, train_labels
from tests.fixtures.shop import CUSTOMER
from tests.fixtures.training import row_keys

#: small and quick, still enough to learn the planted signals
FAST = "WITH channels = 64, neighbors = 8"

BUYS = f"PREDICT COUNT(orders.*, 0, 30, days) > 0 {CUSTOMER} {FAST}"
SPEND = f"PREDICT SUM(orders.amount, 0, 30, days) {CUSTOMER} {FAST}"
CHANNEL = f"PREDICT FIRST(orders.channel, 0, 30, days) {CUSTOMER} {FAST}"
NEXT = f"PREDICT LIST_DISTINCT(orders.product_id, 0, 30, days) RANK TOP 5 {CUSTOMER} {FAST}"
CHANNELS = f"PREDICT LIST_DISTINCT(orders.channel, 0, 30, days) {CUSTOMER} {FAST}"
WEEKLY = f"PREDICT SUM(orders.amount, 0, 30, days) FORECAST 2 TIMEFRAMES {CUSTOMER} {FAST}"
MAILED = (f"PREDICT COUNT(orders.*, 0, 14, days) > 0 {CUSTOMER} ASSUMING COUNT(mails.*, 0, 7, days) > 0 "
          f"{FAST}")


def _test_scores(fitted, query):
    inputs, trainer, val, _ = fitted(query)
    test, rows = row_keys(inputs, "test")
    preds = trainer.predict(inputs, rows)
    return inputs, test, preds, val


def test_binary_ranks_buyers_well_above_chance(fitted):
    _, test, preds, val = _test_scores(fitted, BUYS)
    assert preds.task is TaskType.BINARY and preds.scores.shape == (test.num_rows,)
    assert ((preds.scores >= 0) & (preds.scores <= 1)).all()
    inputs = fitted(BUYS)[0]
    assert val["auroc"] > 0.7 and score(inputs.bq, test, preds)["auroc"] > 0.7  # a constant scores 0.5


def test_regression_beats_the_train_median(fitted):
    inputs, test, preds, _ = _test_scores(fitted, SPEND)
    y = np.array(test.column("label").to_pylist(), dtype=float)
    train = np.array(train_labels(inputs), dtype=float)
    median = np.median(train)
    trainer, lines = fitted(SPEND)[1], fitted(SPEND)[3]
    assert np.mean(train == 0) > 0.1 and trainer.model.task.hurdle  # often 0: P(y > 0) and the value
    # validation chose how the two mix; the model and the label codec (both saved) agree on it
    choice = next(line for line in lines if "hurdle's mix" in line)
    assert choice.endswith(f"keeping {trainer.codec.hurdle_mix}") and "product" in choice and "log" in choice
    assert trainer.model.task.hurdle_mix == trainer.model.head.spec.hurdle_mix == trainer.codec.hurdle_mix
    # and scaled its predictions by the factor with the lowest MAE on (a sample of) its training rows
    assert any(line.startswith(f"gnn: predictions scaled by {trainer.codec.output_scale:.3g}") for line in lines)
    assert trainer.model.head.spec.output_scale == trainer.codec.output_scale
    constant = regression_metrics(y, np.full_like(y, median))["mae"]
    model = regression_metrics(y, preds.scores)["mae"]
    assert model < 0.85 * constant
    low, high = inputs.tt.split("train").column("label").to_numpy().min(), max(train_labels(inputs))
    assert preds.scores.min() >= low and preds.scores.max() <= high  # clamped to the train range


def test_multiclass_beats_the_majority_class(fitted):
    inputs, test, preds, _ = _test_scores(fitted, CHANNEL)
    assert preds.scores.shape == (test.num_rows, 3) and set(preds.classes) == {"web", "store", "app"}
    np.testing.assert_allclose(preds.scores.sum(axis=1), 1.0, rtol=1e-5)
    y = test.column("label").to_pylist()
    assert (multiclass_metrics(y, preds.scores, preds.classes)["accuracy"]
            > majority_class_accuracy(inputs, test, preds.classes) + 0.2)


def test_link_ranking_beats_global_popularity(fitted):
    inputs, test, preds, val = _test_scores(fitted, NEXT)
    assert preds.items.shape == (test.num_rows, 5) and preds.scores.shape == (test.num_rows, 5)
    assert (np.diff(preds.scores, axis=1) <= 1e-6).all()  # best first
    assert set(np.unique(preds.items)) <= set(range(24))  # product keys, not node positions
    baseline = popularity_map(inputs, test, 5)
    assert ranking_metrics(test.column("label").to_pylist(), preds.items, 5)["map"] > baseline + 0.15
    assert val["map"] > baseline


def test_link_ranking_batches_carry_each_seeds_full_item_history(fitted):
    """Every past order's product is in the seed's history (not just the sampled ``neighbors`` most recent)."""
    inputs, trainer, _, _ = fitted(NEXT)
    ctx = trainer.context
    assert ctx.history is not None and ctx.history.item_type == "products"
    test, rows = row_keys(inputs, "test")
    seeds = ctx.seeds(rows)
    _, batch = next(ctx.batches(seeds.nodes[:64], seeds.times[:64], "cpu"))
    hist = trainer.model.item_history(batch)
    assert hist is not None and hist.values.shape[1] == trainer.model.head.history_scorer.linear.in_features and hist.rows.numel() > 0
    con = inputs.con
    for row in range(3):
        key, anchor = rows.column(0)[int(seeds.rows[row])].as_py(), rows.column("anchor_time")[int(seeds.rows[row])].as_py()
        bought = {p for (p,) in con.execute("SELECT DISTINCT product_id FROM orders WHERE customer_id = ? AND "
                                            "ordered_at <= ?", [key, anchor]).fetchall()}
        items = {trainer.codec.items[int(i)] for i in hist.items[hist.rows == row]}
        assert items == bought


def test_multilabel_and_forecasting_produce_their_layouts(fitted):
    inputs, test, preds, val = _test_scores(fitted, CHANNELS)
    assert preds.scores.shape == (test.num_rows, len(preds.classes)) and set(preds.classes) <= {"web", "store", "app"}
    assert val["macro_auroc"] > 0.7
    inputs, test, preds, val = _test_scores(fitted, WEEKLY)
    assert preds.scores.shape == (test.num_rows, 2) and np.isfinite(preds.scores).all()
    assert "mae" in val


def test_uplift_finds_the_responsive_segment(fitted, session):
    inputs, test, preds, val = _test_scores(fitted, MAILED)
    assert preds.classes == ("control", "treated") and preds.scores.shape == (test.num_rows, 2)
    assert "qini" in val
    segment = dict(session.con.sql("SELECT customer_id, segment FROM customers").fetchall())
    uplift = preds.scores[:, 1] - preds.scores[:, 0]
    responsive = np.array([segment[c] == "responsive" for c in test.column("customer_id").to_pylist()])
    assert uplift[responsive].mean() > uplift[~responsive].mean()
