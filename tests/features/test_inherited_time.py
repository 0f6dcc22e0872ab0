"""A child table without a time column of its own, timed by the entity it hangs from.

``notes`` has no time column, so it inherits ``customers.signup`` through ``notes.customer_id``; the
features of customers then read the entity row for that time (they once read it from the seeds,
which have no such column, and DuckDB refused the query).
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from engine.features import feature_query_sql, relational_features
from engine.schema import introspect

ANCHOR = dt.datetime(2024, 2, 1)


@pytest.fixture(scope="module")
def notes_db():
    con = duckdb.connect()
    con.execute("SET threads = 1")
    con.execute("CREATE TABLE customers (customer_id INTEGER, signup TIMESTAMP, country VARCHAR)")
    # customer 2 signs up after the anchor: its notes must stay invisible there
    con.execute("INSERT INTO customers VALUES (1, '2024-01-01', 'UK'), (2, '2024-03-01', 'FR'), (3, '2023-06-01', 'UK')")
    con.execute("CREATE TABLE notes (note_id INTEGER, customer_id INTEGER, score DOUBLE)")
    con.execute("INSERT INTO notes VALUES (1, 1, 1.0), (2, 1, 3.0), (3, 2, 10.0), (4, 2, 20.0), (5, 2, 30.0)")
    db = introspect(con)
    yield con, db
    con.close()


def test_the_child_inherits_the_entity_time(notes_db):
    _, db = notes_db
    notes = db.table("notes")
    assert notes.time_column is None and notes.inherited_time is not None
    assert notes.inherited_time.via.ref_table == "customers" and notes.inherited_time.parent_column == "signup"


def test_features_read_the_inherited_time_from_the_entity_row(notes_db):
    con, db = notes_db
    seeds = pa.table({"customer_id": pa.array([1, 2, 3], pa.int32()),
                      "anchor_time": pa.array([ANCHOR] * 3, pa.timestamp("us"))})
    out = relational_features(con, db, "customers", seeds, windows=[30, 365]).to_pydict()
    assert out["notes__count_all"] == [2, 0, 0]  # customer 2's notes lie after the anchor (its signup)
    assert out["notes__score__sum_all"] == [4.0, 0, 0]
    assert out["notes__days_since_last"][0] == pytest.approx(31.0)  # inherited time: signup, 2024-01-01
    # after customer 2's signup its notes are there
    later = pa.table({"customer_id": pa.array([2], pa.int32()),
                      "anchor_time": pa.array([dt.datetime(2024, 3, 2)], pa.timestamp("us"))})
    assert relational_features(con, db, "customers", later, windows=[30]).column("notes__count_all").to_pylist() == [3]


def test_the_query_never_reads_the_time_from_the_seeds(notes_db):
    _, db = notes_db
    text = feature_query_sql(db, "customers", windows=[30])
    assert '"s"."signup"' not in text and '"e"."signup"' in text
