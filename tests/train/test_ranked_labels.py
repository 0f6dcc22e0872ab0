"""LIST_DISTINCT of a column that links nowhere, with RANK TOP k: its values are labels, and the result keeps
the k likeliest per entity (a binder note says why it is not a link ranking)."""
from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pytest

import pql

QUERY = "PREDICT LIST_DISTINCT(orders.colour, 0, 30, days) RANK TOP 2 FOR EACH customer.id WITH model = 'heuristic'"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    path = tmp_path_factory.mktemp("ranked-labels") / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table customer(id int primary key)")
    con.execute("create table orders(id int primary key, customer_id int references customer(id), "
                "created_at timestamp, colour varchar)")
    con.execute("insert into customer select range from range(12)")
    colours = ["red", "green", "blue", "black"]
    con.executemany("insert into orders values (?, ?, ?, ?)",
                    [(i, i % 12, datetime(2024, 1, 1) + timedelta(hours=13 * i), colours[(i // 12) % 4])
                     for i in range(800)])
    con.close()
    return path


def test_the_k_likeliest_labels_per_entity_in_order(shop, tmp_path, monkeypatch):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    notes: list[str] = []
    with pql.connect(str(shop), log=notes.append) as s:
        table = s.predict(QUERY)
        bound = s.bind(QUERY)
    assert table.column_names == ["id", "anchor_time", "rank", "label", "probability", "prediction"]
    assert table.num_rows == 12 * 2
    for customer in range(12):
        rows = [r for r in table.to_pylist() if r["id"] == customer]
        assert [r["rank"] for r in rows] == [1, 2]
        assert rows[0]["probability"] >= rows[1]["probability"] and rows[0]["label"] != rows[1]["label"]
    assert any("orders.colour links to no table, so its values are the labels" in n for n in bound.notes)


def test_evaluate_scores_the_ranking_it_returns(shop, tmp_path, monkeypatch):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    with pql.connect(str(shop)) as s:
        (result,) = s.run(f"EVALUATE {QUERY}")
    test = result.run.metrics["test"]
    assert {"macro_auroc", "micro_f1", "map", "ndcg", "recall", "hit"} <= set(test)
    assert 0.0 <= test["map"] <= test["hit"] <= 1.0
