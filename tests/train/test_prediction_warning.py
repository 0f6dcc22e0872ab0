"""What ``prediction`` means: a yes/no target's cut-off follows ``WITH threshold`` ('f1', 'accuracy' or a
number), and a run says when ``prediction`` is far off the validation labels (`PREDICTION_OFF_BY`): a note
for a cut-off that marks many more rows true than are (on validation, or on the rows predicted against their
mean probability), a warning for a regression whose predictions average far below the targets (an MAE
model's medians on a target that is mostly 0)."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import pql
import pyarrow as pa

from engine.evaluate import (PREDICTION_OFF_BY, OnValidation, accuracy_threshold, best_threshold, cut_off,
                             predicted_rows_note, prediction_note, prediction_warning, threshold_note)
from engine.run import _note_predicted_rows, _warn_misleading_prediction
from engine.metrics import binary_metrics
from pql.bound import TaskType
from tests.fixtures.shop import CUSTOMER, ShopSpec, build

#: rare buyers and a 3-day window: 9% of validation rows buy, and the F1-optimal cut-off marks 20% true
RARE_BUY = f"EVALUATE PREDICT COUNT(orders.*, 0, 3, days) > 0 {CUSTOMER}"
#: most customers buy nothing in a week, so the median (what MAE predicts) is 0 for most
WEEK_SPEND = f"EVALUATE PREDICT SUM(orders.amount, 0, 7, days) {CUSTOMER}"


def _query(task: TaskType, entity: str = "customers", **options):
    return SimpleNamespace(task=task, entity=SimpleNamespace(table=entity), options=tuple(options.items()),
                           option=lambda name, default=None: options.get(name, default))


# -- the cut-off rules ----------------------------------------------------------------------------------


def test_the_accuracy_cut_off_is_the_most_accurate_one():
    rng = np.random.default_rng(0)
    y = rng.random(300) < 0.3
    p = np.clip(0.3 + 0.25 * (y - 0.3) + rng.normal(0, 0.2, 300), 0.01, 0.99).round(2)  # with ties
    threshold = accuracy_threshold(y, p)
    candidates = [*np.unique(p), np.nextafter(p.max(), np.inf)]
    best = max(np.mean((p >= c) == y) for c in candidates)
    assert np.mean((p >= threshold) == y) == pytest.approx(best)
    assert threshold > best_threshold(y, p)  # F1 marks more rows true


def test_the_accuracy_cut_off_marks_none_true_when_that_is_most_accurate():
    y = np.array([True] + [False] * 9)
    p = np.full(10, 0.2)
    threshold = accuracy_threshold(y, p)
    assert not (p >= threshold).any()
    assert binary_metrics(y, p, threshold=threshold)["accuracy"] == pytest.approx(0.9)


def test_a_number_is_the_cut_off_itself():
    y, p = np.array([True, False, False]), np.array([0.9, 0.4, 0.1])
    assert cut_off(0.3, y, p) == 0.3
    assert cut_off("f1", y, p) == best_threshold(y, p)
    assert cut_off("accuracy", y, p) == accuracy_threshold(y, p)


# -- the warnings' text and when they fire ---------------------------------------------------------------


def test_a_cut_off_marking_far_more_rows_true_than_are_is_noted():
    found = OnValidation(threshold=0.246439, predicted_mean=0.891, label_mean=0.334)
    assert prediction_warning(_query(TaskType.BINARY), found) is None  # a note, not a warning
    assert prediction_note(_query(TaskType.BINARY), found) == (
        "prediction marks 89% of validation rows true while 33% are (threshold 0.246, the F1-optimal cut-off): "
        "WITH threshold = 'accuracy' or a number predicts fewer; probability is unaffected")


def test_an_accuracy_cut_off_marking_far_fewer_rows_true_is_noted():
    found = OnValidation(threshold=0.514, predicted_mean=0.05, label_mean=0.19)
    warning = prediction_note(_query(TaskType.BINARY, threshold="accuracy"), found)
    assert warning == ("prediction marks 5% of validation rows true while 19% are (threshold 0.514, the "
                       "accuracy-optimal cut-off): WITH threshold = 'f1' or a number predicts more; probability "
                       "is unaffected")


def test_no_share_warning_within_the_factor_or_for_a_cut_off_the_user_set():
    assert PREDICTION_OFF_BY == 2
    near = OnValidation(threshold=0.3, predicted_mean=0.6, label_mean=0.334)
    assert prediction_note(_query(TaskType.BINARY), near) is None
    far = OnValidation(threshold=0.1, predicted_mean=0.9, label_mean=0.3)
    assert prediction_note(_query(TaskType.BINARY, threshold=0.1), far) is None


def test_the_binary_share_is_logged_as_a_note_and_a_regression_mean_as_a_warning():
    logged: list[str] = []
    far = OnValidation(threshold=0.2, predicted_mean=0.74, label_mean=0.34)
    assert _warn_misleading_prediction(_query(TaskType.BINARY), "lightgbm", far, logged.append)
    assert logged == ["note: prediction marks 74% of validation rows true while 34% are (threshold 0.2, the "
                      "F1-optimal cut-off): WITH threshold = 'accuracy' or a number predicts fewer; probability "
                      "is unaffected"]
    logged.clear()
    low = OnValidation(predicted_mean=0.054, label_mean=24.2, label_median=0.0)
    assert not _warn_misleading_prediction(_query(TaskType.REGRESSION), "lightgbm", low, logged.append)
    assert len(logged) == 1 and logged[0].startswith("warning: predictions average 0.05")


# -- the rows predicted, after the refit ------------------------------------------------------------------


def _binary_rows(share: float, mean_probability: float, n: int = 200):
    """``n`` rows, ``share`` of them marked true, whose probabilities average ``mean_probability``."""
    marked = np.arange(n) < round(share * n)
    return marked, np.full(n, mean_probability)


def test_predicted_rows_marking_far_more_true_than_their_mean_probability_are_noted():
    # CJ coupon redemption, LightGBM: validation 24% marked vs 15% (quiet), the refit model's predictions
    # 46.5% marked while their mean probability is 13.3%
    prediction, probability = _binary_rows(0.465, 0.133)
    assert predicted_rows_note(_query(TaskType.BINARY), 0.0712, prediction, probability) == (
        "prediction marks 46% of the predicted rows true while their mean probability is 13% (threshold "
        "0.0712, the F1-optimal cut-off): WITH threshold = 'accuracy' or a number predicts fewer; probability "
        "is unaffected")
    fewer = predicted_rows_note(_query(TaskType.BINARY, threshold="accuracy"), 0.6, *_binary_rows(0.02, 0.2))
    assert fewer.startswith("prediction marks 2% of the predicted rows true while their mean probability is 20%")
    assert "WITH threshold = 'f1' or a number predicts more" in fewer


def test_no_predicted_rows_note_within_the_factor_for_a_set_cut_off_or_another_task():
    assert predicted_rows_note(_query(TaskType.BINARY), 0.3, *_binary_rows(0.25, 0.15)) is None
    assert predicted_rows_note(_query(TaskType.BINARY, threshold=0.05), 0.05, *_binary_rows(0.9, 0.1)) is None
    assert predicted_rows_note(_query(TaskType.REGRESSION), 0.5, *_binary_rows(0.9, 0.1)) is None
    assert predicted_rows_note(_query(TaskType.BINARY), 0.5, np.array([], dtype=bool), np.array([])) is None


def test_a_run_notes_its_predicted_rows():
    prediction, probability = _binary_rows(0.465, 0.133)
    table = pa.table({"customer_id": np.arange(len(prediction)), "probability": probability,
                      "prediction": prediction})
    logged: list[str] = []
    _note_predicted_rows(_query(TaskType.BINARY), 0.0712, table, logged.append)
    assert logged and logged[0].startswith("note: prediction marks 46% of the predicted rows true while their "
                                           "mean probability is 13%")


# -- a threshold with nothing to cut ----------------------------------------------------------------------


def test_a_threshold_on_a_multilabel_target_says_its_predictions_are_cut_at_one_half():
    assert threshold_note(_query(TaskType.MULTILABEL, threshold=0.3)) == (
        "multilabel predictions are cut at 0.5; WITH threshold applies to a yes/no target only")
    assert threshold_note(_query(TaskType.REGRESSION, threshold="f1")) == (
        "threshold only cuts a yes/no target's probability into its prediction; this query has none")
    assert threshold_note(_query(TaskType.BINARY, threshold=0.3)) is None
    assert threshold_note(_query(TaskType.MULTILABEL)) is None
    logged: list[str] = []
    _warn_misleading_prediction(_query(TaskType.MULTILABEL, threshold=0.3), "lightgbm", OnValidation(),
                                logged.append)
    assert logged == ["note: multilabel predictions are cut at 0.5; WITH threshold applies to a yes/no target "
                      "only"]


def test_mae_predictions_far_below_the_targets_mean_are_warned_about():
    found = OnValidation(predicted_mean=0.054, label_mean=24.2, label_median=0.0)
    assert prediction_warning(_query(TaskType.REGRESSION), found) == (
        "predictions average 0.05 while the validation targets average 24.2: with metric 'mae' each prediction "
        "is a typical (median) value, which is 0 for most customers; WITH metric = 'rmse' predicts expected "
        "values, whose sum estimates the total")
    skewed = OnValidation(predicted_mean=31.1, label_mean=67.4, label_median=20.0)
    assert "typical (median) value, below the mean of a skewed target" in prediction_warning(
        _query(TaskType.REGRESSION, entity="customer"), skewed)


def test_no_mean_warning_for_predictions_near_the_targets_mean():
    found = OnValidation(predicted_mean=24.6, label_mean=24.2, label_median=0.0)
    assert prediction_warning(_query(TaskType.REGRESSION, metric="rmse"), found) is None
    assert prediction_warning(_query(TaskType.MULTICLASS), OnValidation()) is None


def test_what_validation_said_is_saved_with_the_model():
    found = OnValidation(threshold=0.25, at_threshold={"f1": 0.5}, predicted_mean=0.05, label_mean=24.2,
                         label_median=0.0)
    meta = {"threshold": found.threshold, "on_validation": found.to_meta()}
    assert OnValidation.from_meta(meta) == OnValidation(threshold=0.25, predicted_mean=0.05, label_mean=24.2,
                                                        label_median=0.0)
    assert OnValidation.from_meta({}) == OnValidation()  # a model saved before: no warning, threshold 0.5


# -- through a run ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rare_buyers(tmp_path_factory):
    return build(tmp_path_factory.mktemp("rare") / "shop.duckdb",
                 ShopSpec(n_customers=120, days=200, rate_log_mean=-4.0))


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return build(tmp_path_factory.mktemp("spend") / "shop.duckdb", ShopSpec(n_customers=120, days=200))


def _run(db, query, home, monkeypatch, logged: list[str] | None = None):
    monkeypatch.setenv("PQL_HOME", str(home))
    with pql.connect(str(db), log=(lambda _: None) if logged is None else logged.append) as session:
        (result,) = session.run(query)
    return result


def _scores_its_own_prediction(run) -> np.ndarray:
    """The test rows' prediction, after checking EVALUATE's accuracy and F1 score exactly it."""
    predicted = np.array(run.test_predictions.column("prediction").to_pylist())
    actual = np.array(run.test_predictions.column("actual").to_pylist())
    probability = np.array(run.test_predictions.column("probability").to_pylist())
    test = run.metrics["test"]
    assert np.array_equal(predicted, probability >= test["threshold"])
    assert test["accuracy"] == pytest.approx(float(np.mean(predicted == actual)))
    assert test["f1"] == pytest.approx(2 * np.sum(predicted & actual) / (predicted.sum() + actual.sum()))
    return predicted


def _share_warnings(run) -> list[str]:
    return [w for w in run.warnings if w.startswith("prediction marks")]


def _share_notes(logged: list[str]) -> list[str]:
    return [m for m in logged if m.startswith("note: prediction marks")]


def test_the_f1_cut_off_notes_when_it_marks_far_more_true_and_again_when_reused(rare_buyers, tmp_path, monkeypatch):
    logged: list[str] = []
    trained = _run(rare_buyers, f"{RARE_BUY} WITH model = 'heuristic'", tmp_path, monkeypatch, logged).run
    assert not _share_warnings(trained)  # a note, not a warning
    (note,) = _share_notes(logged)
    assert "the F1-optimal cut-off): WITH threshold = 'accuracy' or a number predicts fewer" in note
    assert f"(threshold {trained.metrics['val']['threshold']:.3g}," in note
    logged.clear()
    reused = _run(rare_buyers, f"{RARE_BUY} WITH model = 'heuristic'", tmp_path, monkeypatch, logged).run
    assert reused.reused and _share_notes(logged) == [note]


def test_threshold_accuracy_is_more_accurate_on_validation_and_scores_its_own_prediction(rare_buyers, tmp_path,
                                                                                          monkeypatch):
    f1 = _run(rare_buyers, f"{RARE_BUY} WITH model = 'heuristic'", tmp_path, monkeypatch).run
    result = _run(rare_buyers, f"{RARE_BUY} WITH model = 'heuristic', threshold = 'accuracy'", tmp_path, monkeypatch)
    run = result.run
    assert run.metrics["val"]["accuracy"] >= f1.metrics["val"]["accuracy"]
    assert run.metrics["val"]["threshold"] > f1.metrics["val"]["threshold"]
    predicted = _scores_its_own_prediction(run)
    assert predicted.mean() < _scores_its_own_prediction(f1).mean()
    assert f"threshold {run.metrics['test']['threshold']:.4f} (accuracy-optimal)" in run.summary


def test_a_number_is_the_cut_off_of_prediction_and_of_the_metrics(rare_buyers, tmp_path, monkeypatch):
    logged: list[str] = []
    result = _run(rare_buyers, f"{RARE_BUY} WITH model = 'lightgbm', threshold = 0.3", tmp_path, monkeypatch, logged)
    run = result.run
    assert run.metrics["val"]["threshold"] == run.metrics["test"]["threshold"] == 0.3
    _scores_its_own_prediction(run)
    rows = {(r["model"], r["split"], r["metric"]): r["value"] for r in result.table.to_pylist()}
    assert rows[("lightgbm", "test", "threshold")] == 0.3
    assert "threshold 0.3000 (as set)" in run.summary
    assert not _share_warnings(run) and not _share_notes(logged)


@pytest.mark.parametrize("model,options", [("lightgbm", ""), ("gnn", ", epochs = 1, channels = 8")])
def test_mae_predictions_far_below_the_mean_are_warned_about_for_either_model(shop, tmp_path, monkeypatch, model,
                                                                                options):
    run = _run(shop, f"{WEEK_SPEND} WITH model = '{model}'{options}", tmp_path, monkeypatch).run
    (warning,) = [w for w in run.warnings if w.startswith("predictions average")]
    assert "with metric 'mae' each prediction is a typical (median) value, which is 0 for most customers" in warning


def test_rmse_predictions_near_the_mean_are_not_warned_about(shop, tmp_path, monkeypatch):
    run = _run(shop, f"{WEEK_SPEND} WITH model = 'lightgbm', metric = 'rmse'", tmp_path, monkeypatch).run
    assert not [w for w in run.warnings if w.startswith("predictions average")]
    predicted = np.array(run.test_predictions.column("prediction").to_pylist())
    actual = np.array(run.test_predictions.column("actual").to_pylist())
    assert predicted.mean() > actual.mean() / PREDICTION_OFF_BY


def test_explain_notes_a_threshold_the_target_cannot_use(shop, tmp_path, monkeypatch):
    monkeypatch.setenv("PQL_HOME", str(tmp_path))
    with pql.connect(str(shop), log=lambda _: None) as session:
        spend = session.explain(f"PREDICT SUM(orders.amount, 0, 7, days) {CUSTOMER} WITH threshold = 0.3")
        channels = session.explain(f"PREDICT LIST_DISTINCT(orders.channel, 0, 30, days) CLASSIFY {CUSTOMER} "
                                   "WITH threshold = 0.3")
        buys = session.explain(f"{RARE_BUY.removeprefix('EVALUATE ')} WITH threshold = 0.3")
    assert "  note: threshold only cuts a yes/no target's probability into its prediction; this query has none" in spend
    assert "  note: multilabel predictions are cut at 0.5; WITH threshold applies to a yes/no target only" in channels
    assert "note: " not in buys.split("Plan:")[-1]
