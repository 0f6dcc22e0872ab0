"""A placeholder date on ~1% of a table's rows moves the 99.9% quantile with it: the gap rule still warns."""
from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from engine.labels.time_outliers import time_outliers
from engine.schema.introspection import introspect
from pql.binder import bind

CHURN = "PREDICT COUNT(orders.*, 0, 30, days) > 0 FOR EACH customer.id"


def _shop(extra: list[datetime], *, rows: int = 2000):
    con = duckdb.connect(":memory:")
    con.execute("create table customer(id int primary key)")
    con.execute("create table orders(id int primary key, customer_id int references customer(id), created_at timestamp)")
    con.execute("insert into customer select range from range(20)")
    times = [datetime(2024, 1, 1) + timedelta(hours=7 * i) for i in range(rows)] + extra
    con.executemany("insert into orders values (?, ?, ?)", [(i, i % 20, t) for i, t in enumerate(times)])
    return con, introspect(con)


def _warnings(con, db, query: str = CHURN) -> list[str]:
    return time_outliers(con, db, bind(query, db))


def test_placeholders_on_one_percent_of_rows_are_named_with_anchor_time():
    (warning,) = _warnings(*_shop([datetime(2099, 12, 31)] * 40))  # 2% of the rows: past the 99.9% quantile
    assert warning.startswith("orders: 40 rows dated after 2025-08-06") and "(the latest 2099-12-31 00:00:00)" in warning
    assert "well after 98.0% of its rows" in warning and "WITH anchor_time = '2025-08-06 01:00:00'" in warning  # the last real row's time, not its day


def test_placeholders_at_the_start_are_named_with_train_start():
    (warning,) = _warnings(*_shop([datetime(1900, 1, 1)] * 40))
    assert warning.startswith("orders: 40 rows dated before 2024-01-01") and "WITH train_start = '2024-01-01'" in warning


def test_the_gap_rule_leaves_a_late_burst_and_a_small_table_alone():
    # 3% of rows half a year after a year and a half of data: a pause shorter than a year, no warning
    assert _warnings(*_shop([datetime(2026, 2, 1) + timedelta(days=i) for i in range(60)])) == []
    # 50 rows with 10 far later: too few rows to call a gap a placeholder
    assert _warnings(*_shop([datetime(2099, 12, 31)] * 10, rows=50)) == []


def test_no_warning_once_anchor_time_is_set():
    assert _warnings(*_shop([datetime(2099, 12, 31)] * 40), f"{CHURN} WITH anchor_time = '2025-08-15'") == []
