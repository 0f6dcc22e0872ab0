"""MAX k PER with k > 1: the plan adds one entity's arms' gains, and says what that assumes."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pyarrow as pa

from engine.allocation.pql_bridge import _stacked_arms

BQ = SimpleNamespace(entity=SimpleNamespace(table="customer"), allocate=SimpleNamespace(max_per=2))
UPLIFT = np.array([[0.4, 0.3], [0.1, 0.05], [0.2, 0.0]])  # customer × arm (email, sms)
P_CONTROL = pa.table({"p_control": [0.5, 0.2, 0.3]})  # 0.5 left to gain for the first, 0.8 for the second


def _plan(pairs):
    entity, arm = zip(*pairs)
    return pa.table({"entity_index": pa.array(entity, pa.int64()), "arm_index": pa.array(arm, pa.int32())})


def test_two_arms_for_one_customer_are_flagged_and_an_impossible_sum_counted():
    (warning,) = _stacked_arms(BQ, _plan([(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)]), UPLIFT, P_CONTROL)
    assert warning.startswith("2 entities of customer get more than one arm (MAX 2 PER)")
    assert "for 1 of them the summed uplift exceeds 1 - p_control" in warning  # 0.7 > 0.5; 0.15 < 0.8


def test_one_arm_each_says_nothing():
    assert _stacked_arms(BQ, _plan([(0, 0), (1, 1), (2, 0)]), UPLIFT, P_CONTROL) == []
    assert _stacked_arms(BQ, _plan([(0, 0)]).slice(0, 0), UPLIFT, P_CONTROL) == []


def test_an_amount_outcome_gets_the_plain_warning():
    (warning,) = _stacked_arms(BQ, _plan([(0, 0), (0, 1)]), UPLIFT, pa.table({"uplift": [0.0, 0.0, 0.0]}))
    assert "exceeds" not in warning and "as if each worked alone" in warning
