"""The LightGBM hurdle regression: P(y > 0) and the value given y > 0, mixed either way of HURDLE_MIXES,
chosen against one model on validation MAE, and rebuilt from its saved state."""
from __future__ import annotations

import re

import numpy as np
import pyarrow as pa

from engine.train.lgbm.heads import FitData, RegressionHead
from engine.train.lgbm.settings import LGBMSettings


def _data(n: int, seed: int) -> tuple[pa.Table, list]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    buys = rng.random(n) < 1 / (1 + np.exp(-2 * x[:, 0]))  # whether: feature 0; how much: feature 1
    y = np.where(buys, np.exp(3 + x[:, 1]), 0.0)
    return pa.table({"a": x[:, 0], "b": x[:, 1]}), y.tolist()


def test_hurdle_predicts_probability_times_value_and_survives_a_reload():
    X_tr, y_tr = _data(2_000, 0)
    X_va, y_va = _data(500, 1)
    lines: list[str] = []
    data = FitData(X_train=X_tr, y_train=y_tr, X_val=X_va, y_val=y_va, settings=LGBMSettings(), log=lines.append)
    head = RegressionHead()
    head.fit(data)
    (choice,) = [line for line in lines if "hurdle" in line and "validation mae" in line]
    kept = choice.rsplit("keeping the ", 1)[1]
    mae = {name: float(value) for name, value in re.findall(r"(single model|hurdle \(\w+\)) ([0-9.]+)", choice)}
    assert set(mae) == {"single model", "hurdle (product)", "hurdle (log)"} and mae[kept] == min(mae.values())
    assert (head.positive is None) == (kept == "single model")
    # whichever validation kept, the hurdle's own parts mix as documented, each way, and reload as they were
    hurdle = head if head.positive is not None else RegressionHead._fit_hurdle(
        X_tr, np.asarray(y_tr), X_va, np.asarray(y_va), data)
    p, value = hurdle.positive.predict(X_va), hurdle.value.predict(X_va)
    for mix, expected in (("product", p * value), ("log", np.expm1(p * np.log1p(value)))):
        hurdle.mix = mix
        np.testing.assert_allclose(hurdle.predict(X_va).scores, np.clip(expected, 0.0, max(y_tr)))
        reloaded = RegressionHead.from_state(hurdle.state(), hurdle.models())
        assert reloaded.mix == mix
        np.testing.assert_array_equal(reloaded.predict(X_va).scores, hurdle.predict(X_va).scores)
    assert set(hurdle.models()) == {"positive", "value"}
    # the log mix pulls an unlikely buyer's prediction further towards 0 than the product does
    assert (np.expm1(p * np.log1p(value)) <= p * value + 1e-9).all()


def test_a_target_rarely_zero_gets_one_model():
    X_tr, y_tr = _data(1_000, 0)
    y_tr = [v if v > 0 else 1.0 for v in y_tr]
    head = RegressionHead()
    head.fit(FitData(X_train=X_tr, y_train=y_tr, X_val=None, y_val=[], settings=LGBMSettings(), log=lambda _: None))
    assert set(head.models()) == {"regression"}
