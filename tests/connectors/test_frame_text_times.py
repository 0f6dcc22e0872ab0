"""Text timestamps (what ``pd.read_sql`` returns from SQLite: ISO strings) read as TIMESTAMP from pandas/Arrow
frames, an open DuckDB connection and a DuckDB file's other schema, as from CSV and SQLite files; the caller's
data is never changed."""
from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

import connectors
import pql

STAMPS = pd.date_range("2023-01-01", periods=200, freq="D").strftime("%Y-%m-%d %H:%M:%S")
CUSTOMERS = pd.DataFrame({"customer_id": range(20)})
ORDERS = pd.DataFrame({"order_id": range(200), "customer_id": [i % 20 for i in range(200)],
                       "amount": [1.0] * 200, "ordered_at": STAMPS, "code": [f"c{i}" for i in range(200)]})
QUERY = "PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers.customer_id WITH model = 'heuristic'"


def _types(con, table: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.sql(f'DESCRIBE "{table}"').fetchall()}


def test_text_timestamps_in_data_frames_are_read_as_timestamps():
    orders = ORDERS.copy()
    arrow = pa.Table.from_pandas(ORDERS, preserve_index=False)
    with connectors.open({"customers": CUSTOMERS, "orders": orders, "arrow_orders": arrow}) as source:
        for table in ("orders", "arrow_orders"):
            types = _types(source.connection, table)
            assert types["ordered_at"] == "TIMESTAMP" and types["code"] == "VARCHAR"
            assert f"{table}.ordered_at: text column holding timestamps, read as TIMESTAMP" in source.notes
    assert orders["ordered_at"].tolist() == list(STAMPS)  # the caller's frame is untouched
    with pql.connect({"customers": CUSTOMERS, "orders": ORDERS}, log=lambda m: None) as session:
        assert session.predict(QUERY).num_rows == 20


def test_text_timestamps_of_an_open_connection_read_through_views_dropped_on_close():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    con.register("frame", ORDERS)
    con.execute("CREATE TABLE orders AS SELECT * FROM frame")
    con.unregister("frame")
    con.register("customers", CUSTOMERS)
    with connectors.open(con) as source:
        assert _types(con, "orders")["ordered_at"] == "TIMESTAMP"
        assert source.notes == ("orders.ordered_at: text column holding timestamps, read as TIMESTAMP",)
    assert _types(con, "orders")["ordered_at"] == "VARCHAR"  # the stored table was never changed
    assert con.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall() == [("customers",)]
    assert con.sql("SELECT current_setting('TimeZone')").fetchall() == [("Asia/Tokyo",)]
    with pql.connect(con, log=lambda m: None) as session:
        assert session.predict(QUERY).num_rows == 20
    con.close()


def test_text_timestamps_of_a_registered_frame_stay_text_with_a_note_on_what_to_do():
    con = duckdb.connect()
    con.register("orders", ORDERS)
    with connectors.open(con) as source:
        assert _types(con, "orders")["ordered_at"] == "VARCHAR"  # a temporary name cannot be shadowed
        (note,) = source.notes
        assert note.startswith("orders.ordered_at: text holding only timestamps, left as text")
        assert "pass the frames in a dict" in note
    con.close()


def test_text_timestamps_in_a_duckdb_files_other_schema(tmp_path):
    path = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA sales")
    con.execute("CREATE TABLE sales.orders (order_id INTEGER, ordered_at VARCHAR)")
    con.execute("INSERT INTO sales.orders VALUES (1, '2023-01-01 10:00:00'), (2, '2023-01-02')")
    con.close()
    before = path.read_bytes()
    with connectors.open(path) as source:
        assert _types(source.connection, "orders")["ordered_at"] == "TIMESTAMP"
        assert "orders.ordered_at: text column holding timestamps, read as TIMESTAMP" in source.notes
    assert path.read_bytes() == before
