"""Uplift end to end (a benchmark, not a test): Qini / AUUC / uplift@k per model, correlation with the
true uplift where it is known, and the Hillstrom experiment against a plain two-model LightGBM.

    .venv/bin/python -m bench.uplift_bench [--models heuristic,lightgbm,gnn] [--customers 3000]
                                           [--skip-loyalty] [--skip-hillstrom] [--epochs N] [--json FILE]

Loyalty (examples/generators/loyalty.py, true uplift in ``truth.customer_uplift``): the seed query
``PREDICT incremental_purchase FOR customer USING customer, reward, tier, purchase, promotion`` runs
as EVALUATE (test Qini, AUUC, uplift@k on the held-out randomized anchors) and as PREDICT (the uplift
at the prediction anchor, correlated with the truth).

Hillstrom (examples/loaders/hillstrom.py): one randomized cohort, so there is no history to slide
anchors through; the bench labels the single send-day anchor and splits its customers at random
(60/20/20, seeded), trains each pql model on that table and scores the test customers, next to a
plain two-model (T-learner) LightGBM on the raw customer columns over the same split. The average
treatment effect (difference in means) comes from `Session.analyze_experiment` and is printed next
to the published one.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

SEED_QUERY = "PREDICT incremental_purchase FOR customer USING customer, reward, tier, purchase, promotion"
HILLSTROM_OUTCOMES = {"visit": "COUNT(visit.*, 0, 14, days) > 0", "conversion": "COUNT(conversion.*, 0, 14, days) > 0"}
HILLSTROM_TREATMENT = "COUNT(email.*, 0, 14, days) > 0"
PUBLISHED_CONVERSION = {"Mens E-Mail": 0.0125, "Womens E-Mail": 0.0088, "No E-Mail": 0.0057}
CUSTOMER_FEATURES = ("recency", "history", "mens", "womens", "newbie")
CUSTOMER_CATEGORIES = ("history_segment", "zip_code", "channel")


def _with(query: str, model: str, epochs: int | None) -> str:
    options = [f"model = '{model}'"] + ([f"epochs = {epochs}"] if epochs and model == "gnn" else [])
    return f"{query} WITH {', '.join(options)}"


def _test_metrics(table: pa.Table) -> dict[str, float]:
    return {r["metric"]: r["value"] for r in table.to_pylist() if r["split"] == "test"}


def _pick(metrics: dict[str, float]) -> dict[str, float]:
    keys = ("qini", "auuc", "uplift_at_10", "uplift_at_30", "outcome_auroc")
    return {k: round(float(metrics[k]), 4) for k in keys if k in metrics}


# ---- loyalty: true uplift known -------------------------------------------------------------------


def loyalty(models: list[str], customers: int, epochs: int | None, workdir: Path) -> dict:
    import duckdb

    import pql
    from engine.uplift import correlation_with_truth
    from examples.generators import loyalty as generator

    path = workdir / f"loyalty_{customers}.duckdb"
    if not path.exists():
        generator.generate(path, n_customers=customers, seed=0)
    con = duckdb.connect(str(path), read_only=True)
    truth = dict(con.sql("select customer_id, uplift from truth.customer_uplift").fetchall())
    con.close()
    out: dict = {"customers": customers, "models": {}}
    for model in models:
        started = time.perf_counter()
        try:
            with pql.connect(str(path)) as session:
                metrics = _test_metrics(session.evaluate(_with(SEED_QUERY, model, epochs)))
                predictions = session.predict(_with(SEED_QUERY, model, epochs))
        except Exception as e:  # a trainer under construction must not stop the other models' numbers
            out["models"][model] = {"error": f"{type(e).__name__}: {e}"}
            print(f"loyalty {model}: FAILED {type(e).__name__}: {e}")
            continue
        ids = predictions.column("id").to_pylist()
        uplift = np.array(predictions.column("uplift").to_pylist(), dtype=float)
        true = np.array([truth[i] for i in ids], dtype=float)
        pearson, spearman = correlation_with_truth(uplift, true)
        row = {**_pick(metrics), "pearson_truth": round(pearson, 4), "spearman_truth": round(spearman, 4),
               "seconds": round(time.perf_counter() - started, 1)}
        out["models"][model] = row
        print(f"loyalty {model}: {row}")
    return out


# ---- Hillstrom: one randomized cohort -------------------------------------------------------------


def _cohort_table(session, bq, seed: int):
    """The send-day anchor's labelled rows with a seeded random 60/20/20 split of the customers."""
    from engine.labels import training_table
    from engine.labels.schedule import AnchorSchedule

    anchor = bq.option("anchor_time")
    schedule = AnchorSchedule(train=(anchor,), prediction_time=anchor, stride="single cohort",
                              horizon="14 days")
    tt = training_table(session.con, session.db, bq, schedule=schedule)
    n = tt.table.num_rows
    order = np.random.default_rng(seed).permutation(n)
    split = np.full(n, "train", dtype=object)
    split[order[: n // 5]] = "test"
    split[order[n // 5: 2 * (n // 5)]] = "val"
    table = tt.table.set_column(tt.table.schema.get_field_index("split"), "split", pa.array(split.tolist()))
    return dataclasses.replace(tt, table=table, warnings=())


def _two_model_lightgbm(con, tt, seed: int) -> np.ndarray:
    """Uplift on the test rows from two LightGBM classifiers (treated, control) on raw customer columns."""
    import lightgbm as lgb
    import pandas as pd

    customers = con.sql("select * from customer").df().set_index("customer_id")
    for c in CUSTOMER_CATEGORIES:
        customers[c] = customers[c].astype("category")
    columns = [*CUSTOMER_FEATURES, *CUSTOMER_CATEGORIES]

    def frame(rows: pa.Table) -> pd.DataFrame:
        return customers.loc[rows.column("customer_id").to_pylist(), columns].reset_index(drop=True)

    train, test = tt.split("train"), tt.split("test")
    treated = np.array([bool(t) for t in train.column("treatment").to_pylist()])
    label = np.array(train.column("label").to_pylist(), dtype=float)
    x_train, x_test = frame(train), frame(test)
    scores = []
    for group in (treated, ~treated):
        model = lgb.LGBMClassifier(n_estimators=200, learning_rate=0.05, num_leaves=15, min_child_samples=50,
                                   subsample=0.8, subsample_freq=1, colsample_bytree=0.8, random_state=seed,
                                   n_jobs=1, verbose=-1)
        model.fit(x_train[group], label[group])
        scores.append(model.predict_proba(x_test)[:, 1])
    return scores[0] - scores[1]


def hillstrom(models: list[str], epochs: int | None, workdir: Path, seed: int = 0) -> dict:
    import pql
    from engine.evaluate import score
    from engine.run import trainer_class
    from engine.train.base import Predictions, TrainInputs
    from engine.uplift import qini_coefficient, uplift_at_k
    from examples.loaders import hillstrom as loader
    from pql.bound import TaskType

    path = workdir / "hillstrom.duckdb"
    if not path.exists():
        loader.load(path)
    out: dict = {"ate": {}, "outcomes": {}}
    with pql.connect(str(path)) as session:
        for outcome, expression in HILLSTROM_OUTCOMES.items():
            report = session.analyze_experiment("email", "campaign", expression, control=loader.CONTROL_ARM)
            rates = {a.arm: round(a.mean, 4) for a in report.analysis.arms}
            published = loader.PUBLISHED_VISIT_RATES if outcome == "visit" else PUBLISHED_CONVERSION
            out["ate"][outcome] = {"rates": rates, "published": published,
                                   "lift": {c.arm: round(c.absolute_lift, 4) for c in report.analysis.comparisons},
                                   "matches": rates == published}
            print(f"hillstrom {outcome} rates {rates} (published {published})")

            bq = session.bind(f"PREDICT {expression} FOR EACH customer.customer_id ASSUMING {HILLSTROM_TREATMENT} "
                              "WITH anchor_time = '2008-03-01'")
            tt = _cohort_table(session, bq, seed)
            test = tt.split("test")
            treated = np.array([bool(t) for t in test.column("treatment").to_pylist()], dtype=int)
            y = np.array(test.column("label").to_pylist(), dtype=float)
            rows: dict = {}
            started = time.perf_counter()
            baseline = _two_model_lightgbm(session.con, tt, seed)
            rows["two_model_lightgbm"] = {
                "qini": round(qini_coefficient(baseline, treated, y), 4),
                "uplift_at_30": round(uplift_at_k(baseline, treated, y, k=0.3), 4),
                "seconds": round(time.perf_counter() - started, 1)}
            print(f"hillstrom {outcome} two_model_lightgbm: {rows['two_model_lightgbm']}")
            for model in models:
                started = time.perf_counter()
                bq_model = dataclasses.replace(bq, options=tuple(dict(bq.options, model=model,
                                                                       **({"epochs": epochs} if epochs else {})).items()))
                inputs = TrainInputs(con=session.con, db=session.db, bq=bq_model, tt=tt, seed=seed, device="cpu",
                                     epochs=epochs, log=lambda m: None)
                try:
                    trainer = trainer_class(model)()
                    trainer.fit(inputs)
                    preds: Predictions = trainer.predict(inputs, test.select(["customer_id", "anchor_time"]))
                except Exception as e:  # keep the other models' numbers
                    rows[model] = {"error": f"{type(e).__name__}: {e}"}
                    print(f"hillstrom {outcome} {model}: FAILED {type(e).__name__}: {e}")
                    continue
                assert bq_model.task == TaskType.UPLIFT
                rows[model] = {**_pick(score(bq_model, test, preds)), "seconds": round(time.perf_counter() - started, 1)}
                print(f"hillstrom {outcome} {model}: {rows[model]}")
            out["outcomes"][outcome] = {"test_rows": test.num_rows,
                                        "test_treated_share": round(float(treated.mean()), 4), "models": rows}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="heuristic,lightgbm,gnn")
    parser.add_argument("--customers", type=int, default=3000, help="loyalty customers")
    parser.add_argument("--epochs", type=int, default=None, help="GNN epochs (default: the trainer's)")
    parser.add_argument("--skip-loyalty", action="store_true")
    parser.add_argument("--skip-hillstrom", action="store_true")
    parser.add_argument("--workdir", default=None, help="where generated databases are kept (default: a temp dir)")
    parser.add_argument("--json", default=None, help="also write the numbers to this file")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(2)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="pql-uplift-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict = {}
    if not args.skip_loyalty:
        results["loyalty"] = loyalty(models, args.customers, args.epochs, workdir)
    if not args.skip_hillstrom:
        results["hillstrom"] = hillstrom(models, args.epochs, workdir)
    print(json.dumps(results, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
