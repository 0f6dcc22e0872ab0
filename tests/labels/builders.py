"""Hand-built bound queries and a tiny shop database for the label tests (no binder needed).

    customers(customer_id PK, name, country, created_at)
    orders(order_id PK, customer_id -> customers, ordered_at, amount, status)
    order_lines(line_id PK, order_id -> orders, product_id -> products, qty)   time inherited from orders
    products(product_id PK, category)                                           untimed
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from engine.schema.model import Column, Database, ForeignKey, SemanticType as S, Table, TimeSource
from pql.bound import (BAggregation, BAnd, BColumn, BCompare, BIn, BLiteral, BNot, BoundEntity, BoundQuery,
                       BWindow, TaskType)

ORDERS_CUSTOMER = ForeignKey(table="orders", columns=("customer_id",), ref_table="customers", ref_columns=("customer_id",))
LINES_ORDER = ForeignKey(table="order_lines", columns=("order_id",), ref_table="orders", ref_columns=("order_id",))
LINES_PRODUCT = ForeignKey(table="order_lines", columns=("product_id",), ref_table="products", ref_columns=("product_id",))

SHOP = Database(
    tables=(
        Table(name="customers", primary_key=("customer_id",), time_column="created_at", columns=(
            Column(name="customer_id", dtype="INTEGER", stype=S.ID),
            Column(name="name", dtype="VARCHAR", stype=S.TEXT),
            Column(name="country", dtype="VARCHAR", stype=S.CATEGORICAL),
            Column(name="created_at", dtype="TIMESTAMP", stype=S.TIMESTAMP))),
        Table(name="orders", primary_key=("order_id",), time_column="ordered_at", columns=(
            Column(name="order_id", dtype="INTEGER", stype=S.ID),
            Column(name="customer_id", dtype="INTEGER", stype=S.ID),
            Column(name="ordered_at", dtype="TIMESTAMP", stype=S.TIMESTAMP),
            Column(name="amount", dtype="DOUBLE", stype=S.NUMERICAL),
            Column(name="status", dtype="VARCHAR", stype=S.CATEGORICAL))),
        Table(name="order_lines", primary_key=("line_id",),
              inherited_time=TimeSource(via=LINES_ORDER, parent_column="ordered_at"), columns=(
            Column(name="line_id", dtype="INTEGER", stype=S.ID),
            Column(name="order_id", dtype="INTEGER", stype=S.ID),
            Column(name="product_id", dtype="INTEGER", stype=S.ID),
            Column(name="qty", dtype="INTEGER", stype=S.NUMERICAL))),
        Table(name="products", primary_key=("product_id",), columns=(
            Column(name="product_id", dtype="INTEGER", stype=S.ID),
            Column(name="category", dtype="VARCHAR", stype=S.CATEGORICAL))),
    ),
    foreign_keys=(ORDERS_CUSTOMER, LINES_ORDER, LINES_PRODUCT),
)

#: the golden anchor: target windows (0, 10] days cover (2024-01-10, 2024-01-20]
A = datetime(2024, 1, 10)
CUSTOMERS = [
    (1, "ann", "UK", datetime(2023, 12, 1)),
    (2, "bob", "FR", datetime(2023, 12, 1)),
    (3, "cid", "UK", datetime(2024, 1, 15)),  # created after A: not an entity at A
    (4, "dan", "UK", datetime(2023, 1, 1)),  # no orders before March
]
ORDERS = [
    (10, 1, datetime(2024, 1, 10), 5.0, "paid"),  # exactly at A: outside (0, 10], inside (-30, 0]
    (11, 1, datetime(2024, 1, 12), 7.0, "paid"),
    (12, 1, datetime(2024, 1, 20), 11.0, "returned"),  # exactly A + 10 days: inside
    (13, 1, datetime(2024, 1, 20, 0, 0, 1), 100.0, "paid"),  # one second later: outside
    (14, 2, datetime(2024, 1, 5), 3.0, "paid"),
    (15, 3, datetime(2024, 1, 16), 2.0, "paid"),
    (16, 2, datetime(2023, 12, 15), 1.0, "paid"),
    (17, 4, datetime(2024, 2, 29), 4.0, "paid"),  # month edge: inside (2024-01-31, +1 month]
    (18, 4, datetime(2024, 2, 29, 0, 0, 1), 9.0, "paid"),  # outside
]
ORDER_LINES = [(100, 11, 1000, 2), (101, 11, 1001, 1), (102, 12, 1000, 1), (103, 14, 1002, 4)]
PRODUCTS = [(1000, "toys"), (1001, "books"), (1002, "toys")]


def shop_connection(orders=ORDERS, customers=CUSTOMERS, lines=ORDER_LINES) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name VARCHAR, country VARCHAR, created_at TIMESTAMP)")
    con.execute("CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER, ordered_at TIMESTAMP, amount DOUBLE, status VARCHAR)")
    con.execute("CREATE TABLE products (product_id INTEGER PRIMARY KEY, category VARCHAR)")
    con.execute("CREATE TABLE order_lines (line_id INTEGER PRIMARY KEY, order_id INTEGER, product_id INTEGER, qty INTEGER)")
    if customers:
        con.executemany("INSERT INTO customers VALUES (?, ?, ?, ?)", customers)
    if orders:
        con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", orders)
    con.executemany("INSERT INTO products VALUES (?, ?)", PRODUCTS)
    if lines:
        con.executemany("INSERT INTO order_lines VALUES (?, ?, ?, ?)", lines)
    return con


# -- bound-expression shorthands ------------------------------------------------------------------
def lit(value: Any) -> BLiteral:
    kind = ("null" if value is None else "boolean" if isinstance(value, bool) else
            "number" if isinstance(value, (int, float)) else "timestamp" if isinstance(value, datetime) else "string")
    return BLiteral(value=value, kind=kind)


def column(table: str, name: str, path=(), stype=S.CATEGORICAL, dtype="VARCHAR") -> BColumn:
    return BColumn(table=table, column=name, stype=stype, dtype=dtype, path=tuple(path))


_PATHS = {"orders": (ORDERS_CUSTOMER,), "order_lines": (LINES_ORDER, ORDERS_CUSTOMER), "customers": ()}


def agg(func: str, table: str, col: str | None = None, start: float | None = 0, end: float = 10,
        unit: str = "days", filter=None, window: bool = True) -> BAggregation:
    return BAggregation(func=func, table=table, column=col, filter=filter,
                        window=BWindow(start=start, end=end, unit=unit) if window else None,
                        path=_PATHS[table], time_column="ordered_at", result_stype=S.NUMERICAL)


def cmp(op: str, left, right) -> BCompare:
    return BCompare(op=op, left=left, right=right if not isinstance(right, (int, float, str)) else lit(right))


def query(target, *, task: TaskType = TaskType.REGRESSION, where=None, assuming=None, arms=(), forecast=None,
          values=None, **options) -> BoundQuery:
    return BoundQuery(text="(hand-built)", mode="predict", task=task,
                      entity=BoundEntity(table="customers", key=("customer_id",), values=values),
                      target=target, where=where, assuming=assuming, treatment_arms=tuple(arms),
                      forecast=forecast, options=tuple(options.items()))


__all__ = ["A", "SHOP", "agg", "cmp", "column", "lit", "query", "shop_connection", "BAnd", "BIn", "BNot",
           "LINES_PRODUCT"]
