"""A folder source: a subfolder of same-format parts is one table; what is skipped is noted, never silent."""
from __future__ import annotations

import pandas as pd
import pytest

import connectors
from connectors.files import table_name_of
from pql.errors import ConnectorError

ORDERS = pd.DataFrame({"order_id": range(6), "customer_id": [1, 1, 2, 2, 3, 3], "amount": [1.0, 2, 3, 4, 5, 6]})


def _count(source, table: str) -> int:
    return source.connection.sql(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]


def test_a_subfolder_of_parquet_parts_is_one_table(tmp_path):
    (tmp_path / "orders").mkdir()
    ORDERS.iloc[:3].to_parquet(tmp_path / "orders" / "part-0.parquet")
    ORDERS.iloc[3:].to_parquet(tmp_path / "orders" / "part-1.parquet")
    (tmp_path / "orders" / "_SUCCESS").write_text("")  # what Spark leaves beside its parts
    ORDERS[["customer_id"]].drop_duplicates().to_csv(tmp_path / "customers.csv", index=False)
    with connectors.open(tmp_path) as source:
        assert source.table_names() == ("customers", "orders")
        assert _count(source, "orders") == 6
        assert source.notes == ()
    assert table_name_of(tmp_path / "orders") == "orders"  # so INTO orders is refused as a clash


def test_a_subfolder_of_csv_parts_is_one_table(tmp_path):
    (tmp_path / "orders").mkdir()
    ORDERS.iloc[:3].to_csv(tmp_path / "orders" / "a.csv", index=False)
    ORDERS.iloc[3:].to_csv(tmp_path / "orders" / "b.csv", index=False)
    with connectors.open(tmp_path) as source:
        assert source.table_names() == ("orders",)
        assert source.connection.sql("SELECT sum(amount) FROM orders").fetchall() == [(21.0,)]


def test_subfolders_that_are_no_table_are_skipped_with_a_note(tmp_path):
    ORDERS.to_csv(tmp_path / "orders.csv", index=False)
    (tmp_path / "mixed").mkdir()
    ORDERS.to_csv(tmp_path / "mixed" / "a.csv", index=False)
    ORDERS.to_parquet(tmp_path / "mixed" / "b.parquet")
    (tmp_path / "hive" / "year=2021").mkdir(parents=True)
    ORDERS.to_parquet(tmp_path / "hive" / "year=2021" / "part-0.parquet")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "readme.md").write_text("x")
    (tmp_path / ".git").mkdir()
    with connectors.open(tmp_path) as source:
        assert source.table_names() == ("orders",)
        assert source.notes == (
            "docs/: skipped: the folder holds no data files",
            "hive/: skipped: the folder holds folders (year=2021), which pql does not read",
            "mixed/: skipped: the folder mixes CSV and Parquet files; one table's parts must share a format",
        )


def test_an_empty_csv_is_skipped_with_a_note(tmp_path):
    ORDERS.to_csv(tmp_path / "orders.csv", index=False)
    (tmp_path / "empty.csv").write_bytes(b"")
    with connectors.open(tmp_path) as source:
        assert source.table_names() == ("orders",)
        assert source.notes == ("empty.csv: skipped: the file is empty (0 bytes)",)


def test_an_empty_file_alone_is_a_clear_error(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ConnectorError, match=r"cannot read .*empty.csv: the file is empty"):
        connectors.open(tmp_path / "empty.csv")
    with pytest.raises(ConnectorError, match=r"no data files .* \(empty.csv: skipped: the file is empty"):
        connectors.open(tmp_path)


def test_a_file_and_a_subfolder_for_one_table_clash(tmp_path):
    ORDERS.to_csv(tmp_path / "orders.csv", index=False)
    (tmp_path / "orders").mkdir()
    ORDERS.to_parquet(tmp_path / "orders" / "part-0.parquet")
    with pytest.raises(ConnectorError, match="two files would both be table 'orders': orders/ and orders.csv"):
        connectors.open(tmp_path)
