"""Warnings a user needs before trusting a training table, and the Parquet export."""
from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow.parquet as pq

from engine.labels import AnchorSchedule, training_table, write_parquet
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
    assert any(w.startswith("1 of 5 customers (20.0%) never appear in orders") for w in tt.warnings)


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
