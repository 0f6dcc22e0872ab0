"""How much the LTV generator's hidden state adds to a customer's own history (a benchmark, not a test).

    .venv/bin/python -m bench.ltv_oracle [--customers 3000] [--seeds 0,1,2]

The GNN can only beat a tabular model on ``total_spend_12m`` by the information the graph carries
beyond the customer's own purchases. This bounds it: a LightGBM (L1 on log1p spend) on recency,
frequency and spend windows, the customer's tenure and mean price paid, trained at three yearly
anchors and scored (Spearman) on the following held-out year, once alone and once given parts of the
generator's hidden state as well:

    product quality   the quality of the products bought (``experience``, as the simulation computes it)
    segment growth    the growth trend of the customer's hidden segment (shared with similar customers)
    graph could show  both: what the products' other buyers and similar customers can reveal
    all hidden state  both and the customer's own latent value (which only more history would pin down)
    graph-derived     no hidden state: what a model could compute from the graph itself (the sales trend
                      of the products bought, the growth of their other buyers, the customer's category
                      taste), i.e. what message passing over customer -> purchase -> product -> purchase
                      -> customer would have to discover

What "graph could show" adds over "own history" is the most that any use of the graph could add;
"graph-derived" is how much of it hand-built graph features actually recover.
Each generator seed simulates a new shop; the table gives the mean and spread over seeds.
"""
from __future__ import annotations

import argparse

import lightgbm as lgb
import numpy as np
from scipy.stats import spearmanr

from examples.generators import ltv
from examples.generators._common import day_start

WINDOWS_DAYS = (30, 90, 180, 365, 730, 10**6)
START = "2020-01-01"


def _simulate(n_customers: int, seed: int, days: int):
    rng = np.random.default_rng(seed)
    static, events, latent, products, _ = ltv._simulate(rng, n_customers=n_customers, n_products=300, days=days,
                                                        start=day_start(START))
    order = np.lexsort((events["second"], events["day"]))
    events = {k: v[order] for k, v in events.items()}
    signup = (static["customer"]["signup_date"] - np.datetime64(START)).astype(int)
    return static, events, latent, products, signup


def _features(anchor: int, n: int, static, events, latent, products, signup):
    """(features, next-year spend) of the customers who joined before ``anchor``; the features are the
    ``OWN`` own-history columns, the ``HIDDEN_COLUMNS`` of hidden state, then the graph-derived ones."""
    c, p, d, a = events["customer"], events["product"], events["day"], events["amount"]
    seen = d < anchor
    cols = []
    for w in WINDOWS_DAYS:
        m = seen & (d >= anchor - w)
        cols += [np.bincount(c[m], minlength=n), np.bincount(c[m], a[m], minlength=n)]
    last = np.full(n, -1e6)
    np.maximum.at(last, c[seen], d[seen])
    bought = np.maximum(np.bincount(c[seen], minlength=n), 1)
    paid = np.bincount(c[seen], static["product"]["price"][p[seen]], minlength=n)
    cols += [anchor - last, anchor - signup, paid / bought]
    experience = np.zeros(n)  # the simulation's EMA of the quality of the products bought
    for ci, pi in zip(c[seen], p[seen]):
        experience[ci] = 0.5 * experience[ci] + 0.5 * products["quality"][pi]
    hidden = np.stack([experience, latent["segment_trend"], latent["value"]], axis=1)
    nxt = (d >= anchor) & (d < anchor + 365)
    spend = np.bincount(c[nxt], a[nxt], minlength=n)
    joined = signup < anchor
    derived = _graph_derived(anchor, n, static, events)
    return np.c_[np.stack(cols, axis=1).astype(float), hidden, derived][joined], spend[joined]


