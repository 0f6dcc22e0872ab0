"""Rows whose time is NULL are never counted, and `pql schema` says how many there are."""
from datetime import datetime, timedelta

import duckdb

import pql
from engine.schema.introspection import introspect


def _shop(path):
    con = duckdb.connect(str(path))
    con.execute("create table customer(id int primary key)")
    con.execute("create table orders(id int primary key, customer_id int references customer(id), created_at timestamp)")
    con.execute("insert into customer values (1), (2)")
    con.execute("""insert into orders values
        (1, 1, '2024-01-01'), (2, 1, '2024-02-10'), (3, 1, NULL), (4, 1, NULL),
        (5, 2, '2024-01-05'), (6, 2, '2024-03-01')""")
    return con


def test_the_schema_notes_rows_without_a_time(tmp_path):
    con = _shop(tmp_path / "shop.duckdb")
    notes = introspect(con).notes
    note = next(n for n in notes if "orders.created_at: 2 of 6 rows (33.3%) have no time (NULL)" in n)
    assert note.endswith("never count them (an entity among them is predicted, not trained on)"), note


def test_a_fully_timed_table_gets_no_such_note(tmp_path):
    con = _shop(tmp_path / "shop.duckdb")
    con.execute("delete from orders where created_at is null")
    assert not any("have no time" in n for n in introspect(con).notes)


def test_labels_never_count_rows_without_a_time(tmp_path):
    _shop(tmp_path / "shop.duckdb").close()
    timed = {1: [datetime(2024, 1, 1), datetime(2024, 2, 10)], 2: [datetime(2024, 1, 5), datetime(2024, 3, 1)]}
    with pql.connect(str(tmp_path / "shop.duckdb")) as s:
        rows = s.train_table("PREDICT COUNT(orders.*, 0, 30, days) FOR EACH customer.id").to_pylist()
    assert rows
    for r in rows:
        anchor = r["anchor_time"]
        expected = sum(anchor < t <= anchor + timedelta(days=30) for t in timed[r["id"]])
        assert r["label"] == expected, r
