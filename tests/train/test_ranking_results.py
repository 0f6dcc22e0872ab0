"""`engine.results.result_table` for link ranking: a short ranking (RANK TOP k above the catalogue, or an
entity with few candidates) gives fewer rows, never NULL items; EVALUATE's labels stay beside their rows."""
from __future__ import annotations

import dataclasses
from datetime import datetime

import numpy as np
import pyarrow as pa

from engine.metrics import ranking_metrics
from engine.results import result_table
from engine.train.base import Predictions
from pql.bound import TaskType
from tests.labels.builders import agg, query

A = datetime(2024, 1, 10)
BQ = dataclasses.replace(query(agg("LIST_DISTINCT", "order_lines", "product_id"), task=TaskType.LINK_RANKING),
                         rank_top=4, item_table="products")
# customer 1 has three candidates, customer 2 one: the models fill the rest of the k cells with None
ITEMS = np.array([[1001, 1000, 1002, None], [1002, None, None, None]], dtype=object)
SCORES = np.array([[0.9, 0.5, 0.1, np.nan], [0.7, np.nan, np.nan, np.nan]])
ROWS = pa.table({"customer_id": [1, 2], "anchor_time": [A, A]})


def _table(rows: pa.Table = ROWS) -> pa.Table:
    preds = Predictions(task=TaskType.LINK_RANKING, scores=SCORES, items=ITEMS)
    return result_table(BQ, rows, preds, item_key="product_id")


def test_cells_past_the_last_candidate_are_no_rows():
    table = _table()
    assert table.column("customer_id").to_pylist() == [1, 1, 1, 2]
    assert table.column("rank").to_pylist() == [1, 2, 3, 1]
    assert table.column("product_id").to_pylist() == [1001, 1000, 1002, 1002]
    assert table.column("score").null_count == 0
    assert table.column("product_id").type == pa.int64()  # no NULL to turn the key into floats in pandas


def test_each_ranked_row_sits_beside_its_own_entitys_label():
    labelled = ROWS.append_column("label", pa.array([[1000], [1002, 1001]]))
    assert _table(labelled).column("actual").to_pylist() == [[1000]] * 3 + [[1002, 1001]]


def test_padding_does_not_change_the_ranking_metrics():
    truth = [[1, 2], [5]]
    padded = np.array([[1, 3, 2, None, None], [4, 5, None, None, None]], dtype=object)
    short = [np.array([1, 3, 2], dtype=object), np.array([4, 5], dtype=object)]
    by_hand = ((1 / 1 + 2 / 3) / 2 + (1 / 2) / 1) / 2  # AP: hits at ranks 1 and 3 of two; a hit at rank 2 of one
    assert ranking_metrics(truth, padded, 5) == ranking_metrics(truth, short, 5)
    assert np.isclose(ranking_metrics(truth, padded, 5)["map"], by_hand)
