"""The heuristic uplift baseline's uplift is one constant, exactly: consumers take it as a difference of
score columns, and a difference varying in the last bits would still rank rows (a Qini unlike random)."""
from types import SimpleNamespace

import numpy as np

from engine.train.heuristic.scalar import BinaryPersistence, LastValue
from engine.train.heuristic.uplift import ConstantUplift
from pql.bound import TaskType


class _Values(LastValue):
    def __init__(self, values):
        self._v = np.asarray(values, dtype=float)

    def values(self, inputs, rows):
        return self._v


class _Probabilities(BinaryPersistence):
    def __init__(self, values):
        self._v = np.asarray(values, dtype=float)

    def probabilities(self, inputs, rows):
        return self._v


def _inputs(task):
    return SimpleNamespace(bq=SimpleNamespace(outcome_task=task))


def test_regression_uplift_is_exactly_constant():
    base = np.random.default_rng(0).uniform(0, 900, size=500)
    model = ConstantUplift(_Values(base), offsets=(-9.7364839, 9.8704889, 3.1), classes=("control", "a", "b"))
    s = model.predict(_inputs(TaskType.REGRESSION), None).scores
    for j in (1, 2):
        uplift = s[:, j] - s[:, 0]
        assert len(set(uplift.tolist())) == 1
    assert np.isclose(s[0, 1] - s[0, 0], 9.8704889 + 9.7364839)
    assert np.allclose(s[:, 0], base - 9.7364839)


def test_binary_uplift_is_constant_and_in_range():
    base = np.r_[0.0, 1.0, np.random.default_rng(1).uniform(0, 1, size=300)]
    model = ConstantUplift(_Probabilities(base), offsets=(-0.031, 0.047), classes=("control", "treated"))
    s = model.predict(_inputs(TaskType.BINARY), None).scores
    uplift = s[:, 1] - s[:, 0]
    assert len(set(uplift.tolist())) == 1 and np.isclose(uplift[0], 0.078)
    assert s.min() >= 0.0 and s.max() <= 1.0

