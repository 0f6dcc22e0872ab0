"""ItemHistoryWalker: each seed's full item history along a path, never past its anchor."""
from __future__ import annotations

import math

import pytest
import torch
from torch_geometric.data import HeteroData

from engine.graph import TemporalSampler
from engine.graph.item_history import ItemHistoryWalker, history_path
from pql.errors import EngineError

DAY = 86_400
LINES_TO_CUSTOMERS = ("lines", "customer", "customers")
PRODUCTS_TO_LINES = ("products", "rev_product", "lines")
# (customer, product, day) per line
LINES = [(0, 0, 1), (0, 0, 3), (0, 1, 4), (0, 2, 10), (1, 2, 2), (0, 0, 12)]


def graph() -> HeteroData:
    data = HeteroData()
    data["customers"].num_nodes = 2
    data["products"].num_nodes = 3
    data["lines"].num_nodes = len(LINES)
    data["lines"].time = torch.tensor([d * DAY for _, _, d in LINES])
    cust = torch.tensor([c for c, _, _ in LINES])
    prod = torch.tensor([p for _, p, _ in LINES])
    line = torch.arange(len(LINES))
    data[LINES_TO_CUSTOMERS].edge_index = torch.stack([line, cust])
    data[("customers", "rev_customer", "lines")].edge_index = torch.stack([cust, line])
    data[("lines", "product", "products")].edge_index = torch.stack([line, prod])
    data[PRODUCTS_TO_LINES].edge_index = torch.stack([prod, line])
    return data


def walker(max_rows: int = 1000) -> ItemHistoryWalker:
    data = graph()
    sampler = TemporalSampler(data, num_neighbors=[2, 2])
    path = history_path(data.edge_types, [("customers", "customer", "lines"), ("lines", "product", "products")])
    assert path == (LINES_TO_CUSTOMERS, PRODUCTS_TO_LINES)
    return ItemHistoryWalker(sampler, path, max_rows=max_rows)


def as_dict(pairs):
    return {(int(r), int(i)): [round(float(v), 5) for v in f]
            for r, i, f in zip(pairs.rows, pairs.items, pairs.features)}


def test_counts_recency_and_share_at_the_anchor():
    # customer 0 at day 5: lines on days 1, 3 (product 0) and 4 (product 1); customer 1 at day 5: day 2 (product 2)
    pairs = walker().pairs(torch.tensor([0, 1]), torch.tensor([5 * DAY, 5 * DAY]))
    two, one = round(math.log1p(2), 5), round(math.log1p(1), 5)
    three = round(math.log1p(3), 5)
    # count, days since the last, share, count in 30 / 90 days, the entity's rows, the entity's items
    assert as_dict(pairs) == {
        (0, 0): [two, two, round(2 / 3, 5), two, two, three, two],
        (0, 1): [one, one, round(1 / 3, 5), one, one, three, two],
        (1, 2): [one, three, 1.0, one, one, one, one],
    }


def test_recent_counts_leave_out_older_rows():
    # customer 0 at day 95: day-1 and day-3 lines of product 0 are more than 90 days old
    pairs = as_dict(walker().pairs(torch.tensor([0]), torch.tensor([95 * DAY])))
    assert pairs[(0, 0)][0] == round(math.log1p(3), 5)
    assert pairs[(0, 0)][3:5] == [0.0, round(math.log1p(1), 5)]


def test_rows_after_the_anchor_are_never_seen():
    w = walker()
    early = as_dict(w.pairs(torch.tensor([0]), torch.tensor([3 * DAY])))
    assert set(early) == {(0, 0)} and early[(0, 0)][0] == round(math.log1p(2), 5)  # the day-3 line counts
    late = as_dict(w.pairs(torch.tensor([0]), torch.tensor([20 * DAY])))
    assert set(late) == {(0, 0), (0, 1), (0, 2)} and late[(0, 0)][0] == round(math.log1p(3), 5)
    assert as_dict(w.pairs(torch.tensor([1]), torch.tensor([DAY]))) == {}


