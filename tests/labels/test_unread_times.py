"""A table without a time of its own whose column is named as a time pql could not read gets a warning:
its rows are taken to happen at the parent's time (or at none), so features may see them too early."""
from __future__ import annotations

import duckdb
import pytest

import pql
from engine.labels.unread_times import unread_time_columns
from engine.schema.introspection import introspect

CHURN = "PREDICT COUNT(orders.*, 0, 30, days) = 0 FOR EACH customers.customer_id"


def _shop(visits_columns: str, visit_values: str, *, signup: bool = True):
    con = duckdb.connect()
    con.execute(f"CREATE TABLE customers (customer_id INTEGER PRIMARY KEY{', signup_at TIMESTAMP' if signup else ''})")
    con.execute(f"INSERT INTO customers SELECT i{', TIMESTAMP ' + repr('2024-01-01') if signup else ''} FROM range(1, 6) t(i)")
    con.execute("CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(customer_id),"
                " ordered_at TIMESTAMP)")
    con.execute("INSERT INTO orders SELECT i, 1 + i % 5, TIMESTAMP '2024-01-01' + to_days(i) FROM range(1, 200) t(i)")
    con.execute(f"CREATE TABLE visits (visit_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(customer_id),"
                f" {visits_columns})")
    con.execute(f"INSERT INTO visits SELECT i, 1 + i % 5, {visit_values} FROM range(1, 20) t(i)")
    return con, introspect(con)


def _warnings(con, db, query: str = CHURN) -> list[str]:
    return unread_time_columns(con, db, pql.bind(pql.parse(query)[0], db))


ODD_TEXT = "strftime(TIMESTAMP '2024-01-01' + to_days(i), '%Y/%m/%d %Hh%M')"


def test_an_unreadable_time_on_a_table_that_inherits_time_is_named():
    con, db = _shop("visited_at VARCHAR", ODD_TEXT)
    assert db.table("visits").inherited_time is not None
    (warning,) = _warnings(con, db)
    assert warning.startswith("visits.visited_at looks like a time but pql could not read it "
                              "(values like '2024/01/02 00h00', '2024/01/03 00h00'); visits rows are taken to "
                              "happen at customers.signup_at, so features may see visits after the anchor")
    assert "WITH schema = 'time visits = <column>'" in warning


def test_an_unreadable_time_on_a_table_without_time_is_named():
    con, db = _shop("visited_at BIGINT", "20240101 + i", signup=False)  # YYYYMMDD as a number: no epoch
    assert not db.table("visits").is_timed
    (warning,) = _warnings(con, db)
    assert warning.startswith("visits.visited_at looks like a time but pql could not read it (values like "
                              "20240102, 20240103); "
                              "visits has no time, so every anchor sees all its rows")


@pytest.mark.parametrize("columns,values", [
    ("visited_at TIMESTAMP", "TIMESTAMP '2024-01-01' + to_days(i)"),  # a time of its own
    ("visited_at BIGINT", "1704067200 + i * 86400"),  # epoch seconds: read as its time
    ("note VARCHAR, updated_at VARCHAR", f"'n' || i, {ODD_TEXT}"),  # not named as a time; never a row's time
    ("time VARCHAR, visit_ts BIGINT", "'1:3' || i || ':50.616', i * 100"),  # durations, clock times: no moments
])
def test_no_warning_when_the_table_has_its_time_or_no_time_named_column(columns, values):
    assert _warnings(*_shop(columns, values)) == []


def test_explain_shows_the_warning():
    con, _ = _shop("visited_at VARCHAR", ODD_TEXT)
    with pql.connect(con, log=lambda m: None) as session:
        text = session.explain(CHURN)
    assert "Warnings:\n  visits.visited_at looks like a time but pql could not read it" in text


def test_a_run_warns():
    con, _ = _shop("visited_at VARCHAR", ODD_TEXT)
    logged = []
    with pql.connect(con, log=logged.append) as session:
        session.predict(CHURN + " WITH model = 'heuristic'")
    assert any("visits.visited_at looks like a time" in m for m in logged)
