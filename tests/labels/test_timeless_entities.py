"""An entity whose time is NULL exists, but since when is unknown: at a past anchor it would read as one
that bought nothing (churned) before it existed. It is predicted, and left out of the labelled rows."""
import duckdb
import pyarrow.compute as pc

import pql

CHURN = "PREDICT COUNT(orders.*, 0, 30, days) = 0 FOR EACH customers.customer_id"


def _shop(path, *, undated: int):
    con = duckdb.connect(str(path))
    con.execute("""
        create table customers(customer_id integer primary key, signup_at timestamp);
        create table orders(order_id integer primary key, customer_id integer references customers(customer_id),
                            ordered_at timestamp, amount double);
        insert into customers select i, timestamp '2023-01-01' + to_days(i * 2) from range(60) t(i);
        insert into orders select j, j % 60, timestamp '2023-01-01' + to_days((j % 60) * 2 + j // 60 * 9), 10.0
            from range(2400) t(j);
    """)
    con.execute(f"update customers set signup_at = null where customer_id < {undated}")
    con.close()


def test_an_entity_without_a_time_is_predicted_not_trained_on(tmp_path):
    path = tmp_path / "shop.duckdb"
    _shop(path, undated=5)
    with pql.connect(str(path)) as s:
        tt = s.training_table(CHURN)
    labelled = tt.table.filter(pc.less(tt.table.column("customer_id"), 5))
    assert labelled.num_rows == 0
    assert set(range(5)) <= set(tt.prediction.column("customer_id").to_pylist())
    assert any(w.startswith("5 customers rows have no time (customers.signup_at is NULL)") for w in tt.warnings)


def test_no_note_when_every_entity_has_a_time(tmp_path):
    path = tmp_path / "shop.duckdb"
    _shop(path, undated=0)
    with pql.connect(str(path)) as s:
        tt = s.training_table(CHURN)
    assert not any("have no time" in w for w in tt.warnings)
    assert tt.table.num_rows > 0
