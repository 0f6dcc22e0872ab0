"""SQLite lets a TEXT PRIMARY KEY hold NULLs: such rows are no entities (nothing to predict for)."""
import sqlite3

import pql


def test_rows_with_a_null_key_are_left_out_with_a_warning(tmp_path):
    path = tmp_path / "shop.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        create table customer(id text primary key, name text);
        create table orders(oid integer primary key, customer_id text references customer(id), at text, amount real);
    """)
    con.executemany("insert into customer values (?, ?)", [("a", "x"), ("b", "y"), (None, "z"), (None, "w")])
    con.executemany("insert into orders values (?, ?, ?, ?)",
                    [(i, "ab"[i % 2], f"2024-01-{1 + i % 28:02d} 10:00:00", float(i)) for i in range(120)])
    con.commit()
    con.close()
    with pql.connect(str(path)) as s:
        tt = s.training_table("PREDICT COUNT(orders.*, 0, 3, days) > 0 FOR EACH customer")
    assert None not in tt.table.column("id").to_pylist() and None not in tt.prediction.column("id").to_pylist()
    assert "2 customer rows with a NULL id are left out: no key to predict for" in tt.warnings
