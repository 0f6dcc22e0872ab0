"""EXPLAIN says what a run would: the run's own error when no training anchor fits, and the warnings and
notes a run gives about listed keys with no row and a RANK TOP k beyond the catalogue."""
from __future__ import annotations

import duckdb
import pytest

import pql
from pql.errors import EngineError

TOO_LONG = "PREDICT SUM(purchases.amount, 0, 7, days) FORECAST 100 TIMEFRAMES FOR EACH customers.customer_id"


@pytest.fixture
def session(shop_db):
    with pql.connect(shop_db) as s:
        yield s


def test_explain_raises_the_runs_error_when_no_training_anchor_fits(session):
    with pytest.raises(EngineError, match="no training rows: .*no complete window fits") as explained:
        session.explain(TOO_LONG)
    with pytest.raises(EngineError) as ran:
        session.predict(TOO_LONG + " WITH model = 'heuristic'")
    assert str(explained.value) == str(ran.value)


def test_explain_warns_of_listed_keys_with_no_row(session):
    text = session.explain("PREDICT SUM(purchases.amount, 0, 30, days) FOR customers.customer_id IN (1, 99999)")
    warnings = text.split("Warnings:")[1].split("Anchors:")[0]
    assert "1 of the 2 listed customers keys is not in the table (99999)" in warnings
    assert "Warnings:" not in session.explain("PREDICT SUM(purchases.amount, 0, 30, days) FOR customers.customer_id = 1")


def test_explain_notes_a_rank_beyond_the_catalogue():
    con = duckdb.connect()
    con.execute("CREATE TABLE products (product_id INTEGER PRIMARY KEY)")
    con.execute("CREATE TABLE customers (customer_id INTEGER PRIMARY KEY)")
    con.execute("CREATE TABLE purchases (purchase_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers, "
                "product_id INTEGER REFERENCES products, bought_at TIMESTAMP)")
    con.execute("INSERT INTO products SELECT range FROM range(3)")
    con.execute("INSERT INTO customers SELECT range FROM range(10)")
    con.execute("INSERT INTO purchases SELECT range, range % 10, range % 3, TIMESTAMP '2024-01-01' + range * "
                "INTERVAL 1 DAY FROM range(200)")
    text = pql.connect(con).explain(
        "PREDICT LIST_DISTINCT(purchases.product_id, 0, 30, days) RANK TOP 10 FOR EACH customers.customer_id")
    assert "note: RANK TOP 10 but the catalogue (products) has 3 items" in text.split("Plan:")[1]
