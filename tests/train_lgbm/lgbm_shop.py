"""A small generated shop with planted signals for the LightGBM trainer's tests.

    customers(customer_id PK, age, segment)
    products(product_id PK, category)
    orders(order_id PK, customer_id -> customers, product_id -> products, amount, channel, ordered_at)
    mails(mail_id PK, customer_id -> customers, sent_at)

Each customer buys at their own heavy-tailed daily rate, mostly their three favourite products, for
amounts around their own mean, through their own preferred channel: a customer's past orders predict
their next month. ``age`` follows the buying rate (with noise), so a static ``PREDICT customers.age``
is learnable from the orders, but not exactly. Mails go out at random (a randomised treatment); in the
week after a mail 'responsive' customers buy at three times their rate, 'steady' ones do not.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

START = datetime(2023, 1, 1)
CHANNELS = ("web", "store", "app")
SEGMENTS = ("responsive", "steady")
N_PRODUCTS = 24

_SCHEMA = (
    "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, age DOUBLE, segment VARCHAR)",
    "CREATE TABLE products (product_id INTEGER PRIMARY KEY, category VARCHAR)",
    "CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (customer_id), "
    "product_id INTEGER REFERENCES products (product_id), amount DOUBLE, channel VARCHAR, ordered_at TIMESTAMP)",
    "CREATE TABLE mails (mail_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (customer_id), "
    "sent_at TIMESTAMP)",
)
TABLES = ("customers", "products", "orders", "mails")  # parents first: the keys are enforced


def tables(*, n_customers: int = 200, days: int = 240, seed: int = 0) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    rate = np.clip(rng.lognormal(mean=-2.8, sigma=1.0, size=n_customers), 0.0, 0.4)
    age = np.round(20 + 150 * rate + rng.normal(0, 3, size=n_customers), 1)
    responsive = rng.random(n_customers) < 0.5
    mean_amount = rng.lognormal(mean=3.0, sigma=0.7, size=n_customers)
    favourites = np.stack([rng.choice(N_PRODUCTS, size=3, replace=False) for _ in range(n_customers)])
    preferred = rng.integers(0, len(CHANNELS), size=n_customers)

    mailed = rng.random((n_customers, days)) < 0.03
    recent_mail = np.zeros_like(mailed)
    for lag in range(1, 8):
        recent_mail[:, lag:] |= mailed[:, :-lag]
    daily = rate[:, None] * np.where(recent_mail & responsive[:, None], 3.0, 1.0)
    cust, day = np.nonzero(rng.random((n_customers, days)) < daily)
    n = len(cust)
    own = rng.random(n) < 0.8
    product = np.where(own, favourites[cust, rng.integers(0, 3, size=n)], rng.integers(0, N_PRODUCTS, size=n))
    channel = np.where(rng.random(n) < 0.85, preferred[cust], rng.integers(0, len(CHANNELS), size=n))
    mail_cust, mail_day = np.nonzero(mailed)

    def at(days_: np.ndarray, seconds: np.ndarray) -> pa.Array:
        return pa.array([START + timedelta(days=int(d), seconds=int(s)) for d, s in zip(days_, seconds)],
                        pa.timestamp("us"))

    return {
        "customers": pa.table({"customer_id": pa.array(np.arange(n_customers), pa.int32()), "age": pa.array(age),
                               "segment": pa.array([SEGMENTS[0] if r else SEGMENTS[1] for r in responsive])}),
        "products": pa.table({"product_id": pa.array(np.arange(N_PRODUCTS), pa.int32()),
                              "category": pa.array([f"cat{p % 4}" for p in range(N_PRODUCTS)])}),
        "orders": pa.table({
            "order_id": pa.array(np.arange(n), pa.int32()),
            "customer_id": pa.array(cust, pa.int32()),
            "product_id": pa.array(product, pa.int32()),
            "amount": pa.array(np.round(mean_amount[cust] * rng.gamma(4.0, 0.25, size=n), 2)),
            "channel": pa.array([CHANNELS[c] for c in channel]),
            "ordered_at": at(day, rng.integers(3_600, 82_800, size=n))}),
        "mails": pa.table({"mail_id": pa.array(np.arange(len(mail_cust)), pa.int32()),
                           "customer_id": pa.array(mail_cust, pa.int32()),
                           "sent_at": at(mail_day, np.full(len(mail_day), 3_000))}),
    }


def build(path: Path, **kwargs) -> Path:
    """Write the shop into a new DuckDB file with declared keys."""
    con = duckdb.connect(str(path))
    try:
        for statement in _SCHEMA:
            con.execute(statement)
        data = tables(**kwargs)
        for name in TABLES:
            con.register("rows_in", data[name])
            con.execute("INSERT INTO " + name + " SELECT * FROM rows_in")  # fixed names only
            con.unregister("rows_in")
    finally:
        con.close()
    return path
