"""Customer-lifetime-value database: the schema of ``PREDICT total_spend_12m FOR customer …``.

Tables (keys declared)::

    category(id, name, avg_basket_size)
    product(id, category -> category, price, margin)
    customer(id, signup_date, channel, geo)
    purchase(id, customer -> customer, product -> product, qty, amount, timestamp)

Spend is heavy-tailed (log-normal purchase rate and basket size per customer). Future value
depends on what a customer bought and on similar customers, which only the graph shows:

- each product has a hidden quality (partly its category's): buying good products raises the
  buyer's future purchase rate, bad ones lower it and raise the chance of leaving for good;
- customers belong to hidden segments that share category tastes and a growth trend, so customers
  who buy what growing customers buy tend to grow too.

The hidden schema ``truth`` holds ``truth.customer_future(customer_id, spend_12m, purchases_12m,
margin_12m)``, the realised 365 days after the last recorded day, ``truth.customer_latent`` and
``truth.product_latent`` (hidden quality).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from examples.generators._common import TRUTH, SizeError, arrow, cli, day_start, ids
from examples.generators.duckdb_writer import TableSpec, fk, write_database

CATEGORIES = ("electronics", "fashion", "home", "beauty", "grocery", "sports", "toys", "books",
              "garden", "jewelry")
CATEGORY_LOG_PRICE = np.array([4.6, 3.4, 3.6, 2.8, 1.9, 3.5, 3.0, 2.6, 3.2, 4.2])
CATEGORY_BASKET = np.array([1.1, 1.8, 1.6, 2.2, 4.5, 1.4, 1.5, 1.7, 2.0, 1.1])  # mean items per line
CHANNELS = ("organic", "paid_search", "social", "referral", "email")
CHANNEL_VALUE = np.array([0.1, -0.2, -0.1, 0.25, 0.15])
GEOS = ("north", "south", "east", "west", "metro")
FUTURE_DAYS = 365


def _cdf(weights: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(weights, axis=-1)
    return cdf / cdf[..., -1:]


def _simulate(rng: np.random.Generator, *, n_customers: int, n_products: int, days: int, start: np.datetime64):
    """Returns (static tables, purchase events incl. the future, customer and product latents, margins)."""
    n_segments = max(6, n_customers // 200)
    segment_pref = rng.dirichlet(np.full(len(CATEGORIES), 0.35), size=n_segments)  # (S, C)
    segment_trend = rng.normal(0, 0.6, n_segments)  # log-rate change per year since signup
    category_value = rng.normal(0, 0.4, len(CATEGORIES))

    category = rng.integers(0, len(CATEGORIES), size=n_products)
    price = np.round(np.exp(CATEGORY_LOG_PRICE[category] + rng.normal(0, 0.5, n_products)), 2)
    margin = np.round(rng.uniform(0.05, 0.6, n_products), 3)
    quality = category_value[category] + rng.normal(0, 0.6, n_products)
    popularity = rng.lognormal(0, 0.9, n_products)
    choice_cdf = _cdf(segment_pref[:, category] * popularity[None, :])  # (S, P)

    segment = rng.integers(0, n_segments, size=n_customers)
    channel = rng.integers(0, len(CHANNELS), size=n_customers)
    value = rng.normal(0, 1.0, n_customers) + CHANNEL_VALUE[channel]
    basket_scale = rng.lognormal(0, 0.8, n_customers)
    signup_day = rng.integers(0, days - 60, size=n_customers)
    base_log_rate = np.log(0.009)

    alive = np.ones(n_customers, dtype=bool)
    experience = np.zeros(n_customers)  # EMA of quality of products bought
    last_product = np.full(n_customers, -1)
    parts = []
    for day in range(days + FUTURE_DAYS):
        joined = signup_day <= day
        years = np.maximum(day - signup_day, 0) / 365.0
        month = int(((start + np.timedelta64(day, "D")).astype("datetime64[M]").astype(int)) % 12) + 1
        season = np.log(1.4) if month in (11, 12) else 0.0
        log_rate = base_log_rate + value + segment_trend[segment] * years + 1.6 * experience + season
        prob = -np.expm1(-np.exp(log_rate))
        # a new customer buys on the signup day itself
        bought = alive & joined & ((rng.random(n_customers) < prob) | (signup_day == day))
        buyers = np.flatnonzero(bought)
        if len(buyers):
            cdf = choice_cdf[segment[buyers]]
            fresh = np.minimum((cdf < rng.random(len(buyers))[:, None]).sum(axis=1), n_products - 1)
            repeat = (last_product[buyers] >= 0) & (rng.random(len(buyers)) < 0.25)
            product = np.where(repeat, last_product[buyers], fresh)
            qty = 1 + rng.poisson((CATEGORY_BASKET[category[product]] - 1) * basket_scale[buyers])
            amount = np.round(price[product] * qty, 2)
            parts.append((buyers, product, qty, amount, np.full(len(buyers), day),
                          rng.integers(6 * 3600, 23 * 3600, len(buyers))))
            experience[buyers] = 0.5 * experience[buyers] + 0.5 * quality[product]
            last_product[buyers] = product
        hazard = -np.expm1(-np.exp(np.log(4e-4) - 1.5 * experience - 0.3 * value))
        alive &= ~(joined & ~bought & (rng.random(n_customers) < hazard))

    events = {k: np.concatenate([p[i] for p in parts]) for i, k in
              enumerate(("customer", "product", "qty", "amount", "day", "second"))}
    static = {
        "category": {"id": ids(len(CATEGORIES)), "name": np.array(CATEGORIES),
                     "avg_basket_size": CATEGORY_BASKET},
        "product": {"id": ids(n_products), "category": category + 1, "price": price, "margin": margin},
        "customer": {"id": ids(n_customers),
                     "signup_date": (start + signup_day.astype("timedelta64[D]")).astype("datetime64[D]"),
                     "channel": np.array(CHANNELS)[channel], "geo": np.array(GEOS)[rng.integers(0, len(GEOS), n_customers)]},
    }
    latent = {"customer_id": ids(n_customers), "segment": segment, "value": value,
              "segment_trend": segment_trend[segment], "basket_scale": basket_scale,
              "experience_at_end": experience, "alive_at_end_of_future": alive}
    products = {"product_id": ids(n_products), "quality": quality, "popularity": popularity}
    return static, events, latent, products, margin


def generate(path: str | os.PathLike, *, n_customers: int = 3_000, seed: int = 0, days: int = 2_191,
             n_products: int = 300, start: str = "2020-01-01") -> Path:
    """Simulate ``days`` of purchases for ``n_customers``; write to ``path``.

    The default six years give ``total_spend_12m`` (12-month anchors back from the last day, one
    each for validation and test) three training anchors; four years would leave it one.
    """
    if n_customers < 10 or days < 120:
        raise SizeError("need at least 10 customers and 120 days of history")
    rng = np.random.default_rng(seed)
    t0 = day_start(start)
    static, events, latent, product_latent, margin = _simulate(rng, n_customers=n_customers, n_products=n_products,
                                               days=days, start=t0)
    when = events["day"].astype(np.int64) * 86_400 + events["second"]
    history = np.flatnonzero(events["day"] < days)
    history = history[np.argsort(when[history], kind="stable")]
    future = events["day"] >= days
    buyer = events["customer"].astype(np.int64)

    def per_customer(weights=None):
        return np.bincount(buyer[future], weights=None if weights is None else weights[future], minlength=n_customers)

    tables = [
        (TableSpec(name="category", primary_key="id"), arrow(static["category"])),
        (TableSpec(name="product", primary_key="id", foreign_keys=(fk("category", "category"),)), arrow(static["product"])),
        (TableSpec(name="customer", primary_key="id"), arrow(static["customer"])),
        (TableSpec(name="purchase", primary_key="id", foreign_keys=(fk("customer", "customer"), fk("product", "product"))),
         arrow({"id": ids(len(history)), "customer": buyer[history] + 1, "product": events["product"][history] + 1,
                "qty": events["qty"][history], "amount": events["amount"][history],
                "timestamp": t0 + when[history].astype("timedelta64[s]")})),
        (TableSpec(name="customer_future", schema=TRUTH), arrow({
            "customer_id": ids(n_customers),
            "spend_12m": np.round(per_customer(events["amount"]), 2),
            "purchases_12m": per_customer().astype(np.int64),
            "margin_12m": np.round(per_customer(events["amount"] * margin[events["product"]]), 2)})),
        (TableSpec(name="customer_latent", schema=TRUTH), arrow(latent)),
        (TableSpec(name="product_latent", schema=TRUTH), arrow(product_latent)),
    ]
    return write_database(path, tables)


def main(argv: list[str] | None = None) -> Path:
    return cli(generate, description=__doc__.splitlines()[0], default_customers=3_000, argv=argv)


if __name__ == "__main__":
    main()
