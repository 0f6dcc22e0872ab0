"""The LTV oracle's graph-derived features, by hand on five purchases (and one after the anchor)."""
import numpy as np
import pytest

from bench.ltv_oracle import _graph_derived

ANCHOR = 800  # last year: days 435..799; the year before: 70..434


def _events(with_later: bool):
    rows = [(0, 0, 100), (0, 0, 500), (1, 0, 600), (1, 1, 700), (2, 1, 300)]
    if with_later:
        rows.append((0, 1, 900))  # after the anchor: must change nothing
    customer, product, day = (np.array(col) for col in zip(*rows))
    return {"customer": customer, "product": product, "day": day}


STATIC = {"product": {"id": np.array([1, 2]), "category": np.array([1, 2])}}


def test_trend_other_buyers_and_taste_by_hand():
    out = _graph_derived(ANCHOR, 3, STATIC, _events(with_later=False))
    growth = np.array([0.0, np.log(3), -np.log(2)])  # log1p(last year) - log1p(year before), per customer
    trend = np.array([np.log(3) - np.log(2), 0.0])  # the same per product
    assert out[:, 0] == pytest.approx([trend[0], trend.mean(), trend[1]])
    # pooled over a customer's purchases, the buyers of the same product's other purchases: customer 0's two
    # purchases of product 0 each see the other one (growth 0) and customer 1's; customer 1 sees customer
    # 0's two purchases of product 0 and customer 2's of product 1; customer 2 sees customer 1's
    assert out[0, 1] == pytest.approx((growth[0] + growth[1]) / 2)
    assert out[1, 1] == pytest.approx((2 * growth[0] + growth[2]) / 3)
    assert out[2, 1] == pytest.approx(growth[1])
    assert out[:, 2:] == pytest.approx(np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]))


def test_purchases_after_the_anchor_change_nothing():
    before = _graph_derived(ANCHOR, 3, STATIC, _events(with_later=False))
    assert np.array_equal(_graph_derived(ANCHOR, 3, STATIC, _events(with_later=True)), before)
