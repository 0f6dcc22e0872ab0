"""Warnings a user needs before trusting a training table, and the Parquet export."""
from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq

from engine.labels import AnchorSchedule, training_table, write_parquet
from engine.labels.checks import label_balance
from pql.bound import TaskType
from tests.labels.builders import A, SHOP, agg, cmp, query, shop_connection

TWO = AnchorSchedule(train=(A - timedelta(days=10), A), test=(datetime(2024, 2, 20),), prediction_time=datetime(2024, 3, 1))


def test_single_class_and_empty_split_warnings():
    never = cmp(">", agg("COUNT", "orders"), 50)
    tt = training_table(shop_connection(), SHOP, query(never, task=TaskType.BINARY), schedule=TWO)
    assert any("single class" in w for w in tt.warnings)
    assert "the val split is empty" in tt.warnings and "the test split is empty" not in tt.warnings


def test_few_positives_warning():
    bought = cmp(">", agg("COUNT", "orders"), 0)
    tt = training_table(shop_connection(), SHOP, query(bought, task=TaskType.BINARY), schedule=TWO)
    assert any(w.startswith("only 3 positive training labels (50.00% of 6)") for w in tt.warnings)


def test_entities_that_never_appear_in_the_target_table():
    con = shop_connection()
    con.execute("INSERT INTO customers VALUES (5, 'eve', 'FR', TIMESTAMP '2023-01-01')")
    tt = training_table(con, SHOP, query(agg("COUNT", "orders")), schedule=TWO)
    assert any(w.startswith("1 of the 5 in customers (20.0%) never appear in orders") for w in tt.warnings)

    assert any(w.endswith("their labels only ever say 'nothing happened'") for w in tt.warnings)


def test_entities_that_never_appear_under_a_target_that_drops_empty_windows_have_no_rows():
    # MIN over an empty window has no value: such customers get no label at all, not 'nothing happened'
    con = shop_connection()
    con.execute("INSERT INTO customers VALUES (5, 'eve', 'FR', TIMESTAMP '2023-01-01')")
    tt = training_table(con, SHOP, query(agg("MIN", "orders", "amount")), schedule=TWO)
    (warning,) = [w for w in tt.warnings if "never appear in orders" in w]
    assert "MIN has no value over an empty window, so they have no training rows" in warning
    assert "nothing happened" not in warning


def test_no_warnings_when_nothing_is_wrong():
    tt = training_table(shop_connection(), SHOP, query(agg("SUM", "orders", "amount")),
                        schedule=AnchorSchedule(train=(A,), val=(A,), test=(A,)))
    assert tt.warnings == ()


def test_write_parquet_keeps_rows_and_schedule(tmp_path):
    tt = training_table(shop_connection(), SHOP, query(agg("COUNT", "orders")), schedule=TWO)
    path = write_parquet(tt, tmp_path / "train.parquet")
    back = pq.read_table(path)
    assert back.num_rows == tt.table.num_rows and back.column_names == tt.table.column_names
    assert b"train:" in back.schema.metadata[b"pql.schedule"]


def _labelled(train: list, val: list) -> pa.Table:
    return pa.table({"split": ["train"] * len(train) + ["val"] * len(val), "label": train + val})


def test_a_target_that_is_almost_always_true_is_warned_about_like_a_rare_one():
    warnings = label_balance(_labelled([True] * 589 + [False], [True, False]))
    assert warnings == ["only 1 negative training label (0.17% of 590): expect an unstable model; consider a "
                        "shorter window, a different threshold or more history"]
    assert label_balance(_labelled([True] * 500 + [False] * 90, [True, False])) == []


def test_a_validation_split_of_one_class_is_said_to_leave_auroc_undefined():
    warnings = label_balance(_labelled([True] * 50 + [False] * 50, [True] * 70))
    assert warnings == ["every validation label is True: validation AUROC is undefined (nan), so it cannot "
                        "choose the model, its training length or its threshold"]


def test_an_empty_training_table_gets_one_warning_not_three():
    from engine.labels.checks import empty_splits
    empty = pa.table({"split": pa.array([], pa.string())})
    assert empty_splits(empty) == ["the training table is empty: no labelled rows in any split"]
    assert empty_splits(pa.table({"split": ["train"]})) == ["the val split is empty", "the test split is empty"]
