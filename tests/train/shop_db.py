"""A small generated shop with a planted, persistent signal, as a DuckDB file with declared keys.

    customers(customer_id PK, joined_at, channel)
    products(product_id PK, category)
    purchases(purchase_id PK, customer_id -> customers, product_id -> products, amount, channel, bought_at)

Each customer buys on a day with their own fixed probability (heavy-tailed across customers), mostly
from their own three favourite products, for amounts around their own mean, through their own
preferred channel: the past predicts the future, so a persistence baseline must beat a constant.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

START = datetime(2023, 1, 1)
CHANNELS = ("web", "store", "app")

_SCHEMA = (
    "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, joined_at TIMESTAMP, channel VARCHAR)",
    "CREATE TABLE products (product_id INTEGER PRIMARY KEY, category VARCHAR)",
    "CREATE TABLE purchases (purchase_id INTEGER PRIMARY KEY, "
    "customer_id INTEGER REFERENCES customers (customer_id), "
    "product_id INTEGER REFERENCES products (product_id), amount DOUBLE, channel VARCHAR, bought_at TIMESTAMP)",
)


def build(path: Path, *, n_customers: int = 240, n_products: int = 30, days: int = 300, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    rate = np.clip(rng.lognormal(mean=-3.0, sigma=1.0, size=n_customers), 0.0, 0.6)  # purchases per day
    mean_amount = rng.lognormal(mean=3.0, sigma=0.7, size=n_customers)
    favourites = np.stack([rng.choice(n_products, size=3, replace=False) for _ in range(n_customers)])
    preferred = rng.integers(0, len(CHANNELS), size=n_customers)
    buys = rng.random((n_customers, days)) < rate[:, None]
    cust, day = np.nonzero(buys)
    n = len(cust)
    own = rng.random(n) < 0.8
    product = np.where(own, favourites[cust, rng.integers(0, 3, size=n)], rng.integers(0, n_products, size=n))
    channel = np.where(rng.random(n) < 0.85, preferred[cust], rng.integers(0, len(CHANNELS), size=n))
    seconds = rng.integers(0, 86_400, size=n)
    tables = {
        "customers": pa.table({
            "customer_id": pa.array(np.arange(n_customers), pa.int32()),
            "joined_at": pa.array([START - timedelta(days=1)] * n_customers, pa.timestamp("us")),
            "channel": pa.array([CHANNELS[c] for c in preferred])}),
        "products": pa.table({"product_id": pa.array(np.arange(n_products), pa.int32()),
                              "category": pa.array([f"cat{p % 4}" for p in range(n_products)])}),
        "purchases": pa.table({
            "purchase_id": pa.array(np.arange(n), pa.int32()),
            "customer_id": pa.array(cust, pa.int32()),
            "product_id": pa.array(product, pa.int32()),
            "amount": pa.array(np.round(mean_amount[cust] * rng.gamma(4.0, 0.25, size=n), 2)),
            "channel": pa.array([CHANNELS[c] for c in channel]),
            "bought_at": pa.array([START + timedelta(days=int(d), seconds=int(s)) for d, s in zip(day, seconds)],
                                  pa.timestamp("us"))}),
    }
    con = duckdb.connect(str(path))
    try:
        for statement in _SCHEMA:
            con.execute(statement)
        for name in ("customers", "products", "purchases"):  # parents first: the keys are enforced
            con.register("rows_in", tables[name])
            con.execute("INSERT INTO " + name + " SELECT * FROM rows_in")  # fixed names only
            con.unregister("rows_in")
    finally:
        con.close()
    return path
