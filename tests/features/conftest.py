"""A tiny hand-made retail database (customers ← invoices ← invoice_lines → products; customers → tiers).

Times are chosen so window edges can be checked by hand; see the table comments.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from engine.schema.model import Column, Database, ForeignKey, SemanticType as S, Table, TimeSource

T0 = dt.datetime(2024, 1, 31)  # the main anchor used in hand-checked tests


def _col(name, dtype, stype):
    return Column(name=name, dtype=dtype, stype=stype)


def retail_schema() -> Database:
    inv_fk = ForeignKey(table="invoice_lines", columns=("invoice_id",), ref_table="invoices", ref_columns=("invoice_id",))
    tables = (
        Table(
            name="tiers",
            columns=(_col("tier_id", "INTEGER", S.ID), _col("tier_name", "VARCHAR", S.CATEGORICAL), _col("discount", "DOUBLE", S.NUMERICAL)),
            primary_key=("tier_id",),
        ),
        Table(
            name="customers",
            columns=(
                _col("customer_id", "INTEGER", S.ID),
                _col("country", "VARCHAR", S.CATEGORICAL),
                _col("age", "INTEGER", S.NUMERICAL),
                _col("signup", "TIMESTAMP", S.TIMESTAMP),
                _col("tier_id", "INTEGER", S.ID),
                _col("note", "VARCHAR", S.TEXT),
            ),
            primary_key=("customer_id",),
        ),
        Table(
            name="invoices",
            columns=(_col("invoice_id", "INTEGER", S.ID), _col("customer_id", "INTEGER", S.ID), _col("invoice_date", "TIMESTAMP", S.TIMESTAMP)),
            primary_key=("invoice_id",),
            time_column="invoice_date",
        ),
        Table(
            name="invoice_lines",
            columns=(
                _col("line_id", "INTEGER", S.ID),
                _col("invoice_id", "INTEGER", S.ID),
                _col("product_id", "INTEGER", S.ID),
                _col("quantity", "INTEGER", S.NUMERICAL),
                _col("price", "DOUBLE", S.NUMERICAL),
            ),
            primary_key=("line_id",),
            inherited_time=TimeSource(via=inv_fk, parent_column="invoice_date"),
        ),
        Table(
            name="products",
            columns=(_col("product_id", "INTEGER", S.ID), _col("category", "VARCHAR", S.CATEGORICAL), _col("list_price", "DOUBLE", S.NUMERICAL)),
            primary_key=("product_id",),
        ),
    )
    fks = (
        ForeignKey(table="customers", columns=("tier_id",), ref_table="tiers", ref_columns=("tier_id",)),
        ForeignKey(table="invoices", columns=("customer_id",), ref_table="customers", ref_columns=("customer_id",)),
        inv_fk,
        ForeignKey(table="invoice_lines", columns=("product_id",), ref_table="products", ref_columns=("product_id",)),
    )
    return Database(tables=tables, foreign_keys=fks)


def load_retail(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE tiers (tier_id INTEGER PRIMARY KEY, tier_name VARCHAR, discount DOUBLE)")
    con.execute("INSERT INTO tiers VALUES (1, 'gold', 0.2), (2, 'basic', 0.0)")
    con.execute(
        "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, country VARCHAR, age INTEGER, signup TIMESTAMP,"
        " tier_id INTEGER, note VARCHAR)"
    )
    con.execute(
        "INSERT INTO customers VALUES (1, 'UK', 30, '2023-01-01', 1, 'x'), (2, 'FR', 40, '2024-01-21', 2, 'y'),"
        " (3, 'UK', NULL, '2024-06-01', NULL, NULL)"
    )
    con.execute("CREATE TABLE invoices (invoice_id INTEGER PRIMARY KEY, customer_id INTEGER, invoice_date TIMESTAMP)")
    # customer 1: 10 (exactly at T0 → included), 11 (T0 - 7d exactly → outside 7d, inside 30d),
    #             12 (T0 - 5d), 13 (T0 - 60d), 14 (T0 + 1s → future, excluded); customer 2: 20 (T0 - 1d)
    con.execute(
        "INSERT INTO invoices VALUES (10, 1, '2024-01-31 00:00:00'), (11, 1, '2024-01-24 00:00:00'),"
        " (12, 1, '2024-01-26 00:00:00'), (13, 1, '2023-12-02 00:00:00'), (14, 1, '2024-01-31 00:00:01'),"
        " (20, 2, '2024-01-30 00:00:00')"
    )
    con.execute("CREATE TABLE products (product_id INTEGER PRIMARY KEY, category VARCHAR, list_price DOUBLE)")
    con.execute("INSERT INTO products VALUES (100, 'toys', 10.0), (101, 'food', 2.0), (102, 'toys', 30.0)")
    con.execute(
        "CREATE TABLE invoice_lines (line_id INTEGER PRIMARY KEY, invoice_id INTEGER, product_id INTEGER,"
        " quantity INTEGER, price DOUBLE)"
    )
    con.execute(
        "INSERT INTO invoice_lines VALUES"
        " (1, 10, 100, 2, 10.0), (2, 10, 101, 1, 2.0),"  # at T0
        " (3, 11, 100, 5, 9.0),"  # T0 - 7d
        " (4, 12, 102, 1, 30.0), (5, 12, 101, 3, 2.0),"  # T0 - 5d
        " (6, 13, 100, 7, 11.0),"  # T0 - 60d
        " (7, 14, 102, 100, 30.0),"  # future
        " (8, 20, 101, 4, 2.0)"  # customer 2, T0 - 1d
    )


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET threads = 1")  # tiny data: more threads only add overhead on a shared machine
    load_retail(con)
    return con


@pytest.fixture
def retail():
    """A fresh database per test (for tests that add rows)."""
    con = _connect()
    yield con, retail_schema()
    con.close()


@pytest.fixture(scope="module")
def retail_shared():
    """One database per module, for tests that only read."""
    con = _connect()
    yield con, retail_schema()
    con.close()


def seeds_table(rows) -> pa.Table:
    return pa.table({"customer_id": pa.array([r[0] for r in rows], pa.int32()), "anchor_time": pa.array([r[1] for r in rows], pa.timestamp("us"))})
