"""Property: rows with timestamps after an anchor change nothing computed for that anchor but its label.

For a random shop, add, move and rewrite orders (and add customers) strictly after anchor A; then the
entities chosen at A (existence + a backward WHERE), their split and every row of earlier anchors whose
windows close by A are unchanged. Only labels at A may move.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings, strategies as st

from engine.labels import AnchorSchedule, training_table
from pql.bound import BAnd, BIn
from tests.labels.builders import SHOP, agg, cmp, column, lit, query, shop_connection

BASE = datetime(2024, 1, 1)
A = BASE + timedelta(days=60)
EARLIER = A - timedelta(days=10)  # its (0, 10] window closes exactly at A
SCHEDULE = AnchorSchedule(train=(A - timedelta(days=20), EARLIER), val=(A,), prediction_time=A + timedelta(days=40))

minutes = st.integers(min_value=0, max_value=120 * 24 * 60)
after_a = st.integers(min_value=1, max_value=60 * 24 * 60).map(lambda m: A + timedelta(minutes=m))
order = st.tuples(st.integers(1, 6), minutes.map(lambda m: BASE + timedelta(minutes=m)),
                  st.floats(0, 100, allow_nan=False), st.sampled_from(["paid", "returned"]))
late_order = st.tuples(st.integers(1, 7), after_a, st.floats(0, 100, allow_nan=False), st.sampled_from(["paid", "returned"]))
customer = st.tuples(st.sampled_from(["UK", "FR"]), minutes.map(lambda m: BASE + timedelta(minutes=m)))

BQ = query(agg("SUM", "orders", "amount", filter=BIn(expr=column("orders", "status"), values=(lit("paid"),))),
           where=BAnd(items=(cmp(">", agg("COUNT", "orders", None, -30, 0), 0),
                             cmp("!=", column("customers", "country"), "XX"))))


def _table(customers, orders):
    rows = [(i + 1, f"c{i}", country, created) for i, (country, created) in enumerate(customers)]
    con = shop_connection(orders=[(100 + i, *o) for i, o in enumerate(orders)], customers=rows, lines=[])
    return training_table(con, SHOP, BQ, schedule=SCHEDULE).table.to_pylist()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(customers=st.lists(customer, min_size=1, max_size=5), orders=st.lists(order, max_size=25),
       added=st.lists(late_order, max_size=6), moved=st.lists(after_a, max_size=6),
       late_customers=st.lists(after_a, max_size=2))
def test_rows_after_an_anchor_only_move_its_label(customers, orders, added, moved, late_customers):
    before = _table(customers, orders)
    # move/rewrite the orders that already lie after A, add new late orders and late customers
    late = iter(moved)
    changed = [(c, next(late, t) if t > A else t, amt + 1 if t > A else amt, s) for c, t, amt, s in orders]
    after = _table(customers + [("UK", t) for t in late_customers], changed + added)

    def at(rows, anchor, keep_label):
        return sorted((r["customer_id"], r["split"], r["label"] if keep_label else None)
                      for r in rows if r["anchor_time"] == anchor)

    assert at(after, A, keep_label=False) == at(before, A, keep_label=False)
    for anchor in SCHEDULE.train:  # windows that close by A: labels included
        assert at(after, anchor, keep_label=True) == at(before, anchor, keep_label=True)
