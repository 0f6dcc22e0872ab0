"""LightGBMModel: learning on synthetic signals, persistence, determinism, input errors."""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest
from sklearn.metrics import roc_auc_score

from engine.models.lightgbm_model import LightGBMConfig, LightGBMModel
from pql.bound import TaskType
from pql.errors import PQLInputError

N = 1500
COLORS = np.array(["red", "green", "blue", "grey"])


def make(seed: int, n: int = N):
    """Four numeric features (one noise-only, one with gaps) and a categorical ``color``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    x[rng.random(n) < 0.1, 3] = np.nan
    color = COLORS[rng.integers(0, len(COLORS), n)]
    table = pa.table({
        "x0": x[:, 0], "x1": x[:, 1], "x2": x[:, 2], "noise": x[:, 3],
        "color": pa.array(color).dictionary_encode(),
    })
    return table, x, color, rng


def fitted(task, y_fn, *, config=None, seed=0):
    X, x, color, rng = make(seed)
    Xv, xv, colorv, _ = make(seed + 1)
    Xt, xt, colort, _ = make(seed + 2)
    model = LightGBMModel(config).fit(X, y_fn(x, color, rng), Xv, y_fn(xv, colorv, rng), task)
    return model, Xt, y_fn(xt, colort, rng)


def binary_y(x, color, rng):
    return ((x[:, 0] + 1.5 * (color == "red") + 0.3 * rng.normal(size=len(x))) > 0.5).astype(int)


def regression_y(x, color, rng):
    return np.exp(x[:, 0]) * 3 + 2.0 * (color == "blue") + 0.1 * rng.random(len(x))


def multiclass_y(x, color, rng):
    return np.array(["a", "b", "c"], dtype=object)[np.argmax(x[:, :3] + 0.1 * rng.normal(size=(len(x), 3)), axis=1)]


def test_binary_learns_and_uses_the_categorical():
    model, Xt, yt = fitted(TaskType.BINARY, binary_y)
    p = model.predict(Xt)
    assert p.shape == (Xt.num_rows,) and ((p >= 0) & (p <= 1)).all()
    assert roc_auc_score(yt, p) > 0.9
    importance = model.feature_importance()
    assert list(importance)[:2] in (["x0", "color"], ["color", "x0"])
    assert model.best_iteration < model.config.max_rounds  # early stopping stopped it


def test_regression_log_target_and_clamp():
    config = LightGBMConfig(log_target=True, regression_loss="l1")
    model, Xt, yt = fitted(TaskType.REGRESSION, regression_y, config=config)
    pred = model.predict(Xt)
    assert np.abs(pred - yt).mean() < 0.25 * np.abs(yt - yt.mean()).mean()
    extreme = Xt.set_column(0, "x0", pa.array(np.full(Xt.num_rows, 50.0)))
    assert model.predict(extreme).max() <= model.label_range[1]
    with pytest.raises(PQLInputError, match="non-negative"):
        LightGBMModel(config).fit(Xt, -yt, None, None, "regression")


def test_multiclass_maps_labels_and_back():
    model, Xt, yt = fitted(TaskType.MULTICLASS, multiclass_y)
    proba = model.predict(Xt)
    assert proba.shape == (Xt.num_rows, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.classes == ["a", "b", "c"]
    assert (model.predict_label(Xt) == yt).mean() > 0.8


def test_link_ranking_is_pair_scoring():
    rng = np.random.default_rng(3)

    def pairs(n):
        bought_before = rng.poisson(1.0, n).astype(float)
        popularity = rng.exponential(10.0, n)
        y = (rng.random(n) < 1 / (1 + np.exp(-(1.5 * bought_before + 0.1 * popularity - 3)))).astype(int)
        return pa.table({"pair__count_all": bought_before, "item__count_30d": popularity}), y

    (X, y), (Xv, yv), (Xt, yt) = pairs(N), pairs(N), pairs(N)
    model = LightGBMModel().fit(X, y, Xv, yv, "link_ranking")
    assert roc_auc_score(yt, model.predict(Xt)) > 0.75


@pytest.mark.parametrize(
    ("task", "y_fn"),
    [(TaskType.BINARY, binary_y), (TaskType.REGRESSION, regression_y), (TaskType.MULTICLASS, multiclass_y)],
)
def test_save_load_round_trip(tmp_path, task, y_fn):
    model, Xt, _ = fitted(task, y_fn, config=LightGBMConfig(max_rounds=60))
    model.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["meta.json", "model.txt"]
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert meta["task"] == task.value and meta["feature_names"] == ["x0", "x1", "x2", "noise", "color"]
    assert set(meta["categories"]["color"]) == set(COLORS)
    loaded = LightGBMModel.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict(Xt), model.predict(Xt))
    assert loaded.classes == model.classes and loaded.label_range == model.label_range


def test_deterministic():
    a, Xt, _ = fitted(TaskType.BINARY, binary_y)
    b, _, _ = fitted(TaskType.BINARY, binary_y)
    assert a._booster.model_to_string() == b._booster.model_to_string()
    np.testing.assert_array_equal(a.predict(Xt), b.predict(Xt))
    c, _, _ = fitted(TaskType.BINARY, binary_y, config=LightGBMConfig(seed=7))
    assert c._booster.model_to_string() != a._booster.model_to_string()


def test_categories_are_keyed_by_value_not_by_dictionary_code():
    model, Xt, _ = fitted(TaskType.BINARY, binary_y, config=LightGBMConfig(max_rounds=60))
    plain = Xt.set_column(4, "color", Xt.column("color").cast(pa.string()))  # same values, no dictionary
    np.testing.assert_array_equal(model.predict(plain), model.predict(Xt))
    unseen = Xt.set_column(4, "color", pa.array(["purple"] * Xt.num_rows))
    assert np.isfinite(model.predict(unseen)).all()


def test_input_errors():
    X, x, color, rng = make(0, 100)
    with pytest.raises(PQLInputError, match="0/1"):
        LightGBMModel().fit(X, np.arange(100), None, None, "binary")
    with pytest.raises(PQLInputError, match="does not handle"):
        LightGBMModel().fit(X, np.zeros(100), None, None, "multilabel")
    model = LightGBMModel(LightGBMConfig(max_rounds=5)).fit(X, binary_y(x, color, rng), None, None, "binary")
    with pytest.raises(PQLInputError, match="lacks feature"):
        model.predict(X.drop_columns(["x1"]))
