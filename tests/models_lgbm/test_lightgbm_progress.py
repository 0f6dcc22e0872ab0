"""Boosting shows a progress bar (rounds, validation metric) only when asked, and it changes nothing."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from engine.models.lightgbm_model import LightGBMConfig, LightGBMModel
from engine.models.lightgbm_progress import boosting_progress, round_bar
from engine.models.lightgbm_refit import keep_fit_material
from pql.bound import TaskType


def _data(n=1200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=n)
    return pa.table({f"x{i}": X[:, i] for i in range(X.shape[1])}), y


def _fit(X, y):
    config = LightGBMConfig(max_rounds=60, early_stopping_rounds=60, num_threads=1)
    return LightGBMModel(config).fit(X.slice(0, 900), y[:900], X.slice(900), y[900:], TaskType.REGRESSION)


def test_no_bar_unless_asked(capsys):
    with round_bar(10) as callback:
        assert callback is None
    X, y = _data()
    _fit(X, y)
    assert capsys.readouterr().err == ""


def test_the_bar_counts_rounds_and_shows_the_validation_metric(monkeypatch, capsys):
    import tqdm.auto

    bars = []

    def recording_tqdm(*args, **kwargs):  # every update drawn (tqdm throttles to 10 a second)
        bars.append(tqdm.std.tqdm(*args, mininterval=0, **kwargs))
        return bars[-1]

    monkeypatch.setattr(tqdm.auto, "tqdm", recording_tqdm)
    X, y = _data()
    quiet = _fit(X, y)
    assert bars == []
    with boosting_progress(True), keep_fit_material(True):
        shown = _fit(X, y)
        assert shown.refit()
    boosting, refit = bars
    assert boosting.desc == "lightgbm boosting" and boosting.total == 60 and boosting.n >= shown.best_iteration
    assert "val l2=" in boosting.postfix
    assert refit.desc == "lightgbm refit" and refit.n == refit.total == shown.best_iteration
    err = capsys.readouterr().err
    assert "lightgbm boosting" in err and "round/s" in err
    np.testing.assert_array_equal(quiet.predict(X.slice(900)), _fit(X, y).predict(X.slice(900)))
    with round_bar(10) as callback:  # the switch ends with its block
        assert callback is None
