"""What an open DuckDB connection or file shows pql: temporary tables and registered frames, and tables
kept in a schema other than ``main``."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

import connectors

CUSTOMERS = pd.DataFrame({"customer_id": [1, 2, 3], "name": ["a", "b", "c"]})


@pytest.mark.parametrize("how", ["temp table", "registered frame", "temp view"])
def test_temporary_tables_and_registered_frames_of_a_connection_are_tables(how):
    con = duckdb.connect()
    con.execute("CREATE TABLE orders (order_id INTEGER, customer_id INTEGER)")
    if how == "temp table":
        con.execute("CREATE TEMP TABLE customers (customer_id INTEGER PRIMARY KEY, name VARCHAR)")
    elif how == "registered frame":
        con.register("customers", CUSTOMERS)
    else:
        con.execute("CREATE TEMP VIEW customers AS SELECT 1 AS customer_id")
    with connectors.open(con) as source:
        assert source.table_names() == ("customers", "orders")
        if how == "temp table":
            assert source.declared_keys().primary_keys == {"customers": ("customer_id",)}


def _schema_file(path, ddl: str):
    con = duckdb.connect(str(path))
    con.execute(ddl.format(db=path.stem))
    con.close()
    return path


@pytest.mark.parametrize("file_name", ["shop.duckdb", "sales.duckdb"])  # the schema may share the file's name
def test_a_file_whose_tables_are_all_in_one_other_schema_is_read_from_it(tmp_path, file_name):
    path = _schema_file(tmp_path / file_name, """
        CREATE SCHEMA {db}.sales;
        USE {db}.sales;
        CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name VARCHAR);
        CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers);
        INSERT INTO customers VALUES (1, 'a'), (2, 'b');
        INSERT INTO orders VALUES (10, 1), (11, 1), (12, 2);""")
    with connectors.open(path) as source:
        assert source.table_names() == ("customers", "orders")
        assert source.connection.sql('SELECT count(*) FROM "orders"').fetchall() == [(3,)]
        keys = source.declared_keys()
        assert keys.primary_keys == {"customers": ("customer_id",), "orders": ("order_id",)}
        assert [(fk.table, fk.columns, fk.ref_table) for fk in keys.foreign_keys] == [
            ("orders", ("customer_id",), "customers")]
        assert source.notes == (
            "schema main holds no tables: those of schema sales are read instead (customers, orders)",)


def test_tables_in_several_other_schemas_are_named_in_a_note(tmp_path):
    path = _schema_file(tmp_path / "two.duckdb", """
        CREATE SCHEMA sales; CREATE SCHEMA hr;
        CREATE TABLE sales.orders (order_id INTEGER); CREATE TABLE hr.staff (staff_id INTEGER);""")
    with connectors.open(path) as source:
        assert source.table_names() == ()
        (note,) = source.notes
        assert note.startswith("tables outside schema main are not read (hr: staff; sales: orders)")
        assert "TEMP VIEW" in note


def test_a_file_with_main_tables_reads_main_and_notes_the_rest(tmp_path):
    path = _schema_file(tmp_path / "mixed.duckdb", """
        CREATE TABLE customers (customer_id INTEGER); CREATE SCHEMA truth; CREATE TABLE truth.labels (x INTEGER);""")
    with connectors.open(path) as source:
        assert source.table_names() == ("customers",)
        assert source.notes[0].startswith("tables outside schema main are not read (truth: labels)")
