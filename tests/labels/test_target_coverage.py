"""Checks on what a target lets the model learn: multiclass classes missing from or rare in training,
and a RANK TOP k above the size of the catalogue."""
from __future__ import annotations

import dataclasses

import pyarrow as pa

from engine.labels.checks import MIN_ROWS_PER_CLASS, class_coverage, rank_beyond_catalogue
from pql.bound import TaskType
from tests.labels.builders import SHOP, agg, query, shop_connection

MULTICLASS = query(agg("FIRST", "orders", "status"), task=TaskType.MULTICLASS)


def _labels(**per_split: dict) -> pa.Table:
    """``train={'a': 30}`` -> 30 train rows labelled 'a'."""
    rows = [(split, cls) for split, counts in per_split.items() for cls, n in counts.items() for _ in range(n)]
    return pa.table({"split": [s for s, _ in rows], "label": [c for _, c in rows]})


def test_a_class_seen_only_in_test_cannot_be_predicted():
    table = _labels(train={"a": 40, "b": 30}, val={"a": 5}, test={"a": 5, "z": 6})
    assert class_coverage(MULTICLASS, table) == [
        "class 'z' occurs on 6 test rows but on no training row: the model cannot predict it, and macro-F1 "
        "counts it as missed"]


def test_classes_missing_from_training_are_named_most_frequent_first():
    table = _labels(train={"a": 40, "b": 30}, val={"y": 2, "z": 1}, test={"z": 6})
    (warning,) = class_coverage(MULTICLASS, table)
    assert warning.startswith("2 classes occur in validation or test labels but on no training row ('z': 1 "
                              "validation row and 6 test rows; 'y': 2 validation rows)")


def test_a_class_with_few_training_rows_is_named():
    table = _labels(train={"a": 40, "b": 30, "c": 3}, test={"a": 1, "c": 1})
    assert class_coverage(MULTICLASS, table) == [
        f"class 'c' has only 3 training rows (fewer than {MIN_ROWS_PER_CLASS}): expect the model to seldom "
        "predict it; a longer window or more history gives it more"]


def test_well_covered_classes_and_other_tasks_stay_quiet():
    covered = _labels(train={"a": 40, "b": 30}, val={"a": 2, "b": 1}, test={"b": 3})
    assert class_coverage(MULTICLASS, covered) == []
    unseen = _labels(train={True: 40, False: 30}, test={None: 3})
    assert class_coverage(dataclasses.replace(MULTICLASS, task=TaskType.BINARY), unseen) == []
    assert class_coverage(MULTICLASS, unseen) == []  # a NULL label is no class


RANKING = dataclasses.replace(query(agg("LIST_DISTINCT", "order_lines", "product_id"), task=TaskType.LINK_RANKING),
                              item_table="products")


def test_rank_top_above_the_catalogue_gets_a_note():
    con = shop_connection()  # three products
    assert rank_beyond_catalogue(con, SHOP, dataclasses.replace(RANKING, rank_top=5)) == [
        "RANK TOP 5 but the catalogue (products) has 3 items: each entity gets at most 3 ranked rows, not 5 "
        "(fewer where a model has fewer candidates)"]
    assert rank_beyond_catalogue(con, SHOP, dataclasses.replace(RANKING, rank_top=3)) == []
