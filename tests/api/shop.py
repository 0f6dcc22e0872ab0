"""A tiny generated shop (40 customers, ~150 days of purchases) for API and CLI tests.

    customers(customer_id PK, joined_at)
    purchases(purchase_id PK, customer_id -> customers, amount, bought_at)

The same tables come as Arrow (`tables`), as a DuckDB file with declared keys (`write_duckdb`), as a
SQLite file with declared keys (`write_sqlite`) or as a folder of Parquet/CSV files (`write_folder`). Each customer buys with their own daily rate, so the past
predicts the future and the heuristic baseline has something to find.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

START = datetime(2024, 1, 1)
BUYS = "PREDICT COUNT(purchases.*, 0, 30, days) > 0 FOR EACH customers.customer_id WITH model = 'heuristic'"
SPEND = "PREDICT SUM(purchases.amount, 0, 30, days) FOR EACH customers.customer_id WITH model = 'heuristic'"

_DDL = (
    "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, joined_at TIMESTAMP)",
    "CREATE TABLE purchases (purchase_id INTEGER PRIMARY KEY, "
    "customer_id INTEGER REFERENCES customers (customer_id), amount DOUBLE, bought_at TIMESTAMP)",
)


def tables(*, n_customers: int = 40, days: int = 150, seed: int = 0) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    rate = np.clip(rng.lognormal(mean=-2.5, sigma=1.0, size=n_customers), 0.0, 0.5)
    cust, day = np.nonzero(rng.random((n_customers, days)) < rate[:, None])
    n = len(cust)
    return {
        "customers": pa.table({
            "customer_id": pa.array(np.arange(n_customers), pa.int32()),
            "joined_at": pa.array([START - timedelta(days=1)] * n_customers, pa.timestamp("us"))}),
        "purchases": pa.table({
            "purchase_id": pa.array(np.arange(n), pa.int32()),
            "customer_id": pa.array(cust, pa.int32()),
            "amount": pa.array(np.round(rng.gamma(2.0, 20.0, size=n), 2)),
            "bought_at": pa.array([START + timedelta(days=int(d), hours=int(h))
                                   for d, h in zip(day, rng.integers(0, 24, size=n))], pa.timestamp("us"))}),
    }


def write_duckdb(path: Path) -> Path:
    import duckdb

    con = duckdb.connect(str(path))
    try:
        for statement in _DDL:
            con.execute(statement)
        for name, table in tables().items():  # parents first: the keys are enforced
            con.register("rows_in", table)
            con.execute("INSERT INTO " + name + " SELECT * FROM rows_in")  # fixed names only
            con.unregister("rows_in")
    finally:
        con.close()
    return path


def write_sqlite(path: Path) -> Path:
    """The shop as SQLite stores it: keys declared, timestamps as ISO text, as most SQLite apps write them."""
    import sqlite3

    con = sqlite3.connect(path)
    try:
        for statement in _DDL:
            con.execute(statement)
        for name, table in tables().items():
            rows = [tuple(v.isoformat(sep=" ") if isinstance(v, datetime) else v for v in row)
                    for row in zip(*(c.to_pylist() for c in table.columns))]
            con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * table.num_columns)})", rows)  # fixed names
        con.commit()
    finally:
        con.close()
    return path


def write_folder(folder: Path, *, fmt: str = "parquet") -> Path:
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables().items():
        if fmt == "parquet":
            pq.write_table(table, folder / f"{name}.parquet")
        else:
            pcsv.write_csv(table, folder / f"{name}.csv")
    return folder
