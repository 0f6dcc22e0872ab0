"""Cross-sell database: the schema of ``PREDICT next_product FOR customer …``.

Tables (keys declared)::

    category(id, name, domain)
    product(id, category -> category, price, product_line)
    product_link(id, product -> product, related_product -> product, kind)   kind: cross_sell | upsell
    customer(id, region, age_band)
    purchase(id, customer -> customer, product -> product, amount, timestamp, channel)

Purchases follow journeys along product lines: a customer who buys a line's first product (a
camera) goes on to its next one (that line's lens, then tripod, then bag), each step with a
link-specific probability after a link-specific delay (a lens follows a camera after ~12 days
in one line and ~40 in another); some later upgrade to a pricier line's product (upsell).
Every ``cross_sell`` step and ``upsell`` move is a row of ``product_link``. Accessory purchases
at random add noise. So the next product is predictable from what was bought and when.

The hidden schema ``truth`` holds ``truth.future_purchase(customer_id, product_id, timestamp)``
(the realised 60 days after the last recorded day) and ``truth.link_behaviour(link_id,
continue_probability, delay_days)``.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from examples.generators._common import TRUTH, SizeError, arrow, cli, day_start, ids
from examples.generators.duckdb_writer import TableSpec, fk, write_database

DOMAINS = {
    "photo": ("camera", "lens", "tripod", "camera_bag"),
    "phone": ("phone", "phone_case", "screen_protector", "charger"),
    "computing": ("laptop", "mouse", "keyboard", "monitor"),
    "audio": ("turntable", "speakers", "record_cleaner"),
    "fitness": ("smartwatch", "watch_strap", "heart_rate_strap"),
}
HEAD_LOG_PRICE = {"photo": 6.3, "phone": 6.2, "computing": 6.7, "audio": 5.6, "fitness": 5.3}
LINE_TIERS = ("budget", "mid", "premium")
TIER_PRICE = np.array([0.7, 1.0, 1.6])
ACCESSORY = "accessories"
CHANNELS = ("web", "store", "app")
REGIONS = ("north", "south", "east", "west")
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55+")
FUTURE_DAYS = 60


def _catalogue(rng: np.random.Generator, n_lines: int, n_accessories: int) -> dict:
    """Categories, products (lines of chained products plus accessories) and their links."""
    domains = list(DOMAINS)
    categories = [(d, c) for d in domains for c in DOMAINS[d]] + [("general", ACCESSORY)]
    category_id = {c: i + 1 for i, (_, c) in enumerate(categories)}
    product_category, price, line_name, chains, line_tier, line_domain = [], [], [], [], [], []
    for line in range(n_lines):
        domain = domains[line % len(domains)]
        tier = int(rng.integers(0, len(LINE_TIERS)))
        chain = []
        for step, cat in enumerate(DOMAINS[domain]):
            chain.append(len(price))
            product_category.append(category_id[cat])
            step_price = np.exp(HEAD_LOG_PRICE[domain] - 1.1 * step + rng.normal(0, 0.25)) * TIER_PRICE[tier]
            price.append(round(float(step_price), 2))
            line_name.append(f"{domain}-{LINE_TIERS[tier]}-{line + 1:02d}")
        chains.append(chain)
        line_tier.append(tier)
        line_domain.append(domain)
    accessories = np.arange(len(price), len(price) + n_accessories)
    for _ in range(n_accessories):
        product_category.append(category_id[ACCESSORY])
        price.append(round(float(np.exp(rng.normal(2.3, 0.5))), 2))
        line_name.append(ACCESSORY)

    # cross-sell links: consecutive products of a line, each with its own probability and delay
    link_from, link_to, link_kind, link_prob, link_delay = [], [], [], [], []
    for chain in chains:
        for a, b in zip(chain, chain[1:]):
            link_from.append(a), link_to.append(b), link_kind.append("cross_sell")
            link_prob.append(float(rng.uniform(0.45, 0.9)))
            link_delay.append(float(np.exp(rng.uniform(np.log(4), np.log(60)))))
    # upsell links: a product to the same step of a pricier line in the same domain
    for i, chain in enumerate(chains):
        better = [j for j in range(len(chains)) if line_domain[j] == line_domain[i] and line_tier[j] > line_tier[i]]
        if better:
            j = better[int(rng.integers(0, len(better)))]
            link_from.append(chain[0]), link_to.append(chains[j][0]), link_kind.append("upsell")
            link_prob.append(float(rng.uniform(0.08, 0.2)))
            link_delay.append(float(rng.uniform(90, 240)))
    return {
        "categories": categories, "product_category": np.array(product_category), "price": np.array(price),
        "line_name": np.array(line_name), "chains": chains, "line_domain": np.array(line_domain),
        "accessories": accessories, "link_from": np.array(link_from), "link_to": np.array(link_to),
        "link_kind": np.array(link_kind), "link_prob": np.array(link_prob), "link_delay": np.array(link_delay),
    }


def _journeys(rng: np.random.Generator, cat: dict, n_customers: int, horizon: int):
    """(customer, product, day) of every purchase in ``0 .. horizon`` days, unsorted."""
    domains = list(DOMAINS)
    domain_pref = rng.dirichlet(np.full(len(domains), 0.5), size=n_customers)  # (N, D)
    journey_rate = rng.lognormal(np.log(1 / 260), 0.5, n_customers)
    n_journeys = rng.poisson(journey_rate * horizon)
    customer = np.repeat(np.arange(n_customers), n_journeys)
    day = rng.uniform(-60, horizon, len(customer))  # journeys may have begun before the history
    domain_cdf = np.cumsum(domain_pref[customer], axis=1)
    domain = (domain_cdf < rng.random(len(customer))[:, None]).sum(axis=1)
    lines_by_domain = [np.flatnonzero(cat["line_domain"] == d) for d in domains]
    line = np.array([lines_by_domain[d][int(u * len(lines_by_domain[d]))] for d, u in
                     zip(domain, rng.random(len(customer)))], dtype=np.int64)

    next_link = {int(a): k for k, (a, kind) in enumerate(zip(cat["link_from"], cat["link_kind"])) if kind == "cross_sell"}
    upsell_link = {int(a): k for k, (a, kind) in enumerate(zip(cat["link_from"], cat["link_kind"])) if kind == "upsell"}
    out_c, out_p, out_d = [customer], [], [day]
    product = np.array([cat["chains"][l][0] for l in line], dtype=np.int64)
    out_p.append(product)
    # upsell: some buyers of a line's first product later move to the pricier line's first product
    up = np.array([upsell_link.get(int(p), -1) for p in product])
    has_up = up >= 0
    take = has_up & (rng.random(len(up)) < np.where(has_up, cat["link_prob"][np.maximum(up, 0)], 0))
    out_c.append(customer[take])
    out_p.append(cat["link_to"][up[take]])
    out_d.append(day[take] + cat["link_delay"][up[take]] * rng.lognormal(0, 0.15, take.sum()))
    active = np.ones(len(customer), dtype=bool)
    while active.any():
        link = np.array([next_link.get(int(p), -1) for p in product])
        active &= link >= 0
        active &= rng.random(len(link)) < np.where(link >= 0, cat["link_prob"][np.maximum(link, 0)], 0)
        step = np.maximum(link, 0)
        day = day + cat["link_delay"][step] * rng.lognormal(0, 0.15, len(step))
        product = np.where(active, cat["link_to"][step], product)
        out_c.append(customer[active]), out_p.append(product[active]), out_d.append(day[active])

    # accessory noise, popularity-weighted
    n_noise = rng.poisson(horizon / 150, n_customers)
    noise_customer = np.repeat(np.arange(n_customers), n_noise)
    weights = rng.lognormal(0, 1.0, len(cat["accessories"]))
    noise_product = rng.choice(cat["accessories"], size=len(noise_customer), p=weights / weights.sum())
    out_c.append(noise_customer), out_p.append(noise_product), out_d.append(rng.uniform(0, horizon, len(noise_customer)))

    c, p, d = (np.concatenate(x) for x in (out_c, out_p, out_d))
    keep = (d >= 0) & (d < horizon)
    return c[keep].astype(np.int64), p[keep].astype(np.int64), d[keep]


def generate(path: str | os.PathLike, *, n_customers: int = 3_000, seed: int = 0, days: int = 730,
             n_lines: int = 30, n_accessories: int = 40, start: str = "2023-01-01") -> Path:
    """Simulate ``days`` (default two years) of purchase journeys for ``n_customers``; write to ``path``."""
    if n_customers < 10 or days < 60 or n_lines < len(DOMAINS):
        raise SizeError("need at least 10 customers, 60 days and one product line per domain")
    rng = np.random.default_rng(seed)
    t0 = day_start(start)
    cat = _catalogue(rng, n_lines, n_accessories)
    customer, product, day = _journeys(rng, cat, n_customers, days + FUTURE_DAYS)
    seconds = np.floor(day * 86_400).astype(np.int64)
    seconds = seconds - seconds % 86_400 + rng.integers(8 * 3600, 22 * 3600, len(seconds))  # shop hours
    order = np.argsort(seconds, kind="stable")
    customer, product, seconds = customer[order], product[order], seconds[order]
    when = t0 + seconds.astype("timedelta64[s]")
    history = seconds < days * 86_400

    preferred_channel = rng.integers(0, len(CHANNELS), n_customers)
    channel = np.where(rng.random(len(customer)) < 0.8, preferred_channel[customer],
                       rng.integers(0, len(CHANNELS), len(customer)))
    amount = np.round(cat["price"][product] * rng.choice([1.0, 1.0, 1.0, 0.9, 0.85], len(product)), 2)
    n_links = len(cat["link_from"])
    tables = [
        (TableSpec(name="category", primary_key="id"), arrow({
            "id": ids(len(cat["categories"])), "name": np.array([c for _, c in cat["categories"]]),
            "domain": np.array([d for d, _ in cat["categories"]])})),
        (TableSpec(name="product", primary_key="id", foreign_keys=(fk("category", "category"),)), arrow({
            "id": ids(len(cat["price"])), "category": cat["product_category"], "price": cat["price"],
            "product_line": cat["line_name"]})),
        (TableSpec(name="product_link", primary_key="id",
                   foreign_keys=(fk("product", "product"), fk("related_product", "product"))), arrow({
            "id": ids(n_links), "product": cat["link_from"] + 1, "related_product": cat["link_to"] + 1,
            "kind": cat["link_kind"]})),
        (TableSpec(name="customer", primary_key="id"), arrow({
            "id": ids(n_customers), "region": np.array(REGIONS)[rng.integers(0, len(REGIONS), n_customers)],
            "age_band": np.array(AGE_BANDS)[rng.integers(0, len(AGE_BANDS), n_customers)]})),
        (TableSpec(name="purchase", primary_key="id", foreign_keys=(fk("customer", "customer"), fk("product", "product"))),
         arrow({"id": ids(int(history.sum())), "customer": customer[history] + 1, "product": product[history] + 1,
                "amount": amount[history], "timestamp": when[history],
                "channel": np.array(CHANNELS)[channel[history]]})),
        (TableSpec(name="future_purchase", schema=TRUTH), arrow({
            "customer_id": customer[~history] + 1, "product_id": product[~history] + 1, "timestamp": when[~history]})),
        (TableSpec(name="link_behaviour", schema=TRUTH), arrow({
            "link_id": ids(n_links), "continue_probability": cat["link_prob"], "delay_days": cat["link_delay"]})),
    ]
    return write_database(path, tables)


def main(argv: list[str] | None = None) -> Path:
    return cli(generate, description=__doc__.splitlines()[0], default_customers=3_000, argv=argv)


if __name__ == "__main__":
    main()
