"""An untimed entity table whose entities arrive over time: training rows before an entity's first row
read as 'left', not 'not joined yet'; pql warns with the two ways out."""
from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

import pql

QUERY = "PREDICT COUNT(orders.*, 0, 30, days) = 0 FOR EACH customer.id WITH model = 'lightgbm'"


def _db(path, first_day) -> str:
    """300 customers without a time column; customer i buys every 10 days from ``first_day(i)`` on."""
    con = duckdb.connect(str(path))
    con.execute("create table customer(id int primary key)")
    con.execute("create table orders(id int primary key, customer_id int references customer(id), created_at timestamp)")
    con.execute("insert into customer select range from range(300)")
    start, rows = datetime(2024, 1, 1), []
    for c in range(300):
        for day in range(first_day(c), 400, 10):
            rows.append((len(rows), c, start + timedelta(days=day, hours=c % 24)))
    orders = pa.table({"id": [r[0] for r in rows], "customer_id": [r[1] for r in rows],
                       "created_at": [r[2] for r in rows]})  # one insert: executemany takes seconds
    con.register("new_orders", orders)
    con.execute("insert into orders select * from new_orders")
    con.close()
    return str(path)


def _warnings(path) -> list[str]:
    with pql.connect(path) as s:
        return [w for w in s.training_table(QUERY).warnings if "training rows" in w]


def test_customers_arriving_over_time_are_warned_about(tmp_path):
    (warning,) = _warnings(_db(tmp_path / "arriving.duckdb", lambda c: c * 400 // 300))
    assert "the customer has no row in orders at or before the anchor" in warning
    assert "WITH schema = 'time customer = <column>'" in warning
    assert "WITH schema = 'entity customer = orders.customer_id'" in warning


def test_customers_there_from_the_start_some_never_buying_are_not(tmp_path):
    # a fixed base buying from the first weeks; a third never buys at all
    assert _warnings(_db(tmp_path / "fixed.duckdb", lambda c: 400 if c % 3 == 0 else c % 20)) == []


def _explained(path, query: str = QUERY) -> str:
    with pql.connect(path) as s:
        return s.explain(query)


def test_explain_warns_as_the_run_does_without_building_the_training_table(tmp_path):
    path = _db(tmp_path / "arriving.duckdb", lambda c: c * 400 // 300)
    (warning,) = _warnings(path)
    text = _explained(path)
    assert f"Warnings:\n  {warning}\nAnchors:" in text  # the same counts as the run's
    assert "(estimated over every customer" not in text


def test_explain_says_a_where_makes_its_counts_an_estimate(tmp_path):
    path = _db(tmp_path / "arriving.duckdb", lambda c: c * 400 // 300)
    text = _explained(path, QUERY.replace(" WITH", " WHERE customer.id > 10 WITH"))
    assert "the customer has no row in orders at or before the anchor" in text
    assert "(estimated over every customer at every training anchor: the query's WHERE" in text


def test_explain_stays_quiet_for_a_fixed_base(tmp_path):
    text = _explained(_db(tmp_path / "fixed.duckdb", lambda c: 400 if c % 3 == 0 else c % 20))
    assert "had not joined yet" not in text


def test_a_where_on_past_rows_leaves_only_joined_customers_so_neither_explain_nor_the_run_warns(tmp_path):
    # every customer the WHERE keeps has a row in the last 90 days: none of them is 'not joined yet'
    path = _db(tmp_path / "arriving.duckdb", lambda c: c * 400 // 300)
    query = QUERY.replace(" WITH", " WHERE COUNT(orders.*, -90, 0, days) > 0 WITH")
    assert "had not joined yet" not in _explained(path, query)
    with pql.connect(path) as s:
        assert not [w for w in s.training_table(query).warnings if "had not joined yet" in w]
