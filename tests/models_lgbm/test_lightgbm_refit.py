"""LightGBMModel.refit: trains again on train + validation for the rounds early stopping chose."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from engine.models.lightgbm_model import LightGBMConfig, LightGBMModel
from engine.models.lightgbm_refit import keep_fit_material
from pql.bound import TaskType

CONFIG = LightGBMConfig(num_leaves=7, learning_rate=0.1, max_rounds=300, early_stopping_rounds=20,
                        min_data_in_leaf=5, num_threads=1)


def _split(lo: float, hi: float, n: int, seed: int) -> tuple[pa.Table, np.ndarray]:
    x = np.random.default_rng(seed).uniform(lo, hi, n)
    return pa.table({"x": x}), x


def _fit(keep: bool) -> LightGBMModel:
    # train sees x in [0, 1), validation x in [1, 2): y = x, so only a model that learned from the
    # validation rows can predict above 1 (trees do not extrapolate; predictions are also clamped)
    X_tr, y_tr = _split(0.0, 1.0, 400, 0)
    X_va, y_va = _split(1.0, 2.0, 200, 1)
    with keep_fit_material(keep):
        return LightGBMModel(CONFIG).fit(X_tr, y_tr, X_va, y_va, TaskType.REGRESSION)


def test_refit_learns_the_validation_rows_with_the_chosen_rounds():
    model = _fit(keep=True)
    rounds = model.best_iteration
    at = pa.table({"x": [0.5, 1.5, 1.9]})
    before = model.predict(at)
    assert before[1] <= 1.0 + 1e-9  # clamped to the train labels' range

    assert model.refit()
    after = model.predict(at)
    assert model.best_iteration == rounds  # the rounds validation chose, not max_rounds
    assert after[1] > 1.3 and after[2] > after[1]
    assert abs(after[0] - 0.5) < 0.15  # the training rows are still learned
    assert not model.refit()  # the material is used up: a second refit changes nothing


def test_without_kept_material_or_validation_there_is_nothing_to_refit():
    model = _fit(keep=False)
    before = model.predict(pa.table({"x": [1.5]}))
    assert not model.refit()
    assert model.predict(pa.table({"x": [1.5]})) == before

    X_tr, y_tr = _split(0.0, 1.0, 200, 0)
    with keep_fit_material():
        no_val = LightGBMModel(CONFIG).fit(X_tr, y_tr, None, None, TaskType.REGRESSION)
    assert not no_val.refit()


def test_refit_binary_keeps_the_class_encoding():
    x = np.random.default_rng(2).normal(size=600)
    X = pa.table({"x": x, "colour": pa.array(np.where(x > 0, "red", "blue"))})
    y = (x > 0.2).astype(float)
    with keep_fit_material():
        model = LightGBMModel(CONFIG).fit(X.slice(0, 400), y[:400], X.slice(400), y[400:], TaskType.BINARY)
    assert model.refit()
    p = model.predict(pa.table({"x": [-1.0, 1.0], "colour": ["blue", "red"]}))
    assert p[0] < 0.2 < 0.8 < p[1]
