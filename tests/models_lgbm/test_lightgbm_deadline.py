"""WITH time_budget reaches LightGBM: boosting stops at the deadline and keeps the best round so far."""
from __future__ import annotations

import time

import numpy as np
import pyarrow as pa

from engine.models.lightgbm_deadline import deadline_callback, deadline_passed, training_deadline
from engine.models.lightgbm_model import LightGBMConfig, LightGBMModel
from pql.bound import TaskType


def _data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 8))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=1.0, size=n)) > 0
    return pa.table({f"x{i}": X[:, i] for i in range(X.shape[1])}), y


def _slow_config():
    # tiny steps and patient early stopping: unbounded, this boosts for a thousand rounds or more
    return LightGBMConfig(learning_rate=0.001, max_rounds=3_000, early_stopping_rounds=3_000, num_threads=1)


def test_no_deadline_means_no_callback():
    assert deadline_callback() is None and not deadline_passed()


def test_boosting_stops_at_the_deadline():
    X, y = _data()
    unbounded = LightGBMModel(_slow_config()).fit(X.slice(0, 1500), y[:1500], X.slice(1500), y[1500:], TaskType.BINARY)
    rounds = unbounded._booster.current_iteration()
    assert rounds >= 1_000
    started = time.monotonic()
    with training_deadline(0.05):
        model = LightGBMModel(_slow_config()).fit(X.slice(0, 1500), y[:1500], X.slice(1500), y[1500:], TaskType.BINARY)
        assert deadline_passed()
    assert time.monotonic() - started < 10  # generous: shared machines stall
    assert 0 < model.best_iteration < rounds // 2
    p = model.predict(X.slice(1500))
    assert p.shape == (500,) and np.isfinite(p).all()
    assert not deadline_passed()  # the deadline ends with its block
