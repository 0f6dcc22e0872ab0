"""Predictions against the generators' hidden truth (a benchmark, not a test).

    .venv/bin/python -m bench.truth_eval [--cases loyalty,ltv,cross_sell] [--models heuristic,lightgbm,gnn]
                                         [--customers 3000] [--seed 0] [--retrain] [--json FILE]

The generated databases (examples/generators) store what no model may see in the DuckDB schema
``truth``. Each seed query runs verbatim plus ``WITH model = '<m>', seed = <s>`` through the Session
API and its predictions at the prediction anchor (the data's last timestamp) are compared with it:

    loyalty      incremental_purchase  Pearson / Spearman of predicted uplift vs truth.customer_uplift.uplift
    ltv          total_spend_12m       Spearman (and MAE) of predicted spend vs truth.customer_future.spend_12m
    cross_sell   next_product          MAP@12 (and recall@12) vs truth.future_purchase in the next 30 days

A model family that is not installed, or that cannot run a query, is skipped with a note. Databases
are generated once into ``bench/results/truth-dbs`` and models saved under ``bench/results/pql-home``
(unless ``PQL_HOME`` is set), so a rerun reuses both; ``--retrain`` trains again.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlglot.expressions as exp

from examples.demo_data import SEED_CASES, DemoCase, database_path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = ROOT / "bench" / "results" / "truth-dbs"
DEFAULT_HOME = ROOT / "bench" / "results" / "pql-home"
DEFAULT_MODELS = ("heuristic", "lightgbm", "gnn")
RANK_K = 12
NEXT_PRODUCT_DAYS = 30  # next_product's target window


def read_truth(con, table: str) -> pd.DataFrame:
    query = exp.select("*").from_(exp.Table(this=exp.to_identifier(table, quoted=True),
                                            db=exp.to_identifier("truth", quoted=True)))
    return con.sql(query.sql(dialect="duckdb")).df()


def _entity_frame(predictions: pa.Table, columns: list[str]) -> pd.DataFrame:
    return predictions.select(columns).to_pandas().rename(columns={"id": "customer_id"})


def compare_uplift(predictions: pa.Table, con) -> dict[str, float]:
    from engine.uplift.metrics import correlation_with_truth

    truth = read_truth(con, "customer_uplift")
    joined = _entity_frame(predictions, ["id", "uplift"]).merge(
        truth[["customer_id", "uplift"]], on="customer_id", suffixes=("", "_true"))
    pearson, spearman = correlation_with_truth(joined["uplift"].to_numpy(), joined["uplift_true"].to_numpy())
    return {"spearman": spearman, "pearson": pearson, "customers": float(len(joined))}


def compare_spend(predictions: pa.Table, con) -> dict[str, float]:
    from scipy.stats import spearmanr

    truth = read_truth(con, "customer_future")
    joined = _entity_frame(predictions, ["id", "prediction"]).merge(
        truth[["customer_id", "spend_12m"]], on="customer_id")
    y, p = joined["spend_12m"].to_numpy(float), joined["prediction"].to_numpy(float)
    return {"spearman": float(spearmanr(p, y).statistic), "mae": float(np.abs(p - y).mean()),
            "customers": float(len(joined))}


def compare_next_product(predictions: pa.Table, con) -> dict[str, float]:
    from engine.metrics import ranking_metrics

    frame = predictions.to_pandas()
    item = next(c for c in frame.columns if c not in ("id", "anchor_time", "rank", "score"))
    anchor = pd.Timestamp(frame["anchor_time"].iloc[0])
    frame = frame.sort_values(["id", "rank"])
    ranked = frame.groupby("id")[item].apply(list)

    truth = read_truth(con, "future_purchase")
    in_window = (truth["timestamp"] > anchor) & (truth["timestamp"] <= anchor + timedelta(days=NEXT_PRODUCT_DAYS))
    bought = truth[in_window].groupby("customer_id")["product_id"].apply(set)
    customers = ranked.index
    lists = np.empty(len(customers), dtype=object)
    lists[:] = [ranked[c] for c in customers]
    metrics = ranking_metrics([bought.get(c, set()) for c in customers], lists, RANK_K)
    return {"map": metrics["map"], "recall": metrics["recall"],
            "customers": float(sum(1 for c in customers if c in bought.index))}


@dataclass(frozen=True, kw_only=True)
class TruthCase:
    seed_case: DemoCase
    metric: str  # the headline value printed in the table
    compare: Callable[[pa.Table, object], dict[str, float]]


CASES: dict[str, TruthCase] = {c.seed_case.database: c for c in (
    TruthCase(seed_case=SEED_CASES[0], metric="spearman", compare=compare_uplift),
    TruthCase(seed_case=SEED_CASES[1], metric="spearman", compare=compare_spend),
    TruthCase(seed_case=SEED_CASES[2], metric="map", compare=compare_next_product),
)}


def installed(family: str) -> bool:
    from engine.run import TRAINERS

    return family in TRAINERS and importlib.util.find_spec(TRAINERS[family][0]) is not None


def run_one(case: TruthCase, db: Path, model: str, *, seed: int, retrain: bool) -> dict:
    """One (database, model) run: the truth comparison, or a note saying why there is none."""
    import pql
    from pql.errors import PQLError

    if not installed(model):
        return {"note": f"no '{model}' trainer in this checkout"}
    options = [f"model = '{model}'", f"seed = {seed}"] + (["retrain = true"] if retrain else [])
    query = f"{case.seed_case.query} WITH {', '.join(options)}"
    started = time.perf_counter()
    try:
        with pql.connect(db) as session:
            result = session.run(query)[0]
            values = case.compare(result.table, session.con)
    except PQLError as e:
        return {"note": f"could not run: {str(e).splitlines()[0]}"}
    return {"values": values, "seconds": round(time.perf_counter() - started, 1), "summary": result.summary,
            "reused": bool(result.run and result.run.reused)}


def render(results: dict[str, dict[str, dict]], models: list[str]) -> str:
    header = ["database", "query", "metric", *models]
    rows = []
    for name, per_model in results.items():
        case = CASES[name]
        cells = []
        for m in models:
            r = per_model[m]
            cells.append("skipped" if "values" not in r else f"{r['values'][case.metric]:.4f} ({r['seconds']:.0f}s)")
        rows.append([name, case.seed_case.query.split(" FOR ")[0].removeprefix("PREDICT "),
                     f"{case.metric} vs truth", *cells])
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {name} / {m}: {r['note']}" for name, pm in results.items() for m, r in pm.items() if "note" in r]
    return "\n".join(lines + (["", "notes:", *notes] if notes else []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.truth_eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, from {', '.join(CASES)}")
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS), help="comma-separated model families")
    parser.add_argument("--customers", type=int, default=3_000, help="customers per generated database")
    parser.add_argument("--seed", type=int, default=0, help="generator and model seed")
    parser.add_argument("--retrain", action="store_true", help="train even where a saved model matches")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the databases are generated")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    names = [c.strip() for c in args.cases.split(",") if c.strip()]
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    os.environ.setdefault("PQL_HOME", str(DEFAULT_HOME))

    results: dict[str, dict[str, dict]] = {}
    for name in names:
        case = CASES[name]
        db = database_path(case.seed_case, cache=args.cache, n_customers=args.customers, seed=args.seed)
        results[name] = {}
        for model in models:
            print(f"{name} / {model} …", flush=True)
            results[name][model] = run_one(case, db, model, seed=args.seed, retrain=args.retrain)
            if "summary" in results[name][model]:
                print(f"  {results[name][model]['summary']}", flush=True)
    print()
    print(render(results, models))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"customers": args.customers, "seed": args.seed, "results": results},
                                        indent=2, default=str))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
