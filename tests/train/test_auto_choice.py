"""`WITH model = 'auto'` (engine.run): it warns when the heuristic baseline beats the model it kept on
validation, and without validation rows it trains LightGBM alone instead of choosing blind."""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

import engine.run
import pql
from engine.train.base import Predictions
from engine.train.heuristic_trainer import HeuristicTrainer
from tests.fixtures.shop import CUSTOMER, ShopSpec, build

CHURN = f"PREDICT COUNT(orders.*, 0, 30, days) > 0 {CUSTOMER}"


class Backwards(HeuristicTrainer):
    """The heuristic upside down: a 'model' that validation scores below the heuristic baseline."""

    name = "backwards"

    def predict(self, inputs, rows) -> Predictions:
        preds = super().predict(inputs, rows)
        return replace(preds, scores=1.0 - np.asarray(preds.scores))


def _run(path, tmp_path, monkeypatch, statement: str):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    logged: list[str] = []
    with pql.connect(str(path), log=logged.append) as session:
        (result,) = session.run(statement)
    return result.run, logged


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return build(tmp_path_factory.mktemp("auto") / "shop.duckdb", ShopSpec(n_customers=120, days=200))


def test_auto_warns_when_the_heuristic_beats_the_kept_model(shop, tmp_path, monkeypatch):
    monkeypatch.setitem(engine.run.TRAINERS, "backwards", (__name__, "Backwards"))
    monkeypatch.setattr(engine.run, "AUTO_FAMILIES", ("backwards",))
    run, _ = _run(shop, tmp_path, monkeypatch, CHURN)
    kept = run.metrics["val"]["auroc"]
    (warning,) = [w for w in run.warnings if "heuristic baseline beats" in w]
    assert f"auroc {1 - kept:.4f} vs {kept:.4f}" in warning  # the heuristic is the model upside down
    assert "WITH model = 'heuristic'" in warning
    assert run.chosen == "backwards"  # a warning, not a silent switch
    again, _ = _run(shop, tmp_path, monkeypatch, CHURN)  # a reused model warns too
    assert again.reused and warning in again.warnings


def test_the_warning_compares_by_the_selection_metric(shop):
    with pql.connect(str(shop)) as session:
        churn, spend = session.bind(CHURN), session.bind(f"PREDICT SUM(orders.amount, 0, 30, days) {CUSTOMER}")
    logged: list[str] = []
    warn = engine.run._warn_below_heuristic
    warn(churn, "gnn", {"auroc": 0.8}, {"auroc": 0.7}, logged.append)
    warn(churn, "gnn", {"auroc": float("nan")}, {"auroc": 0.7}, logged.append)  # nothing to compare
    warn(churn, "gnn", {"auroc": 0.8}, {}, logged.append)  # no heuristic
    warn(spend, "gnn", {"mae": 3.0}, {"mae": 4.0}, logged.append)  # lower is better
    assert logged == []
    warn(spend, "gnn", {"mae": 5.0}, {"mae": 4.0}, logged.append)
    assert logged == ["warning: the heuristic baseline beats the kept gnn on validation (mae 4.0000 vs 5.0000); "
                      "WITH model = 'heuristic' predicts with it"]


def test_auto_without_validation_trains_lightgbm_alone(tmp_path, monkeypatch):
    path = build(tmp_path / "two_years.duckdb", ShopSpec(n_customers=40, days=730, mails=False))
    # two 300-day windows fit in two years: both anchors train, none is left for validation
    run, logged = _run(path, tmp_path, monkeypatch,
                       f"PREDICT SUM(orders.amount, 0, 300, days) {CUSTOMER} WITH epochs = 1")
    assert run.training.counts()["val"] == 0
    assert run.chosen == "lightgbm" and list(run.candidates) == ["lightgbm"]
    (warning,) = [w for w in run.warnings if "model = 'auto'" in w]
    assert "no validation rows" in warning and "val_cutoff" in warning
    assert "val mae n/a" in run.summary
    assert not any(re.search(r"\bnan\b", line) for line in [*logged, run.summary])


def test_auto_on_a_tiny_validation_split_trains_lightgbm_alone_and_says_why(shop, tmp_path, monkeypatch):
    trained: list[str] = []
    fit_all = engine.run._fit_all
    monkeypatch.setattr(engine.run, "_fit_all", lambda families, *a: trained.extend(families) or fit_all(families, *a))
    run, logged = _run(shop, tmp_path, monkeypatch, f"{CHURN} WITH model = 'auto'")
    assert run.training.counts()["val"] < engine.run.MIN_VAL_ROWS_TO_COMPARE
    assert trained == ["lightgbm"] and run.chosen == "lightgbm" and list(run.candidates) == ["lightgbm"]
    (note,) = [line for line in logged if "model = 'auto' trains LightGBM only" in line]
    assert note.startswith(f"note: model = 'auto' trains LightGBM only: validation has {run.training.counts()['val']} "
                           f"rows (under {engine.run.MIN_VAL_ROWS_TO_COMPARE}), too few to tell it from the GNN")
    assert not any(line.startswith("warning:") and "auto" in line for line in logged)


def test_a_validation_split_is_too_small_on_few_rows_or_few_of_the_rarer_answer(shop):
    with pql.connect(str(shop)) as session:
        churn, spend = session.bind(CHURN), session.bind(f"PREDICT SUM(orders.amount, 0, 30, days) {CUSTOMER}")

    def table(labels):
        import pyarrow as pa
        return type("TT", (), {"split": lambda self, s: pa.table({"label": labels})})()

    assert engine.run._validation_too_small(spend, table([1.0] * 199)) == "199 rows (under 200)"
    assert engine.run._validation_too_small(spend, table([1.0] * 200)) is None
    assert engine.run._validation_too_small(churn, table([True] * 19 + [False] * 300)) == "19 true labels (under 20)"
    assert engine.run._validation_too_small(churn, table([False] + [True] * 300)) == "1 false label (under 20)"
    assert engine.run._validation_too_small(churn, table([True] * 20 + [False] * 300)) is None