def test_the_same_entity_at_two_anchors_gets_two_histories():
    pairs = as_dict(walker().pairs(torch.tensor([0, 0]), torch.tensor([3 * DAY, 20 * DAY])))
    assert {r for r, _ in pairs} == {0, 1} and (0, 2) not in pairs and (1, 2) in pairs


def test_max_rows_keeps_the_most_recent():
    pairs = as_dict(walker(max_rows=2).pairs(torch.tensor([0]), torch.tensor([20 * DAY])))
    assert set(pairs) == {(0, 0), (0, 2)}  # days 12 and 10
    assert pairs[(0, 0)][2] == 0.5


def test_a_path_the_graph_lacks_is_a_clear_error():
    with pytest.raises(EngineError, match="no edge for customers -> products"):
        history_path(graph().edge_types, [("customers", "nope", "products")])


def test_item_trend_counts_each_items_rows_in_the_windows_before_the_anchor():
    from engine.graph.item_history import TREND_WINDOWS_DAYS, ItemTrendCounter

    data = graph()
    counter = ItemTrendCounter(TemporalSampler(data, num_neighbors=[1]), ("lines", "product", "products"))
    trend = counter.trend(torch.tensor([20 * DAY, 11 * DAY, 20 * DAY]))
    assert trend.index.tolist() == [1, 0, 1] and trend.features.shape == (2, 3, len(TREND_WINDOWS_DAYS))
    counts = torch.expm1(trend.features).round().long()
    # at day 11: product 0 on days 1, 3 (all outside 7 days: day 4 is the cut) ; product 2 on days 2, 10
    assert counts[0, :, 0].tolist() == [0, 0, 1] and counts[0, :, 1].tolist() == [2, 1, 2]
    # at day 20: last 7 days (13..20] hold nothing; 30 days hold everything
    assert counts[1, :, 0].tolist() == [0, 0, 0] and counts[1, :, 1].tolist() == [3, 1, 2]


def test_item_trend_counts_last_years_same_days_after_the_anchor_date():
    """The last window, (anchor - 365, anchor - 335] days: a year on, what sold in those 30 days."""
    from engine.graph.item_history import TREND_WINDOWS_DAYS, ItemTrendCounter

    assert TREND_WINDOWS_DAYS[-1] == (365, 335)
    counter = ItemTrendCounter(TemporalSampler(graph(), num_neighbors=[1]), ("lines", "product", "products"))
    # a year after day 0 the window is days (0, 30]: every line; after day 3, (3, 33]: days 4, 10, 12, 2 out
    trend = counter.trend(torch.tensor([365 * DAY, 368 * DAY]))
    counts = torch.expm1(trend.features[..., -1]).round().long()
    assert counts[0].tolist() == [3, 1, 2] and counts[1].tolist() == [1, 1, 1]
    # the windows that end at the anchor see all lines as more than 30 days old
    assert torch.expm1(trend.features[:, :, 1]).round().long().sum().item() == 0


def test_item_trend_counts_each_anchor_once_and_stays_right_past_its_cache():
    from engine.graph.item_history import ItemTrendCounter

    sampler = TemporalSampler(graph(), num_neighbors=[1])
    edge = ("lines", "product", "products")
    bounds = torch.tensor([20 * DAY, 11 * DAY, 365 * DAY, 368 * DAY])
    fresh = ItemTrendCounter(sampler, edge).trend(bounds).features
    tiny = ItemTrendCounter(sampler, edge, cache_bytes=1)  # room for one anchor's counts
    for _ in range(2):  # the second pass reads the cached anchor and recounts the others
        assert torch.equal(tiny.trend(bounds).features, fresh)
    assert len(tiny._cache) == 1
    roomy = ItemTrendCounter(sampler, edge)
    roomy.trend(bounds)
    assert sorted(roomy._cache) == sorted(set(bounds.tolist()))
    assert torch.equal(roomy.trend(bounds.flip(0)).features, fresh)  # unique() orders the anchors alike
