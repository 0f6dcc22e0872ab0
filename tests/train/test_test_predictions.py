"""`engine.run._beside_labels`: EVALUATE's test predictions carry each row's label as ``actual``."""
from __future__ import annotations

import pyarrow as pa

from engine.run import _beside_labels

ROWS = pa.table({"id": [1, 2], "anchor_time": [0, 0], "label": [[7], [8, 9]], "split": ["test", "test"]})


def test_one_prediction_row_per_test_row_gets_its_label():
    table = pa.table({"id": [1, 2], "prediction": [0.5, 1.5]})
    assert _beside_labels(table, ROWS).column("actual").to_pylist() == [[7], [8, 9]]


def test_ranked_rows_repeat_the_label_of_their_entity():
    table = pa.table({"id": [1, 1, 1, 2, 2, 2], "rank": [1, 2, 3, 1, 2, 3]})
    assert _beside_labels(table, ROWS).column("actual").to_pylist() == [[7]] * 3 + [[8, 9]] * 3


def test_tables_that_do_not_line_up_are_left_as_they_are():
    for table in (pa.table({"id": [1, 2, 3]}), pa.table({"id": pa.array([], pa.int64())}),
                  pa.table({"id": [1, 2], "actual": [0, 0]})):
        assert _beside_labels(table, ROWS).equals(table)
