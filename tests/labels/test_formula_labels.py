"""Labels of aggregations over a formula (``SUM(lines.quantity * lines.unit_price, 0, 10)``), checked against
values computed here in Python from the same rows: the formula is evaluated per row, inside the window
``anchor < t <= anchor + 10 days``, and a division by zero leaves that row without a value."""
from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pyarrow as pa
import pytest

import pql
from engine.labels import AnchorSchedule, training_table
from engine.schema.introspection import introspect
from engine.train.heuristic.past import past_values, shifted
from engine.train.lgbm.history import history_columns
from pql.binder import bind

ANCHOR = datetime(2024, 1, 10)
END = ANCHOR + timedelta(days=10)
# (line_id, customer_id, quantity, unit_price, discount, sold_at)
LINES = [
    (1, 1, 2, 3.5, 0.0, datetime(2024, 1, 11)),
    (2, 1, 3, 1.0, 1.0, datetime(2024, 1, 20)),  # exactly anchor + 10 days: inside
    (3, 1, 100, 1.0, 2.0, datetime(2024, 1, 25)),  # after the window: never read
    (4, 2, 4, 2.0, 0.0, datetime(2024, 1, 9)),  # before the anchor: not a label
    (5, 2, 1, 5.0, 2.0, datetime(2024, 1, 12)),
    (6, 2, 7, 0.5, 0.0, datetime(2024, 1, 10)),  # exactly at the anchor: outside
    (7, 3, 1, 1.0, 4.0, datetime(2023, 12, 1)),  # no row in the window
]


@pytest.fixture(scope="module")
def shop():
    con = duckdb.connect()
    con.execute("CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, joined TIMESTAMP)")
    con.execute("CREATE TABLE lines (line_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers "
                "(customer_id), quantity INTEGER, unit_price DECIMAL(8, 2), discount DOUBLE, note VARCHAR, "
                "sold_at TIMESTAMP)")
    con.executemany("INSERT INTO customers VALUES (?, ?)", [(c, datetime(2023, 1, 1)) for c in (1, 2, 3)])
    con.executemany("INSERT INTO lines VALUES (?, ?, ?, ?, ?, 'x', ?)", LINES)
    yield con, introspect(con)
    con.close()


def _labels(shop, target: str) -> dict[int, object]:
    con, db = shop
    bq = bind(pql.parse(f"PREDICT {target} FOR EACH customers")[0], db)
    tt = training_table(con, db, bq, schedule=AnchorSchedule(train=(ANCHOR,), prediction_time=datetime(2024, 3, 1)))
    return {r["customer_id"]: r["label"] for r in tt.split("train").to_pylist()}


def _in_window(customer: int) -> list[tuple]:
    return sorted((r for r in LINES if r[1] == customer and ANCHOR < r[5] <= END), key=lambda r: r[5])


def _expected(per_row, combine, *, empty=None) -> dict[int, object]:
    """``combine`` over the non-null ``per_row`` values of each customer's rows in the window; customers
    with none get ``empty`` (left out when it is None)."""
    out = {}
    for customer in (1, 2, 3):
        values = [v for v in (per_row(r) for r in _in_window(customer)) if v is not None]
        if values:
            out[customer] = combine(values)
        elif empty is not None:
            out[customer] = empty
    return out


def _spend(r):
    return r[2] * r[3]


def _per_discount(r):
    return None if r[4] == 0 else r[2] / r[4]


