"""A yes/no target's F1 and accuracy score the ``prediction`` column the run returns: both use the
decision threshold chosen on validation (`engine.evaluate.decision_threshold`), reported as ``threshold``."""
from __future__ import annotations

import numpy as np
import pytest

import pql
from engine.metrics import binary_metrics
from tests.fixtures.shop import CUSTOMER, ShopSpec, build

CHURN = f"PREDICT COUNT(orders.*, 0, 30, days) > 0 {CUSTOMER}"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return build(tmp_path_factory.mktemp("threshold") / "shop.duckdb", ShopSpec(n_customers=120, days=200))


def test_binary_metrics_score_the_cut_off_they_are_given():
    y = np.array([1, 0, 1, 0, 0])
    p = np.array([0.4, 0.35, 0.3, 0.1, 0.2])
    at = binary_metrics(y, p, threshold=0.3)  # predicts 1, 1, 1, 0, 0
    assert at["threshold"] == 0.3
    assert at["accuracy"] == pytest.approx(0.8)
    assert at["f1"] == pytest.approx(0.8)
    default = binary_metrics(y, p)  # nothing reaches 0.5
    assert (default["threshold"], default["f1"], default["accuracy"]) == (0.5, 0.0, pytest.approx(0.6))
    assert at["auroc"] == default["auroc"] and at["ap"] == default["ap"]  # threshold-free


@pytest.mark.parametrize("model,options", [("lightgbm", ""), ("heuristic", ""), ("gnn", ", epochs = 1, channels = 8")])
def test_evaluate_scores_the_predictions_it_returns(shop, tmp_path, monkeypatch, model, options):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    with pql.connect(str(shop)) as session:
        (result,) = session.run(f"EVALUATE {CHURN} WITH model = '{model}'{options}")
    run = result.run
    predicted = np.array(run.test_predictions.column("prediction").to_pylist())
    actual = np.array(run.test_predictions.column("actual").to_pylist())
    probability = np.array(run.test_predictions.column("probability").to_pylist())
    test = run.metrics["test"]
    assert test["accuracy"] == pytest.approx(float(np.mean(predicted == actual)))
    tp = np.sum(predicted & actual)
    assert test["f1"] == pytest.approx(2 * tp / (predicted.sum() + actual.sum()))
    assert np.array_equal(predicted, probability >= test["threshold"])
    assert test["threshold"] == run.metrics["val"]["threshold"]
    assert f"threshold {test['threshold']:.4f}" in run.summary
    rows = {(r["model"], r["split"], r["metric"]): r["value"] for r in result.table.to_pylist()}
    assert rows[(model, "test", "threshold")] == test["threshold"]
