"""A placeholder or mistyped date far outside a table's other times gets a warning naming the way out."""
from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pytest

from engine.labels.time_outliers import time_outliers
from engine.schema.introspection import introspect
from pql.binder import bind

CHURN = "PREDICT COUNT(orders.*, 0, 30, days) > 0 FOR EACH customer.id"


def _shop(*extra: datetime, path: str = ":memory:"):
    con = duckdb.connect(path)
    con.execute("create table customer(id int primary key)")
    con.execute("create table orders(id int primary key, customer_id int references customer(id), created_at timestamp)")
    con.execute("insert into customer select range from range(20)")
    times = [datetime(2024, 1, 1) + timedelta(hours=7 * i) for i in range(2000)] + list(extra)
    con.executemany("insert into orders values (?, ?, ?)", [(i, i % 20, t) for i, t in enumerate(times)])
    return con, introspect(con)


def _warnings(con, db, query: str = CHURN) -> list[str]:
    return time_outliers(con, db, bind(query, db))


def test_ordinary_data_gets_no_warning():
    assert _warnings(*_shop()) == []


def test_a_placeholder_date_at_the_end_is_named_with_anchor_time():
    (warning,) = _warnings(*_shop(datetime(2099, 12, 31)))
    assert warning.startswith("orders: 1 row dated after ")
    assert "(the latest 2099-12-31 00:00:00)" in warning and "sets the data's end" in warning
    assert "WITH anchor_time = '2025-08-" in warning


def test_a_placeholder_date_at_the_start_is_named_with_train_start():
    (warning,) = _warnings(*_shop(datetime(1900, 1, 1), datetime(1900, 1, 1)))
    assert warning.startswith("orders: 2 rows dated before ") and "(the earliest 1900-01-01 00:00:00)" in warning
    assert "WITH train_start = '2024-01-0" in warning


@pytest.mark.parametrize("option,extra", [("anchor_time = '2025-06-01'", datetime(2099, 12, 31)),
                                          ("train_start = '2024-02-01'", datetime(1900, 1, 1))])
def test_no_warning_once_the_span_is_set_by_hand(option, extra):
    assert _warnings(*_shop(extra), f"{CHURN} WITH {option}") == []


def test_explain_shows_the_warning(tmp_path):
    import pql

    con, _ = _shop(datetime(2099, 12, 31), path=str(tmp_path / "shop.duckdb"))
    con.close()
    with pql.connect(str(tmp_path / "shop.duckdb")) as s:
        text = s.explain(CHURN)
    assert "Warnings:\n  orders: 1 row dated after" in text


def test_an_early_date_outside_the_target_table_does_not_move_the_anchors():
    con, db = _shop(datetime(1900, 1, 1))
    assert _warnings(con, db, "PREDICT COUNT(orders.*, 0, 30, days) > 0 FOR EACH customer.id "
                              "WHERE COUNT(orders.*, -30, 0, days) > 0") != []  # orders is the target's table
    con.execute("create table visit(id int primary key, customer_id int references customer(id), at_time timestamp)")
    con.executemany("insert into visit values (?, ?, ?)",
                    [(i, i % 20, datetime(2024, 1, 1) + timedelta(hours=9 * i)) for i in range(2000)]
                    + [(5000, 1, datetime(1900, 1, 1))])
    con.execute("delete from orders where created_at < '2000-01-01'")
    db = introspect(con)
    assert _warnings(con, db, "PREDICT COUNT(orders.*, 0, 30, days) > 0 FOR EACH customer.id "
                              "WHERE COUNT(visit.*, -30, 0, days) > 0") == []
