"""A tiny shop database with deliberate defects, for graph tests.

customers (static) ← orders (timed) ← items (composite key, time inherited from orders) → products
(static); returns → items through a composite FK. Defects: an order with a NULL customer, an order
whose customer does not exist, a return pointing at no item, an order with a NULL time.
"""
from __future__ import annotations

import duckdb

from engine.schema.model import Column, Database, ForeignKey, SemanticType as S, Table, TimeSource

DAY = 86_400
T0 = 1_600_000_000  # 2020-09-13 12:26:40 UTC

SQL = [
    "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, segment VARCHAR, age DOUBLE, bio VARCHAR)",
    # inserted out of key order: node order must follow the key, not insertion
    "INSERT INTO customers VALUES (3, 'gold', 41, 'likes tea'), (1, 'silver', NULL, 'Coffee lover'),"
    " (2, 'gold', 29, NULL)",
    "CREATE TABLE products (sku VARCHAR PRIMARY KEY, tags VARCHAR, price DOUBLE)",
    "INSERT INTO products VALUES ('a', 'red|big', 10), ('b', 'blue', 20.5)",
    "CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER, ordered_at TIMESTAMP,"
    " channel VARCHAR)",
    f"INSERT INTO orders VALUES"
    f" (10, 1, to_timestamp({T0}), 'web'),"
    f" (11, 1, to_timestamp({T0 + DAY}), 'shop'),"
    f" (12, 1, to_timestamp({T0 + 2 * DAY}), 'web'),"
    f" (13, 2, to_timestamp({T0 + DAY}), 'web'),"
    f" (14, NULL, to_timestamp({T0}), 'web'),"
    f" (15, 99, to_timestamp({T0}), 'web'),"
    f" (16, 3, NULL, 'web')",
    "CREATE TABLE items (order_id INTEGER, line_no INTEGER, sku VARCHAR, qty INTEGER,"
    " PRIMARY KEY (order_id, line_no))",
    "INSERT INTO items VALUES (10, 1, 'a', 1), (10, 2, 'b', 2), (12, 1, 'a', 3), (13, 1, 'b', 1),"
    " (16, 1, 'a', 1)",
    "CREATE TABLE returns (return_id INTEGER PRIMARY KEY, order_id INTEGER, line_no INTEGER,"
    " returned_at TIMESTAMP)",
    f"INSERT INTO returns VALUES (100, 10, 2, to_timestamp({T0 + 3 * DAY})),"
    f" (101, 12, 9, to_timestamp({T0 + 3 * DAY}))",
]


def col(name: str, dtype: str, stype: S) -> Column:
    return Column(name=name, dtype=dtype, stype=stype)


ORDERS_TO_CUSTOMERS = ForeignKey(table="orders", columns=("customer_id",), ref_table="customers",
                                 ref_columns=("customer_id",))
ITEMS_TO_ORDERS = ForeignKey(table="items", columns=("order_id",), ref_table="orders", ref_columns=("order_id",))
ITEMS_TO_PRODUCTS = ForeignKey(table="items", columns=("sku",), ref_table="products", ref_columns=("sku",))
RETURNS_TO_ITEMS = ForeignKey(table="returns", columns=("order_id", "line_no"), ref_table="items",
                              ref_columns=("order_id", "line_no"))

DB = Database(
    tables=(
        Table(name="customers", primary_key=("customer_id",), columns=(
            col("customer_id", "INTEGER", S.ID), col("segment", "VARCHAR", S.CATEGORICAL),
            col("age", "DOUBLE", S.NUMERICAL), col("bio", "VARCHAR", S.TEXT))),
        Table(name="products", primary_key=("sku",), columns=(
            col("sku", "VARCHAR", S.ID), col("tags", "VARCHAR", S.MULTICATEGORICAL),
            col("price", "DOUBLE", S.NUMERICAL))),
        Table(name="orders", primary_key=("order_id",), time_column="ordered_at", columns=(
            col("order_id", "INTEGER", S.ID), col("customer_id", "INTEGER", S.ID),
            col("ordered_at", "TIMESTAMP", S.TIMESTAMP), col("channel", "VARCHAR", S.CATEGORICAL))),
        Table(name="items", primary_key=("order_id", "line_no"),
              inherited_time=TimeSource(via=ITEMS_TO_ORDERS, parent_column="ordered_at"), columns=(
            col("order_id", "INTEGER", S.ID), col("line_no", "INTEGER", S.ID),
            col("sku", "VARCHAR", S.ID), col("qty", "INTEGER", S.NUMERICAL))),
        Table(name="returns", primary_key=("return_id",), time_column="returned_at", columns=(
            col("return_id", "INTEGER", S.ID), col("order_id", "INTEGER", S.ID),
            col("line_no", "INTEGER", S.ID), col("returned_at", "TIMESTAMP", S.TIMESTAMP))),
    ),
    foreign_keys=(ORDERS_TO_CUSTOMERS, ITEMS_TO_ORDERS, ITEMS_TO_PRODUCTS, RETURNS_TO_ITEMS),
)


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.sql("SET TimeZone = 'UTC'")
    for statement in SQL:
        con.sql(statement)
    return con
