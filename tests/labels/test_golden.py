"""Hand-checked labels on the tiny shop database (tests/labels/builders.py lists every row).

At anchor A = 2024-01-10 the target window (0, 10] days is (Jan 10, Jan 20]:
customer 1 has orders 11 (Jan 12, 7.0, paid) and 12 (Jan 20 00:00, 11.0, returned) inside; order 10 sits
exactly on A (excluded) and 13 one second after the end (excluded). Customer 2 has nothing in the
window, customer 3 is created after A, customer 4 has no order before February.
"""
from __future__ import annotations

from datetime import datetime

import pytest

from engine.labels import AnchorSchedule, explain_sql, training_table
from pql.bound import BAnd, BIn, BIsNull, BLike, BMatch, BNot, BOr, TaskType
from tests.labels.builders import A, LINES_PRODUCT, SHOP, agg, cmp, column, lit, query, shop_connection

ONLY_A = AnchorSchedule(train=(A,), prediction_time=datetime(2024, 3, 1))


@pytest.fixture(scope="module")
def con():
    return shop_connection()


def labels(con, bq, schedule=ONLY_A, split="train") -> dict:
    tt = training_table(con, SHOP, bq, schedule=schedule)
    rows = tt.split(split).to_pylist()
    return {r["customer_id"]: r["label"] for r in rows}


@pytest.mark.parametrize(("func", "col", "expected"), [
    ("COUNT", None, {1: 2, 2: 0, 4: 0}),  # empty windows count 0
    ("SUM", "amount", {1: 18.0, 2: 0, 4: 0}),
    ("AVG", "amount", {1: 9.0}),  # empty windows drop the row
    ("MIN", "amount", {1: 7.0}),
    ("MAX", "amount", {1: 11.0}),
    ("FIRST", "amount", {1: 7.0}),
    ("LAST", "amount", {1: 11.0}),
    ("FIRST", "status", {1: "paid"}),
    ("LAST", "status", {1: "returned"}),
    ("COUNT_DISTINCT", "status", {1: 2, 2: 0, 4: 0}),
    ("LIST_DISTINCT", "status", {1: ["paid", "returned"]}),
])
def test_every_aggregation(con, func, col, expected):
    assert labels(con, query(agg(func, "orders", col))) == expected


def test_window_start_excluded_end_included(con):
    # (A - 10 days, A]: order 10 at exactly A is in, order 14 (Jan 5) is in, order 16 (Dec 15) is out
    assert labels(con, query(agg("COUNT", "orders", None, -10, 0))) == {1: 1, 2: 1, 4: 0}
    # (A - 5 days, A]: order 14 at exactly Jan 5 00:00 is on the excluded start
    assert labels(con, query(agg("COUNT", "orders", None, -5, 0))) == {1: 1, 2: 0, 4: 0}


def test_months_are_calendar_months(con):
    # (2024-01-31, 2024-02-29]: order 17 at Feb 29 00:00 is in, order 18 one second later is out
    anchor = AnchorSchedule(train=(datetime(2024, 1, 31),))
    got = labels(con, query(agg("SUM", "orders", "amount", 0, 1, "months")), anchor)
    assert got[4] == 4.0


def test_minus_infinity_start(con):
    assert labels(con, query(agg("COUNT", "orders", None, None, 0))) == {1: 1, 2: 2, 4: 0}


def test_target_filter(con):
    paid = agg("COUNT", "orders", None, filter=BIn(expr=column("orders", "status"), values=(lit("paid"),)))
    assert labels(con, query(paid)) == {1: 1, 2: 0, 4: 0}
    not_paid = agg("SUM", "orders", "amount", filter=BNot(item=cmp("=", column("orders", "status"), "paid")))
    assert labels(con, query(not_paid)) == {1: 11.0, 2: 0, 4: 0}


def test_text_matches_in_filters(con):
    like = agg("COUNT", "orders", None, filter=BLike(expr=column("orders", "status"), pattern="ret%"))
    starts = agg("COUNT", "orders", None, filter=BMatch(op="starts_with", expr=column("orders", "status"), text="pa"))
    assert labels(con, query(like))[1] == 1
    assert labels(con, query(starts))[1] == 1


def test_comparisons_and_boolean_combinations(con):
    bought = cmp(">", agg("COUNT", "orders"), 0)
    big = cmp(">=", agg("MAX", "orders", "amount"), 10)
    assert labels(con, query(bought, task=TaskType.BINARY)) == {1: True, 2: False, 4: False}
    # MAX over an empty window is NULL, so AND with it drops the row unless the other side is false
    assert labels(con, query(BAnd(items=(bought, big)), task=TaskType.BINARY)) == {1: True, 2: False, 4: False}
    assert labels(con, query(BOr(items=(BNot(item=bought), big)), task=TaskType.BINARY)) == {1: True, 2: True, 4: True}


def test_multi_hop_target_and_filter_on_a_parent(con):
    # order_lines -> orders -> customers, time inherited from orders: lines of orders 11 and 12
    assert labels(con, query(agg("SUM", "order_lines", "qty"))) == {1: 4, 2: 0, 4: 0}
    toys = cmp("=", column("products", "category", path=(LINES_PRODUCT,)), "toys")
    assert labels(con, query(agg("SUM", "order_lines", "qty", filter=toys))) == {1: 3, 2: 0, 4: 0}
    assert labels(con, query(agg("LIST_DISTINCT", "order_lines", "product_id"))) == {1: [1000, 1001]}


