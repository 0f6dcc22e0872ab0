"""``WITH metric``: a regression's loss, scale and hurdle mix follow the metric the user ranks by."""
from __future__ import annotations

import re

import numpy as np
import pytest
import pyarrow as pa

from engine.train.lgbm.heads import FitData, RegressionHead, validation_loss
from engine.train.lgbm.settings import LGBMSettings


def _data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    buys = rng.random(n) < 1 / (1 + np.exp(-2 * x[:, 0]))
    y = np.where(buys, np.exp(3 + 1.5 * x[:, 1]), 0.0)
    return pa.table({"a": x[:, 0], "b": x[:, 1]}), y.tolist()


def test_validation_loss_follows_the_metric():
    y, p = np.array([1.0, 2.0, 3.0, 10.0]), np.array([1.0, 3.0, 2.0, 4.0])
    assert validation_loss("mae", y, p) == np.mean(np.abs(y - p))
    assert validation_loss("spearman", y, p) == pytest.approx(-0.8)  # higher is better: the loss is its negative
    assert validation_loss("qini", y, p) == validation_loss("mae", y, p)  # not a regression metric: MAE
    assert validation_loss("spearman", y, np.ones(4)) == float("inf")  # undefined loses


def test_the_hurdle_mix_is_chosen_by_the_named_metric():
    X_tr, y_tr = _data(800, 0)
    X_va, y_va = _data(300, 1)
    kept = {}
    for metric in ("mae", "spearman"):
        lines: list[str] = []
        RegressionHead().fit(FitData(X_train=X_tr, y_train=y_tr, X_val=X_va, y_val=y_va, settings=LGBMSettings(),
                                     log=lines.append, metric=metric))
        (choice,) = [line for line in lines if "training targets are 0" in line]
        assert f"validation {metric} " in choice
        values = {n: float(v) for n, v in re.findall(r"(single model|hurdle \(\w+\)) (-?[0-9.]+)", choice)}
        best = (min if metric == "mae" else max)(values.values())
        kept[metric] = choice.rsplit("keeping the ", 1)[1]
        assert values[kept[metric]] == best
