"""Uplift: per-arm outcome models (T-learner, X-learner on request) and the randomisation check."""
from __future__ import annotations

import numpy as np
import pytest

from engine.evaluate import score
from engine.train.lgbm.settings import UPLIFT_LEARNER_ENV, LGBMSettings
from pql.errors import EngineError
from tests.fixtures.shop import CUSTOMER
from tests.fixtures.training import make_inputs, row_keys

MAILED = f"PREDICT COUNT(orders.*, 0, 14, days) > 0 {CUSTOMER} ASSUMING COUNT(mails.*, 0, 7, days) > 0"
MAILED_SPEND = f"PREDICT SUM(orders.amount, 0, 14, days) {CUSTOMER} ASSUMING COUNT(mails.*, 0, 7, days) > 0"
# "treated" = ordered in the next week: past orders predict it, so it is anything but randomised
SELF_SELECTED = f"PREDICT COUNT(orders.*, 7, 30, days) > 1 {CUSTOMER} ASSUMING COUNT(orders.*, 0, 7, days) > 0"


def _segment_uplift(session, fitted, query, **kwargs):
    inputs, trainer, val, lines = fitted(query, **kwargs)
    test, rows = row_keys(inputs, "test")
    preds = trainer.predict(inputs, rows)
    segment = dict(session.con.sql("SELECT customer_id, segment FROM customers").fetchall())
    uplift = preds.scores[:, 1] - preds.scores[:, 0]
    responsive = np.array([segment[c] == "responsive" for c in test.column("customer_id").to_pylist()])
    return preds, val, lines, uplift[responsive].mean() - uplift[~responsive].mean()


@pytest.mark.parametrize("learner", ["t", "x"])
def test_uplift_finds_the_responsive_segment(session, fitted, learner):
    preds, val, lines, gap = _segment_uplift(session, fitted, MAILED, uplift_learner=learner)
    assert preds.classes == ("control", "treated") and preds.scores.shape[1] == 2
    assert ((preds.scores >= 0) & (preds.scores <= 1)).all()
    assert "qini" in val and val["outcome_auroc"] > 0.75
    assert gap > 0.02  # responsive customers gain, steady ones do not
    assert any(f"{learner.upper()}-learner" in line for line in lines)
    assert not any(line.startswith("warning:") for line in lines)  # the mails were randomised
    if learner == "x":
        assert any("X-learner effect models" in line for line in lines)


def test_uplift_on_a_regression_outcome(session, fitted):
    preds, val, _, gap = _segment_uplift(session, fitted, MAILED_SPEND)
    assert "outcome_mae" in val and gap > 0


def test_a_self_selected_treatment_is_flagged(fitted):
    _, _, _, lines = fitted(SELF_SELECTED)
    assert any(line.startswith("warning: lightgbm: the features predict who got") for line in lines)


def test_the_uplift_learner_comes_from_the_environment(session, monkeypatch):
    inputs = make_inputs(session, MAILED)
    monkeypatch.setenv(UPLIFT_LEARNER_ENV, "x")
    assert LGBMSettings.from_inputs(inputs).uplift_learner == "x"
    monkeypatch.setenv(UPLIFT_LEARNER_ENV, "z")
    with pytest.raises(EngineError, match="unknown uplift learner"):
        LGBMSettings.from_inputs(inputs)


def test_scores_follow_the_arm_each_row_got(fitted):
    inputs, trainer, _, _ = fitted(MAILED)
    test, rows = row_keys(inputs, "test")
    metrics = score(inputs.bq, test, trainer.predict(inputs, rows))
    assert {"qini", "auuc", "uplift_at_10", "outcome_auroc"} <= set(metrics)


def test_categorical_arms_get_one_outcome_model_each(fitted):
    query = (f"PREDICT COUNT(orders.*, 7, 30, days) > 0 {CUSTOMER} "
             "ASSUMING FIRST(orders.channel, 0, 7, days) IN ('web', 'app')")
    inputs, trainer, val, _ = fitted(query)
    test, rows = row_keys(inputs, "test")
    preds = trainer.predict(inputs, rows)
    assert preds.classes == ("control", "web", "app") and preds.scores.shape == (test.num_rows, 3)
    assert sorted(trainer.head.outcome) == [0, 1, 2]
    assert {"qini_web", "qini_app", "qini"} <= set(val)
