"""A date column kept up to date (``customers.last_order_at``) is read as of every past anchor and sees the
future: pql warns, but not for a planned date that reaches past the data's end, nor for a time column."""
from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pyarrow as pa
import pytest

from engine.labels import schedule_for
from engine.labels.snapshot_columns import snapshot_columns
from engine.schema.introspection import introspect
from pql.binder import bind

CHURN = "PREDICT COUNT(orders.*, 0, 30, days) = 0 FOR EACH customers.id"
START = datetime(2023, 1, 1)
DAYS = 400  # orders end here: the data's end


def _shop(*, plan_reaches_past_end: bool = True):
    """200 customers signing up over the first 200 days, each ordering weekly until a day of its own;
    ``last_order_at`` is the latest order ever (a snapshot). 10 static plans whose ``renews_at`` lies
    after most anchors, the last two past the data's end unless ``plan_reaches_past_end`` is false."""
    con = duckdb.connect()
    con.execute("create table plans(id int primary key, renews_at timestamp)")
    con.execute("create table customers(id int primary key, plan_id int references plans(id), "
                "signup_at timestamp, last_order_at timestamp)")
    con.execute("create table orders(id int primary key, customer_id int references customers(id), "
                "ordered_at timestamp)")
    last_renewal = DAYS + 60 if plan_reaches_past_end else DAYS - 30
    plans = pa.table({"id": list(range(10)),
                      "renews_at": [START + timedelta(days=100 + (last_renewal - 100) * p // 9) for p in range(10)]})
    orders, customers = [], []
    for c in range(200):
        signup = START + timedelta(days=c, hours=c % 24)
        stop = min(DAYS, 150 + c * 37 % 250)
        times = [signup + timedelta(days=d) for d in range(1, stop - c, 7)]
        orders += [(len(orders) + i, c, t) for i, t in enumerate(times)]
        customers.append((c, c % 10, signup, max(times, default=None)))
    con.register("p", plans)
    con.register("c", pa.table(list(zip(*customers)), names=["id", "plan_id", "signup_at", "last_order_at"]))
    con.register("o", pa.table(list(zip(*orders)), names=["id", "customer_id", "ordered_at"]))
    con.execute("insert into plans select * from p; insert into customers select * from c; "
                "insert into orders select * from o")
    for name in ("p", "c", "o"):
        con.unregister(name)
    return con


def _warnings(con, overrides: str = "time plans = none") -> list[str]:
    db = introspect(con, overrides=overrides)
    bq = bind(CHURN, db)
    return snapshot_columns(con, db, bq, schedule_for(con, db, bq).train)


def test_a_last_order_date_kept_up_to_date_is_warned_about():
    (warning,) = _warnings(_shop())
    assert warning.startswith("customers.last_order_at lies after the anchor on ")
    assert "never after the data's end (2024-01-28)" in warning  # the last order
    assert "it looks like a snapshot of today" in warning
    assert "WITH schema = 'ignore customers.last_order_at'" in warning


def test_the_same_column_in_an_untimed_entity_table_is_warned_about():
    (warning,) = _warnings(_shop(), "time plans = none; time customers = none; ignore customers.signup_at")
    assert warning.startswith("customers.last_order_at lies after the anchor on ")
    assert "make it the time column" not in warning  # 'last_…' never names when a row began


@pytest.mark.parametrize("reaches_past_end", [True, False])
def test_a_planned_date_is_quiet_only_when_it_reaches_past_the_data_end(reaches_past_end):
    warnings = _warnings(_shop(plan_reaches_past_end=reaches_past_end))
    flagged = [w.split(" ", 1)[0] for w in warnings]
    # the same share of rows after the anchor: the data's end is what tells a plan from a snapshot
    assert ("plans.renews_at" in flagged) is not reaches_past_end
    assert "customers.last_order_at" in flagged


def test_time_columns_are_never_flagged():
    flagged = " ".join(_warnings(_shop()))
    assert "signup_at" not in flagged and "ordered_at" not in flagged


def test_a_creation_date_in_an_untimed_table_is_pointed_to_the_time_column():
    # customers' time column read as a plain column of a static table: its rows exist before they began
    (warning,) = _warnings(_shop(), "time plans = none; time customers = none; ignore customers.last_order_at")
    assert warning.startswith("customers.signup_at lies after the anchor")
    assert warning.endswith("make it the time column: WITH schema = 'time customers = signup_at'")


def test_an_ignored_column_is_not_checked():
    assert _warnings(_shop(), "time plans = none; ignore customers.last_order_at") == []


def test_a_static_target_has_no_anchors_to_check():
    con = _shop()
    db = introspect(con, overrides="time plans = none")
    bq = bind("PREDICT customers.last_order_at IS NULL FOR EACH customers.id", db)
    assert snapshot_columns(con, db, bq, [START + timedelta(days=100)]) == []
