"""NUMERIC/DECIMAL ids (PostgreSQL, Oracle exports): models with such item keys save, reload and predict."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest

import pql
from engine import saved_json

NEXT = "PREDICT LIST_DISTINCT(purchase.product_id, 0, 30, days) RANK TOP 3 FOR EACH customer.id"


def test_tagged_values_round_trip():
    state = {"items": [Decimal("12"), Decimal("3.50"), "a", 7], "when": [date(2024, 1, 2), datetime(2024, 1, 2, 3)]}
    assert saved_json.loads(saved_json.dumps(state)) == state
    with pytest.raises(TypeError):
        saved_json.dumps({"x": object()})


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    path = tmp_path_factory.mktemp("decimal-keys") / "shop.duckdb"
    rng = random.Random(0)
    con = duckdb.connect(str(path))
    con.execute("create table customer(id decimal(10, 0) primary key)")
    con.execute("create table product(id decimal(10, 0) primary key, price decimal(8, 2))")
    con.execute("create table purchase(id int primary key, customer_id decimal(10, 0) references customer(id), "
                "product_id decimal(10, 0) references product(id), ts timestamp)")
    con.execute("insert into customer select range from range(40)")
    con.execute("insert into product select range, range * 1.5 from range(12)")
    con.executemany("insert into purchase values (?, ?, ?, ?)",
                    [(i, rng.randrange(40), rng.randrange(12), datetime(2024, 1, 1) + timedelta(hours=rng.randrange(24 * 200)))
                     for i in range(1000)])
    con.close()
    return path


@pytest.mark.parametrize("model", ["lightgbm", "gnn", "heuristic"])
def test_decimal_item_keys_save_reload_and_predict(shop, tmp_path, monkeypatch, model):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    query = f"{NEXT} WITH model = '{model}', epochs = 1, channels = 8"
    with pql.connect(str(shop)) as s:
        (first,) = s.run(query)  # saving used to fail: Decimal is not JSON serializable
        (again,) = s.run(query)
    assert not first.run.reused and again.run.reused
    assert first.table.equals(again.table)
    assert set(first.table.column("product_id").to_pylist()) <= {Decimal(i) for i in range(12)}
