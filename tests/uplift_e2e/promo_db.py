"""A tiny randomized-promotion database with a known, heterogeneous treatment effect.

    customer(customer_id, responsive, margin, contact_cost, region)
    promo(id, customer_id -> customer, channel, sent_at)      monthly, randomized: email / sms / none
    purchase(id, customer_id -> customer, amount, ts)

Every 30 days back from ``END`` is an anchor (pql's default schedule for a 30-day target); two days
after each anchor every customer gets an e-mail, an SMS or nothing (1/3 each). Within that 30-day
window a customer buys with probability ``BASE`` + the arm's effect: e-mail helps only responsive
customers, SMS helps everyone a little (``true_uplift`` gives it per customer and arm).
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

END = pd.Timestamp("2024-01-01")
CYCLES = 14
BASE = 0.15
EMAIL_EFFECT_RESPONSIVE = 0.45
SMS_EFFECT = 0.15

SCHEMA = """
create table customer(customer_id bigint primary key, responsive bigint, margin double, contact_cost double,
                      region varchar);
create table promo(id bigint primary key, customer_id bigint references customer(customer_id), channel varchar,
                   sent_at timestamp);
create table purchase(id bigint primary key, customer_id bigint references customer(customer_id), amount double,
                      ts timestamp);
"""


def true_uplift(responsive: np.ndarray) -> dict[str, np.ndarray]:
    return {"email": np.where(responsive == 1, EMAIL_EFFECT_RESPONSIVE, 0.0),
            "sms": np.full(len(responsive), SMS_EFFECT)}


def write_promo_db(path: Path, *, n_customers: int = 150, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n_customers + 1)
    responsive = (rng.random(n_customers) < 0.4).astype(np.int64)
    customer = pd.DataFrame({"customer_id": ids, "responsive": responsive,
                             "margin": np.round(rng.uniform(5, 50, n_customers), 2),
                             "contact_cost": np.round(rng.uniform(0.5, 3, n_customers), 2),
                             "region": rng.choice(["north", "south"], n_customers)})
    effects = true_uplift(responsive)
    promos, purchases = [], []
    for k in range(CYCLES, 0, -1):
        anchor = END - pd.Timedelta(days=30 * k)
        arm = rng.choice(["email", "sms", "none"], n_customers)
        for i in np.flatnonzero(arm != "none"):
            promos.append((ids[i], arm[i], anchor + pd.Timedelta(days=2)))
        p = BASE + np.select([arm == "email", arm == "sms"], [effects["email"], effects["sms"]], 0.0)
        for i in np.flatnonzero(rng.random(n_customers) < p):
            when = anchor + pd.Timedelta(days=float(rng.uniform(3, 29)))
            purchases.append((ids[i], round(float(rng.uniform(5, 80)), 2), when))
    purchases.append((ids[0], 10.0, END))  # pins the data's end, hence the anchors, to END
    promo = pd.DataFrame(promos, columns=["customer_id", "channel", "sent_at"])
    promo.insert(0, "id", np.arange(1, len(promo) + 1))
    purchase = pd.DataFrame(purchases, columns=["customer_id", "amount", "ts"])
    purchase.insert(0, "id", np.arange(1, len(purchase) + 1))
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA)
        for name, frame in (("customer", customer), ("promo", promo), ("purchase", purchase)):
            con.register("frame", frame)
            con.execute(f'insert into "{name}" select * from frame')  # test fixture: fixed names
            con.unregister("frame")
    finally:
        con.close()
    return path