@pytest.mark.parametrize("target, expected", [
    ("SUM(lines.quantity * lines.unit_price, 0, 10)", _expected(_spend, sum, empty=0.0)),
    ("AVG(lines.quantity * lines.unit_price, 0, 10)", _expected(_spend, lambda v: sum(v) / len(v))),
    ("MIN(lines.quantity * lines.unit_price - 1, 0, 10)", _expected(lambda r: _spend(r) - 1, min)),
    ("MAX(lines.quantity * lines.unit_price, 0, 10)", _expected(_spend, max)),
    ("FIRST(-lines.quantity, 0, 10)", _expected(lambda r: -r[2], lambda v: v[0])),
    ("LAST(lines.quantity * 2, 0, 10)", _expected(lambda r: r[2] * 2, lambda v: v[-1])),
    # a division by zero is missing: COUNT counts the rows with a value, SUM adds them
    ("COUNT(lines.quantity / lines.discount, 0, 10)", _expected(_per_discount, len, empty=0)),
    ("SUM(lines.quantity / lines.discount, 0, 10)", _expected(_per_discount, sum, empty=0.0)),
    ("SUM(lines.quantity * lines.unit_price WHERE lines.quantity > 1, 0, 10)",
     _expected(lambda r: _spend(r) if r[2] > 1 else None, sum, empty=0.0)),
])
def test_labels_match_a_hand_computation(shop, target, expected):
    assert _labels(shop, target) == pytest.approx(expected)


def test_the_hand_computation_reads_what_the_window_holds():
    assert _expected(_spend, sum, empty=0.0) == {1: 10.0, 2: 5.0, 3: 0.0}  # lines 3, 4, 6 and 7 are outside


def test_a_formula_beside_other_aggregations_in_one_target(shop):
    labels = _labels(shop, "SUM(lines.quantity * lines.unit_price, 0, 10) / COUNT(lines.*, 0, 10)")
    assert labels == pytest.approx({1: 5.0, 2: 5.0})  # customer 3: 0 / 0 is missing, the row drops
    assert _labels(shop, "SUM(lines.quantity * lines.unit_price, 0, 10) > 7") == {1: True, 2: False, 3: False}


def test_the_past_of_a_formula_target_reads_only_rows_before_the_anchor(shop):
    con, db = shop
    bq = bind(pql.parse("PREDICT SUM(lines.quantity * lines.unit_price, 0, 10) FOR EACH customers")[0], db)
    frame = past_values(con, db, bq, shifted(bq.target, 1), pa.array([ANCHOR], pa.timestamp("us")))
    past = dict(zip(frame["customer_id"], frame["value"]))
    expected = {c: sum(_spend(r) for r in LINES if r[1] == c and ANCHOR - timedelta(days=10) < r[5] <= ANCHOR)
                for c in (1, 2, 3)}
    assert expected == {1: 0, 2: 11.5, 3: 0}  # lines 4 and 6 (at the anchor itself)
    assert past == pytest.approx(expected)


def test_history_feature_names_spell_the_formula(shop):
    _, db = shop
    bq = bind(pql.parse("PREDICT SUM(lines.quantity * lines.unit_price, 0, 10) > 7 AND "
                        "AVG(-(lines.quantity - 1.5) / lines.discount, 0, 10) < 2 FOR EACH customers")[0], db)
    names = [h.name for h in history_columns(bq, lags=(1,), max_aggregations=4)]
    assert names == ["history__target__sum_lines_quantity_times_unit_price__lag1",
                     "history__target__avg_lines_minus_quantity_minus_1p5_per_discount__lag1",
                     "history__target__condition__lag1"]


def test_a_formula_that_divides_by_zero_on_every_row_is_named_before_the_empty_table(tmp_path):
    import duckdb as _duckdb
    import pql as _pql
    path = str(tmp_path / "zero.duckdb")
    con = _duckdb.connect(path)
    con.execute("create table customer(id int primary key)")
    con.execute("create table purchase(id int primary key, customer_id int references customer(id), "
                "amount double, qty int, ts timestamp)")
    con.execute("insert into customer select range from range(20)")
    con.execute("insert into purchase select range, range % 20, 5.0, 2, timestamp '2024-01-01' + to_days(range) "
                "from range(400)")
    con.close()
    with _pql.connect(path) as s:
        zero = s.training_table("PREDICT AVG(purchase.amount / (purchase.qty - purchase.qty), 0, 30, days) "
                                "FOR EACH customer.id")
        fine = s.training_table("PREDICT AVG(purchase.amount / purchase.qty, 0, 30, days) FOR EACH customer.id")
    assert any("formula purchase.amount / (purchase.qty - purchase.qty) has no value on any of the 400 rows "
               "of purchase (every row divides by zero?)" in w for w in zero.warnings)
    assert not any("divides by zero" in w for w in fine.warnings)
