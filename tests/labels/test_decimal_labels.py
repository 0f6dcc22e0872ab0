"""DECIMAL values as classes (NUMERIC in PostgreSQL), and classes that are really amounts."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import duckdb
import pytest

import pql

RATING = "PREDICT LIST_DISTINCT(orders.rating, 0, 30, days) FOR EACH customer.id"
AMOUNTS = "PREDICT LIST_DISTINCT(orders.amount, 0, 30, days) FOR EACH customer.id"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    path = tmp_path_factory.mktemp("decimal") / "shop.duckdb"
    rng = random.Random(0)
    con = duckdb.connect(str(path))
    con.execute("create table customer(id int primary key)")
    con.execute("create table orders(id int primary key, customer_id int references customer(id), "
                "created_at timestamp, amount decimal(10, 2), rating decimal(3, 1))")
    con.execute("insert into customer select range from range(60)")
    rows = [(i, rng.randrange(60), datetime(2024, 1, 1) + timedelta(hours=rng.randrange(24 * 200)),
             round(rng.uniform(1, 500), 2), rng.choice([1.0, 2.5, 4.0, 5.0])) for i in range(1500)]
    con.executemany("insert into orders values (?, ?, ?, ?, ?)", rows)
    con.close()
    return path


def test_decimal_classes_train_save_and_predict(shop, tmp_path, monkeypatch):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    with pql.connect(str(shop)) as s:
        rows = s.train_table(RATING)
        assert str(rows.schema.field("label").type) == "list<item: double>"
        predictions = s.predict(RATING + " WITH model = 'lightgbm'")  # saving the class list used to fail
    assert set(predictions.column("label").to_pylist()) == {1.0, 2.5, 4.0, 5.0}


def test_classes_that_are_amounts_get_a_warning(shop, tmp_path, monkeypatch):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    logged: list[str] = []
    with pql.connect(str(shop), log=logged.append) as s:
        s.train_table(AMOUNTS)
        (ratings,) = s.run(f"EVALUATE {RATING} WITH model = 'heuristic'")
        (spend,) = s.run("EVALUATE PREDICT SUM(orders.amount, 0, 30, days) FOR EACH customer.id WITH model = 'heuristic'")
    assert any("the target's classes are the values of a number" in line and "SUM, AVG" in line for line in logged)
    assert not any("values of a number" in w for w in ratings.run.warnings)  # 4 ratings are classes
    assert not any("values of a number" in w for w in spend.run.warnings)  # a regression's label is an amount
