"""A table timed by epoch numbers or compact ISO text: its rows count at their own time, never earlier.

Read as numbers or text, ``visits.visited_at`` was no time column, so visits inherited
``customers.signup_at``: every visit counted as made at signup, and features at an anchor counted visits
from after it (customer 1's three visits at 2024-02-01, not two), while labels missed them.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

import pql
from engine.features import relational_features
from engine.graph import build_graph
from engine.labels import AnchorSchedule, training_table
from engine.schema import introspect

ANCHOR = dt.datetime(2024, 2, 1)
SIGNUP = dt.datetime(2024, 1, 1)
VISITS = [(1, 1, dt.datetime(2024, 1, 5)), (2, 1, dt.datetime(2024, 1, 20)), (3, 1, dt.datetime(2024, 2, 10)),
          (4, 2, dt.datetime(2024, 2, 20))]
EPOCH = dt.datetime(1970, 1, 1)


def _seconds(t: dt.datetime) -> int:
    return int((t - EPOCH).total_seconds())


# how visited_at is stored: DuckDB type and the value written for a time
STORED = {
    "epoch seconds": ("BIGINT", _seconds),
    "epoch milliseconds": ("BIGINT", lambda t: _seconds(t) * 1000 + 250),
    "epoch seconds as DOUBLE": ("DOUBLE", lambda t: _seconds(t) + 0.5),
    "compact ISO text": ("VARCHAR", lambda t: t.strftime("%Y%m%dT%H%M%S")),
}


def _shop(stored: str):
    dtype, write = STORED[stored]
    con = duckdb.connect()
    con.execute("CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, signup_at TIMESTAMP)")
    con.execute("INSERT INTO customers VALUES (1, ?), (2, ?)", [SIGNUP, SIGNUP])
    con.execute(f"CREATE TABLE visits (visit_id INTEGER PRIMARY KEY, "
                f"customer_id INTEGER REFERENCES customers(customer_id), visited_at {dtype})")
    con.executemany("INSERT INTO visits VALUES (?, ?, ?)", [(i, c, write(t)) for i, c, t in VISITS])
    return con, introspect(con)


@pytest.fixture(params=list(STORED))
def shop(request):
    con, db = _shop(request.param)
    yield con, db
    con.close()


def test_visits_are_timed_by_their_own_column(shop):
    _, db = shop
    visits = db.table("visits")
    assert visits.time_column == "visited_at" and visits.inherited_time is None


def test_features_at_an_anchor_count_no_later_visit(shop):
    con, db = shop
    seeds = pa.table({"customer_id": pa.array([1, 2], pa.int32()),
                      "anchor_time": pa.array([ANCHOR] * 2, pa.timestamp("us"))})
    out = relational_features(con, db, "customers", seeds, windows=[30]).to_pydict()
    assert out["visits__count_all"] == [2, 0]  # visits 3 and 4 lie after the anchor


def test_labels_count_the_visits_after_the_anchor(shop):
    con, db = shop
    bq = pql.bind(pql.parse("PREDICT COUNT(visits.*, 0, 30, days) FOR EACH customers")[0], db)
    schedule = AnchorSchedule(train=(ANCHOR,), prediction_time=ANCHOR + dt.timedelta(days=60))
    rows = training_table(con, db, bq, schedule=schedule).table.to_pylist()
    labels = {r["customer_id"]: r["label"] for r in rows if r["anchor_time"] == ANCHOR}
    assert labels == {1: 1, 2: 1}


def test_the_graph_times_visits_by_their_own_column(shop):
    con, db = shop
    graph = build_graph(con, db)
    times = sorted(int(t) for t in graph.node_time("visits"))
    assert times == sorted(_seconds(t) for _, _, t in VISITS)
