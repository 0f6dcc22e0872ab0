"""SQLite views are read like tables (DuckDB files list theirs too); one SQLite cannot evaluate is noted."""
from __future__ import annotations

import sqlite3

import connectors


def test_views_are_tables_and_a_broken_view_is_skipped_with_a_note(tmp_path):
    path = tmp_path / "shop.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, country TEXT);
        CREATE TABLE gone (x INTEGER);
        CREATE VIEW uk_customers AS SELECT customer_id, country FROM customers WHERE country = 'UK';
        CREATE VIEW broken AS SELECT x FROM gone;
        DROP TABLE gone;
        INSERT INTO customers VALUES (1, 'UK'), (2, 'FR'), (3, 'UK');
    """)
    con.commit()
    con.close()
    with connectors.open(path) as source:
        assert source.table_names() == ("customers", "uk_customers")
        assert source.connection.sql("SELECT count(*) FROM uk_customers").fetchall() == [(2,)]
        assert source.declared_keys().primary_keys == {"customers": ("customer_id",)}
        assert any(n.startswith("broken: a view SQLite cannot read (") and n.endswith("); skipped")
                   for n in source.notes)