def _graph_derived(anchor: int, n: int, static, events) -> np.ndarray:
    """Per customer, from purchases before ``anchor`` only: over its purchases of the last two years, the
    mean sales trend of the product and the mean growth of the buyers of that product's other purchases
    (growth and trend: log1p of last year's count minus the year before's); then its category shares."""
    c, p, d = events["customer"], events["product"], events["day"]
    n_products = len(static["product"]["id"])
    seen = d < anchor
    last, prev = seen & (d >= anchor - 365), seen & (d < anchor - 365) & (d >= anchor - 730)
    recent = last | prev
    growth = np.log1p(np.bincount(c[last], minlength=n)) - np.log1p(np.bincount(c[prev], minlength=n))
    trend = (np.log1p(np.bincount(p[last], minlength=n_products))
             - np.log1p(np.bincount(p[prev], minlength=n_products)))
    bought = np.maximum(np.bincount(c[recent], minlength=n), 1)
    product_trend = np.bincount(c[recent], trend[p[recent]], minlength=n) / bought
    # the other buyers' growth: per purchase, the product's buyer-growth sum without this buyer's own
    buyer_sum = np.bincount(p[recent], growth[c[recent]], minlength=n_products)
    buyer_count = np.bincount(p[recent], minlength=n_products)
    others = np.bincount(c[recent], buyer_sum[p[recent]] - growth[c[recent]], minlength=n)
    n_others = np.bincount(c[recent], buyer_count[p[recent]] - 1, minlength=n)
    other_growth = np.where(n_others > 0, others / np.maximum(n_others, 1), np.nan)
    category = static["product"]["category"][p] - 1  # ids start at 1
    taste = np.zeros((n, int(static["product"]["category"].max())))
    np.add.at(taste, (c[seen], category[seen]), 1)
    taste /= np.maximum(taste.sum(axis=1, keepdims=True), 1)
    return np.c_[product_trend, other_growth, taste]


OWN, HIDDEN_COLUMNS = 15, 3  # own-history columns, then the hidden state, then the graph-derived ones
VARIANTS = {"own history": [], "+ product quality": [0], "+ segment growth": [1],
            "+ graph could show": [0, 1], "+ all hidden state": [0, 1, 2],
            "+ graph-derived": "derived"}  # columns of the hidden state, or the graph-derived block


def run(n_customers: int = 3_000, seed: int = 0, days: int = 2_191) -> dict[str, float]:
    """Held-out Spearman per variant of `VARIANTS` for one simulated shop."""
    sim = _simulate(n_customers, seed, days)
    train = [_features(days - 365 * k, n_customers, *sim) for k in (2, 3, 4)]
    test = _features(days - 365, n_customers, *sim)
    out = {}
    for name, extra in VARIANTS.items():
        columns = (list(range(OWN)) + (list(range(OWN + HIDDEN_COLUMNS, train[0][0].shape[1])) if extra == "derived"
                                       else [OWN + j for j in extra]))
        X = np.concatenate([features[:, columns] for features, _ in train])
        y = np.log1p(np.concatenate([spend for _, spend in train]))
        model = lgb.LGBMRegressor(n_estimators=300, learning_rate=0.05, objective="l1", verbose=-1,
                                  random_state=seed).fit(X, y)
        out[name] = float(spearmanr(model.predict(test[0][:, columns]), test[1]).statistic)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=3_000)
    parser.add_argument("--seeds", default="0", help="comma-separated generator seeds (default: 0)")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    runs = [run(args.customers, seed) for seed in seeds]
    print(f"{args.customers:,} customers, generator seed(s) {', '.join(map(str, seeds))}: held-out Spearman "
          "(gain over own history)")
    base = np.array([r["own history"] for r in runs])
    for name in VARIANTS:
        values = np.array([r[name] for r in runs])
        gain = values - base
        print(f"  {name:<20} {values.mean():.3f} ± {values.std():.3f}"
              + ("" if name == "own history" else f"   ({gain.mean():+.3f} ± {gain.std():.3f})"))


if __name__ == "__main__":
    main()