def test_entity_filters(con):
    recent = cmp(">", agg("COUNT", "orders", None, -30, 0), 0)  # looks back, end (A) included
    assert labels(con, query(agg("COUNT", "orders"), where=recent)) == {1: 2, 2: 0}
    uk = cmp("=", column("customers", "country"), "UK")
    assert labels(con, query(agg("COUNT", "orders"), where=uk)) == {1: 2, 4: 0}
    assert labels(con, query(agg("COUNT", "orders"), where=BAnd(items=(uk, recent)))) == {1: 2}
    no_name = BIsNull(expr=column("customers", "name"), negated=True)
    assert labels(con, query(agg("COUNT", "orders"), where=no_name)) == {1: 2, 2: 0, 4: 0}


def test_listed_entities_are_predicted_but_every_entity_trains(con):
    bq = query(agg("COUNT", "orders"), values=(2, 4, 99))
    assert labels(con, bq) == {1: 2, 2: 0, 4: 0}  # training rows: every entity
    tt = training_table(con, SHOP, bq, schedule=ONLY_A)
    assert tt.prediction.column("customer_id").to_pylist() == [2, 4]
    assert any("1 of the 3 listed customers keys has no row to predict (99)" in w for w in tt.warnings)


def test_listed_entities_of_a_static_target(con):
    tt = training_table(con, SHOP, query(column("customers", "country"), task=TaskType.MULTICLASS, values=(2,)))
    assert tt.prediction.column("customer_id").to_pylist() == [2]
    assert tt.table.num_rows > 1 and "listed" not in tt.table.column_names


def test_entities_exist_from_their_creation(con):
    later = AnchorSchedule(train=(A, datetime(2024, 1, 15)))
    tt = training_table(con, SHOP, query(agg("COUNT", "orders")), schedule=later)
    at = {(r["customer_id"], r["anchor_time"]) for r in tt.table.to_pylist()}
    assert (3, A) not in at and (3, datetime(2024, 1, 15)) in at  # created Jan 15: exists at Jan 15


def test_prediction_rows_have_no_label_and_see_the_prediction_time(con):
    recent = cmp(">", agg("COUNT", "orders", None, -30, 0), 0)
    tt = training_table(con, SHOP, query(agg("COUNT", "orders"), where=recent), schedule=ONLY_A)
    # at 2024-03-01 only customer 4 ordered in the last 30 days (Feb 29)
    assert tt.prediction.to_pylist() == [{"customer_id": 4, "anchor_time": datetime(2024, 3, 1)}]
    assert "label" not in tt.prediction.column_names


def test_forecast_one_label_per_step(con):
    bq = query(agg("COUNT", "orders", None, 0, 5), task=TaskType.FORECASTING, forecast=2)
    # steps (Jan 10, Jan 15] and (Jan 15, Jan 20]: order 11 then order 12
    assert labels(con, bq) == {1: [1, 1], 2: [0, 0], 4: [0, 0]}


def test_assuming_is_a_forward_treatment_indicator(con):
    returned = agg("COUNT", "orders", None, filter=cmp("=", column("orders", "status"), "returned"))
    bq = query(agg("SUM", "orders", "amount"), task=TaskType.UPLIFT, assuming=cmp(">", returned, 0))
    tt = training_table(con, SHOP, bq, schedule=ONLY_A)
    assert {r["customer_id"]: r["treatment"] for r in tt.table.to_pylist()} == {1: True, 2: False, 4: False}
    assert "treatment" not in tt.prediction.column_names


def test_categorical_treatment_is_the_arm_name(con):
    first_status = agg("FIRST", "orders", "status")
    bq = query(agg("SUM", "orders", "amount"), task=TaskType.UPLIFT, arms=("paid", "gift"),
               assuming=BIn(expr=first_status, values=(lit("paid"), lit("gift"))))
    tt = training_table(con, SHOP, bq, schedule=ONLY_A)
    assert {r["customer_id"]: r["treatment"] for r in tt.table.to_pylist()} == {1: "paid", 2: None, 4: None}


def test_static_column_target_splits_at_random_with_a_seed(con):
    bq = query(column("customers", "country"), task=TaskType.MULTICLASS, seed=3)
    tt = training_table(con, SHOP, bq)
    assert {r["customer_id"]: r["label"] for r in tt.table.to_pylist()} == {1: "UK", 2: "FR", 3: "UK", 4: "UK"}
    assert tt.table.column("split").to_pylist() == training_table(con, SHOP, bq).table.column("split").to_pylist()
    assert tt.label_columns == (("customers", "country"),)
    assert tt.prediction.num_rows == 4 and tt.schedule.static


def test_explain_sql_is_pretty_quoted_duckdb(con):
    sql = explain_sql(SHOP, query(agg("COUNT", "orders")), ONLY_A)
    assert '"orders"' in sql and '"pql_anchors"' in sql and "INTERVAL 10 DAY" in sql
    assert sql.startswith("-- pql_anchors") and "\n  SELECT" in sql
