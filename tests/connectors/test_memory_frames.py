"""A dict of DataFrames: a named pandas index is a column (often the key), an unnamed one is not."""
from __future__ import annotations

import pandas as pd

import connectors

CUSTOMERS = pd.DataFrame({"customer_id": [1, 2, 3], "name": ["a", "b", "c"]})


def _columns(source, table: str) -> list[str]:
    return [r[0] for r in source.connection.sql(f'DESCRIBE "{table}"').fetchall()]


def test_a_named_index_is_kept_as_a_column():
    orders = pd.DataFrame({"order_id": [7, 8], "customer_id": [1, 2]})
    with connectors.open({"customers": CUSTOMERS.set_index("customer_id"), "orders": orders}) as source:
        assert _columns(source, "customers") == ["customer_id", "name"]
        assert source.connection.sql("SELECT customer_id FROM customers ORDER BY 1").fetchall() == [(1,), (2,), (3,)]
        assert _columns(source, "orders") == ["order_id", "customer_id"]  # the RangeIndex stays out
        assert source.notes == ("customers: index customer_id kept as a column",)


def test_named_levels_of_a_multi_index_are_columns():
    lines = pd.DataFrame({"order_id": [7, 7, 8], "line": [1, 2, 1], "qty": [3, 1, 2]}).set_index(["order_id", "line"])
    with connectors.open({"lines": lines}) as source:
        assert _columns(source, "lines") == ["order_id", "line", "qty"]


def test_an_index_named_like_a_column_is_left_out_with_a_note():
    frame = CUSTOMERS.set_index(pd.Index([10, 11, 12], name="name"))
    with connectors.open({"customers": frame}) as source:
        assert _columns(source, "customers") == ["customer_id", "name"]
        assert source.notes == ("customers: index name left out: a column has the same name",)


def test_timezone_aware_frames_are_read_as_utc_timestamps():
    frame = pd.DataFrame({"id": [1], "at": pd.to_datetime(["2021-01-01 10:00"]).tz_localize("Europe/Berlin")})
    with connectors.open({"ev": frame}) as source:
        assert source.connection.sql('SELECT typeof("at"), CAST("at" AS VARCHAR) FROM ev').fetchall() == [
            ("TIMESTAMP", "2021-01-01 09:00:00")]
