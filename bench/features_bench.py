"""Time relational and candidate features on the real Online Retail data.

    .venv/bin/python -m bench.features_bench [--anchors 8] [--threads 2]

Seeds: every customer with at least one invoice before the anchor, at monthly anchors ending
2011-11-01 (about 4k customers per anchor).
"""
from __future__ import annotations

import argparse
import datetime as dt
import time

import duckdb
import numpy as np
import pyarrow as pa

from bench.online_retail_db import load
from engine.features import candidate_features, feature_names, relational_features


def seeds_for(con, anchors: list[dt.datetime]) -> pa.Table:
    con.register("bench_anchors", pa.table({"anchor_time": pa.array(anchors, pa.timestamp("us"))}))
    return con.sql(
        "SELECT DISTINCT i.customer_id, a.anchor_time FROM bench_anchors a"
        " JOIN invoices i ON i.invoice_date <= a.anchor_time ORDER BY a.anchor_time, i.customer_id"
    ).to_arrow_table()


def buys_within_30_days(con, seeds: pa.Table) -> np.ndarray:
    """Label per seed row (fixed SQL over the benchmark's own tables), in seed order."""
    con.register("bench_seeds", seeds.append_column("row", pa.array(np.arange(seeds.num_rows))))
    rows = con.sql(
        "SELECT s.row, count(i.invoice_id) > 0 FROM bench_seeds s LEFT JOIN invoices i"
        " ON i.customer_id = s.customer_id AND i.invoice_date > s.anchor_time"
        " AND i.invoice_date <= s.anchor_time + INTERVAL 30 DAY GROUP BY s.row ORDER BY s.row"
    ).fetchall()
    return np.array([int(r[1]) for r in rows])


def fit_churn(con, seeds: pa.Table, features: pa.Table, anchors: list[dt.datetime]) -> None:
    from sklearn.metrics import roc_auc_score

    from engine.models.lightgbm_model import LightGBMModel

    y = buys_within_30_days(con, seeds)
    when = np.array(seeds.column("anchor_time").to_pylist())
    split = {"train": when < anchors[-2], "val": when == anchors[-2], "test": when == anchors[-1]}
    part = {k: (features.filter(pa.array(m)), y[m]) for k, m in split.items()}
    t = time.perf_counter()
    model = LightGBMModel().fit(*part["train"], *part["val"], "binary")
    elapsed = time.perf_counter() - t
    auc = roc_auc_score(part["test"][1], model.predict(part["test"][0]))
    print(f"lightgbm fit: {elapsed:.1f}s, {model.best_iteration} rounds, test AUROC {auc:.4f} "
          f"(train {len(part['train'][1]):,} rows, base rate {part['test'][1].mean():.3f})")
    print("  top features: " + ", ".join(list(model.feature_importance())[:5]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--anchors", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--candidates", action="store_true", help="also time link-ranking candidates")
    parser.add_argument("--fit", action="store_true", help="also fit LightGBM on 'buys within 30 days'")
    args = parser.parse_args()

    con = duckdb.connect(config={"threads": args.threads})
    t = time.perf_counter()
    db = load(con)
    print(f"load: {time.perf_counter() - t:.1f}s  " + ", ".join(f"{x.name}={x.num_rows:,}" for x in db.tables))

    last = dt.datetime(2011, 11, 1)
    anchors = [last - dt.timedelta(days=30 * i) for i in range(args.anchors)][::-1]
    seeds = seeds_for(con, anchors)
    per_anchor = seeds.num_rows / len(anchors)
    print(f"seeds: {seeds.num_rows:,} ({len(anchors)} anchors, {per_anchor:,.0f} customers per anchor)")

    t = time.perf_counter()
    features = relational_features(con, db, "customers", seeds)
    elapsed = time.perf_counter() - t
    print(f"relational_features: {elapsed:.1f}s -> {features.num_rows:,} rows x {len(feature_names(features))} features")

    if args.fit:
        fit_churn(con, seeds, features, anchors)

    if args.candidates:
        t = time.perf_counter()
        pairs = candidate_features(con, db, "customers", seeds, item_fk="invoice_lines.stock_code", num_popular=50)
        elapsed = time.perf_counter() - t
        print(f"candidate_features: {elapsed:.1f}s -> {pairs.num_rows:,} pairs x {len(feature_names(pairs))} features")


if __name__ == "__main__":
    main()
