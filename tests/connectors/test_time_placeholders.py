"""A time column that holds nothing but times, except empty text or an epoch 0 standing for a missing
time, is read as TIMESTAMP with those values as NULL (counted in the notes); anything else that does not
parse still keeps the column as it is."""
import duckdb
import pytest

import pql

_ROWS = 300
_TIMES = {  # stored type, expression of i (a time), placeholder value
    "epoch": ("BIGINT", "epoch(timestamp '2024-01-01' + to_hours(i))::BIGINT", "0"),
    "iso": ("VARCHAR", "strftime(timestamp '2024-01-01' + to_hours(i), '%Y-%m-%d %H:%M:%S')", "''"),
    "compact": ("VARCHAR", "strftime(timestamp '2024-01-01' + to_hours(i), '%Y%m%dT%H%M%S')", "'  '"),
}


def _write(path, kind: str, placeholder: str | None = None):
    dtype, value, blank = _TIMES[kind]
    con = duckdb.connect(str(path))
    con.execute("create table customer(id int primary key)")
    con.execute("insert into customer select i from range(1, 11) t(i)")
    con.execute(f"create table orders(id int primary key, customer_id int references customer(id), "
                f"created_at {dtype})")
    con.execute(f"insert into orders select i, 1 + i % 10, case when i % 60 = 0 then {placeholder or blank} "
                f"else {value} end from range({_ROWS}) t(i)")  # 5 placeholders
    con.close()
    return path


@pytest.mark.parametrize("kind", sorted(_TIMES))
def test_placeholders_are_read_as_null_times(tmp_path, kind):
    db = pql.schema(str(_write(tmp_path / "shop.duckdb", kind)))
    orders = db.table("orders")
    assert orders.time_column == "created_at", db.notes
    assert next(c for c in orders.columns if c.name == "created_at").dtype == "TIMESTAMP"
    shown = "0" if kind == "epoch" else "''"
    assert any(n.startswith("orders.created_at: ") and n.endswith(f"; 5 value(s) {shown} read as NULL")
               for n in db.notes), db.notes
    untimed = next(n for n in db.notes if "have no time (NULL)" in n)
    assert f"orders.created_at: 5 of {_ROWS} rows" in untimed
    assert "an entity among them is predicted" in untimed and "as entities they" not in untimed


@pytest.mark.parametrize("kind, other", [("iso", "'n/a'"), ("compact", "'unknown'"), ("epoch", "-1")])
def test_any_other_unreadable_value_keeps_the_column_as_it_is(tmp_path, kind, other):
    db = pql.schema(str(_write(tmp_path / "shop.duckdb", kind, placeholder=other)))
    assert next(c for c in db.table("orders").columns if c.name == "created_at").dtype != "TIMESTAMP"
