"""Where a target may read before its anchor (``SUM(x, 0, 30) < SUM(x, -30, 0)``) and where not:
labels and schedules are tested in tests/labels/test_growth_targets.py."""
from __future__ import annotations

import pytest

from pql.binder import bind
from pql.bound import BWindow, TaskType
from pql.errors import PQLError


@pytest.mark.parametrize("text, message", [
    ("PREDICT LIST_DISTINCT(order_lines.product_id, -30, 30) RANK TOP 3 FOR EACH customers",
     "a LIST_DISTINCT target window looks forward"),
    ("PREDICT SUM(orders.total, 0, 1, months) < SUM(orders.total, -30, 0) FOR EACH customers",
     "must give all its windows one unit"),
    ("PREDICT SUM(orders.total, -7, 7) FORECAST 3 TIMEFRAMES FOR EACH customers",
     "FORECAST steps its window forward"),
    ("PREDICT SUM(orders.total, 0, 30) FOR EACH customers ASSUMING COUNT(targeted.*, -7, 7) > 0",
     "an ASSUMING window looks forward"),
])
def test_past_windows_are_refused_where_they_mean_nothing(retail_db, text, message):
    with pytest.raises(PQLError, match=message):
        bind(text, retail_db)


def test_binds_as_binary(retail_db):
    bq = bind("PREDICT SUM(orders.total, 0, 30) < SUM(orders.total, -30, 0) FOR EACH customers", retail_db)
    assert bq.task == TaskType.BINARY and bq.target_lookback == BWindow(start=-30, end=0.0, unit="days")
