"""Property: rows that lie after an anchor never change that anchor's features."""
from __future__ import annotations

import datetime as dt
import math

import pyarrow as pa
from conftest import T0, _connect, retail_schema, seeds_table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.features import candidate_features, relational_features

ANCHORS = [(1, T0), (2, T0), (3, T0), (1, T0 - dt.timedelta(days=10)), (2, T0 - dt.timedelta(days=10))]

future_line = st.tuples(st.sampled_from([100, 101, 102]), st.integers(-5, 50), st.floats(0, 100, allow_nan=False))
future_invoice = st.tuples(
    st.sampled_from([1, 2, 3]),
    # seconds after T0 - 10 days, so part of them are past the early anchors but not past T0
    st.integers(1, 400 * 86400),
    st.lists(future_line, max_size=3),
)


def assert_same(a: pa.Table, b: pa.Table) -> None:
    assert a.column_names == b.column_names
    for name in a.column_names:
        for x, y in zip(a.column(name).to_pylist(), b.column(name).to_pylist(), strict=True):
            if isinstance(x, float) and isinstance(y, float):
                assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9), name
            else:
                assert x == y, name


def add_after(con, invoices, *, not_before: dt.datetime) -> None:
    """Insert invoices (and their lines) dated after ``not_before``."""
    line_id = 1000
    for n, (customer, seconds, lines) in enumerate(invoices):
        invoice_id = 5000 + n
        when = not_before + dt.timedelta(seconds=seconds)
        con.execute("INSERT INTO invoices VALUES (?, ?, ?)", [invoice_id, customer, when])
        for product, quantity, price in lines:
            line_id += 1
            con.execute("INSERT INTO invoice_lines VALUES (?, ?, ?, ?, ?)", [line_id, invoice_id, product, quantity, price])


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices=st.lists(future_invoice, min_size=1, max_size=6))
def test_rows_after_the_anchor_change_nothing(invoices):
    con, db = _connect(), retail_schema()
    try:
        for anchor in sorted({a for _, a in ANCHORS}):
            seeds = seeds_table([s for s in ANCHORS if s[1] == anchor])
            before = relational_features(con, db, "customers", seeds)
            add_after(con, invoices, not_before=anchor)
            after = relational_features(con, db, "customers", seeds)
            assert_same(before, after)
            con.execute("DELETE FROM invoice_lines WHERE line_id > 1000")
            con.execute("DELETE FROM invoices WHERE invoice_id >= 5000")
    finally:
        con.close()


def test_a_row_one_microsecond_after_the_anchor_is_invisible(retail):
    con, db = retail
    seeds = seeds_table([(2, T0)])
    before = relational_features(con, db, "customers", seeds)
    con.execute("INSERT INTO invoices VALUES (99, 2, ?)", [T0 + dt.timedelta(microseconds=1)])
    con.execute("INSERT INTO invoice_lines VALUES (99, 99, 100, 1, 1.0)")
    assert_same(before, relational_features(con, db, "customers", seeds))
    con.execute("INSERT INTO invoices VALUES (98, 2, ?)", [T0])  # exactly at the anchor: visible
    after = relational_features(con, db, "customers", seeds)
    assert after.column("invoices__count_7d").to_pylist() == [before.column("invoices__count_7d")[0].as_py() + 1]


def test_candidate_features_ignore_the_future(retail):
    con, db = retail
    seeds = seeds_table([(1, T0), (2, T0 - dt.timedelta(days=3))])
    kwargs = {"item_fk": "invoice_lines.product_id", "num_popular": 2}
    before = candidate_features(con, db, "customers", seeds, **kwargs)
    add_after(con, [(1, 1, [(102, 9, 9.0)]), (2, 3600, [(100, 1, 1.0), (100, 2, 1.0)]), (3, 86400, [(101, 1, 1.0)])],
              not_before=T0)
    assert_same(before, candidate_features(con, db, "customers", seeds, **kwargs))
