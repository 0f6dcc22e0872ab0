"""A target with several windows labels over all of them: the schedule leaves room for the longest.

``COUNT(orders.*, 0, 30) > 0 AND SUM(orders.amount, 0, 90) > 100`` reads 90 days ahead of its anchor.
The schedule used to take the first window's 30 days, so the last test labels ran 60 days past the
data (cut short) and the latest training labels read validation's days; the order the aggregations
were written in decided which.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.labels import build_schedule
from pql.bound import BWindow, envelope
from tests.labels.builders import BAnd, agg, cmp, query

D = timedelta(days=1)
START, END = datetime(2020, 1, 1), datetime(2022, 1, 1)


def W(start, end, unit):
    return BWindow(start=start, end=end, unit=unit)


def _schedule(target, **options):
    return build_schedule(query(target, **options), data_start=START, data_end=END)


@pytest.mark.parametrize("first_short", [True, False])
def test_every_label_window_fits_its_split_whatever_the_order(first_short):
    short = cmp(">", agg("COUNT", "orders", None, 0, 30), 0)
    long = cmp(">", agg("SUM", "orders", "amount", 0, 90), 100)
    s = _schedule(BAnd(items=(short, long) if first_short else (long, short)))
    assert s.train and s.val and s.test
    assert all(t + 90 * D <= s.val_cutoff for t in s.train)
    assert all(t + 90 * D <= s.test_cutoff for t in s.val)
    assert s.test[-1] + 90 * D <= END
    assert "90 days" in s.summary()


def test_an_assuming_window_longer_than_the_target_is_left_room_too():
    bq = query(agg("SUM", "orders", "amount", 0, 30), assuming=cmp(">", agg("COUNT", "orders", None, 0, 60), 0))
    s = build_schedule(bq, data_start=START, data_end=END)
    assert s.test[-1] + 60 * D <= END and all(t + 60 * D <= s.val_cutoff for t in s.train)
    assert bq.target_window == BWindow(start=0, end=30, unit="days")  # the target alone: its own horizon


@pytest.mark.parametrize("windows, expected", [
    ([W(0, 30, "days")], W(0, 30, "days")),
    ([W(7, 30, "days"), W(0, 10, "days")], W(0, 30, "days")),
    ([W(0, 12, "hours"), W(0, 1, "days")], W(0, 24, "hours")),
    ([W(0, 1, "weeks"), W(0, 10, "days")], W(0, 10, "days")),
    ([W(0, 1, "years"), W(0, 3, "months")], W(0, 12, "months")),
    # calendar meets fixed in days, rounded outward: a month may have 31 days
    ([W(0, 1, "months"), W(0, 30, "days")], W(0, 31, "days")),
    ([W(1, 2, "months"), W(40, 45, "days")], W(28, 62, "days")),
    ([W(None, 0, "days"), W(-10, 5, "days")], W(None, 5, "days")),
    ([None], None),
])
def test_envelope(windows, expected):
    assert envelope(windows) == expected
