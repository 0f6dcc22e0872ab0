"""Uplift end to end (a benchmark, not a test): Qini / AUUC / uplift@k per model, correlation with the
true uplift where it is known, and the Hillstrom experiment against a plain two-model LightGBM.

    .venv/bin/python -m bench.uplift_bench [--models heuristic,lightgbm,gnn] [--customers 3000]
                                           [--skip-loyalty] [--skip-hillstrom] [--epochs N] [--seed 0]
                                           [--per-arm] [--hillstrom-db FILE] [--json FILE]

Loyalty (examples/generators/loyalty.py, true uplift in ``truth.customer_uplift``): the seed query
``PREDICT incremental_purchase FOR customer USING customer, reward, tier, purchase, promotion`` runs
as EVALUATE (test Qini, AUUC, uplift@k on the held-out randomized anchors) and as PREDICT (the uplift
at the prediction anchor, correlated with the truth).

Hillstrom (examples/loaders/hillstrom.py): one randomized cohort. pql trains the queries of
examples/hillstrom.pql itself (``split = 'random'``: the send-day anchor, customers split 80/10/10 at
random, seeded, stratified by arm and outcome) for the visit and the conversion outcome, the arms
pooled ("any e-mail") and, with ``--per-arm``, each arm against no e-mail; ``Session.evaluate`` gives
each model's test metrics. The baseline is a plain two-model (T-learner) LightGBM on the raw customer
columns, trained and scored on the same split, read from pql's training table. The average treatment
effect (difference in means) comes from `Session.analyze_experiment`, next to the published one.
Models are saved under ``bench/results/pql-home`` unless ``PQL_HOME`` is set, and always retrained;
the numbers go to ``bench/results/uplift_bench-seed<seed>.json`` unless ``--json`` says otherwise.
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

from pql import ast

SEED_QUERY = "PREDICT incremental_purchase FOR customer USING customer, reward, tier, purchase, promotion"
HILLSTROM_OUTCOMES = {"visit": "COUNT(visit.*, 0, 14, days) > 0", "conversion": "COUNT(conversion.*, 0, 14, days) > 0"}
HILLSTROM_SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "hillstrom.pql"
RESULTS = Path(__file__).resolve().parent / "results"
PUBLISHED_CONVERSION = {"Mens E-Mail": 0.0125, "Womens E-Mail": 0.0088, "No E-Mail": 0.0057}
CUSTOMER_FEATURES = ("recency", "history", "mens", "womens", "newbie")
CUSTOMER_CATEGORIES = ("history_segment", "zip_code", "channel")


def _with(query: str, model: str, epochs: int | None) -> str:
    options = [f"model = '{model}'"] + ([f"epochs = {epochs}"] if epochs and model == "gnn" else [])
    return f"{query} WITH {', '.join(options)}"


def _test_metrics(table: pa.Table) -> dict[str, float]:
    return {r["metric"]: r["value"] for r in table.to_pylist() if r["split"] == "test"}


UPLIFT_METRICS = ("qini", "auuc", "uplift_at_10", "uplift_at_20", "uplift_at_30", "outcome_auroc")


def _pick(metrics: dict[str, float]) -> dict[str, float]:
    """The uplift metrics, per-arm ones (``qini_Mens E-Mail``) included."""
    return {k: round(float(v), 4) for k, v in metrics.items() if any(k == m or k.startswith(f"{m}_") for m in UPLIFT_METRICS)}


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


# ---- Hillstrom: one randomized cohort, trained by pql ---------------------------------------------


def hillstrom_queries(per_arm: bool) -> dict[tuple[str, str], ast.PredictStatement]:
    """(outcome, treatment) -> statement, from examples/hillstrom.pql: its pooled "any e-mail" query
    (statement 1) and its per-arm query (statement 3), the visit target swapped for each outcome."""
    from pql.parser import parse

    statements = [s for s in parse(HILLSTROM_SCRIPT.read_text(encoding="utf-8")) if isinstance(s, ast.PredictStatement)]
    pooled, arms = statements[0], statements[2]
    assert not isinstance(pooled.assuming, ast.InList) and isinstance(arms.assuming, ast.InList), \
        "examples/hillstrom.pql: statement 1 must be the pooled query, statement 3 the per-arm one"
    out = {}
    for outcome, target in HILLSTROM_OUTCOMES.items():
        (parsed,) = parse(f"PREDICT {target} FOR EACH customer.customer_id")
        for treatment, stmt in (("any e-mail", pooled), *((("per arm", arms),) if per_arm else ())):
            out[(outcome, treatment)] = dataclasses.replace(stmt, target=parsed.target)
    return out


def _with_options(stmt: ast.PredictStatement, **options) -> str:
    def literal(v):
        return ast.Literal(value=v, kind="boolean" if isinstance(v, bool) else
                           "number" if isinstance(v, (int, float)) else "string")

    extra = tuple(ast.Option(name=k, value=literal(v)) for k, v in options.items() if v is not None)
    return str(dataclasses.replace(stmt, options=(*stmt.options, *extra)))


def _two_model_lightgbm(con, bq, tt, seed: int):
    """A plain T-learner on pql's own split: one LightGBM classifier per arm (control included) on the
    raw customer columns, scored on the test rows as `engine.train.base.Predictions`."""
    import lightgbm as lgb
    import pandas as pd

    from engine.evaluate import treatment_index
    from engine.train.base import Predictions

    customers = con.sql("select * from customer").df().set_index("customer_id")
    for c in CUSTOMER_CATEGORIES:
        customers[c] = customers[c].astype("category")
    columns = [*CUSTOMER_FEATURES, *CUSTOMER_CATEGORIES]

    def frame(rows: pa.Table) -> pd.DataFrame:
        return customers.loc[rows.column("customer_id").to_pylist(), columns].reset_index(drop=True)

    classes = ("control", *(bq.treatment_arms or ("treated",)))
    train, test = tt.split("train"), tt.split("test")
    arm = treatment_index(train, classes)
    label = np.array(train.column("label").to_pylist(), dtype=float)
    x_train, x_test = frame(train), frame(test)
    scores = np.zeros((test.num_rows, len(classes)))
    for j in range(len(classes)):
        model = lgb.LGBMClassifier(n_estimators=200, learning_rate=0.05, num_leaves=15, min_child_samples=50,
                                   subsample=0.8, subsample_freq=1, colsample_bytree=0.8, random_state=seed,
                                   n_jobs=1, verbose=-1)
        model.fit(x_train[arm == j], label[arm == j])
        scores[:, j] = model.predict_proba(x_test)[:, 1]
    return Predictions(task=bq.task, scores=scores, classes=classes)


def _split_of(tt) -> dict:
    return dict(zip(tt.table.column("customer_id").to_pylist(), tt.table.column("split").to_pylist()))


def hillstrom(models: list[str], epochs: int | None, workdir: Path, seed: int = 0, *, per_arm: bool = False,
              db_path: str | None = None) -> dict:
    import pql
    from engine.evaluate import score
    from examples.loaders import hillstrom as loader

    path = Path(db_path) if db_path else workdir / "hillstrom.duckdb"
    if not path.exists():
        loader.load(path)
    out: dict = {"ate": {}, "queries": {}}
    with pql.connect(str(path)) as session:
        for outcome, expression in HILLSTROM_OUTCOMES.items():
            report = session.analyze_experiment("email", "campaign", expression, control=loader.CONTROL_ARM)
            rates = {a.arm: round(a.mean, 4) for a in report.analysis.arms}
            published = loader.PUBLISHED_VISIT_RATES if outcome == "visit" else PUBLISHED_CONVERSION
            out["ate"][outcome] = {"rates": rates, "published": published,
                                   "lift": {c.arm: round(c.absolute_lift, 4) for c in report.analysis.comparisons},
                                   "matches": rates == published}
            print(f"hillstrom {outcome} rates {rates} (published {published})")

        for (outcome, treatment), stmt in hillstrom_queries(per_arm).items():
            texts = {m: _with_options(stmt, model=m, seed=seed, retrain=True,
                                      epochs=epochs if m == "gnn" else None) for m in models}
            tt = session.training_table(texts[models[0]] if models else str(stmt))
            bq = session.bind(str(stmt))
            test = tt.split("test")
            entry: dict = {"query": str(stmt), "schedule": tt.schedule.summary().splitlines()[:2],
                           "rows": tt.counts(), "models": {},
                           "same_split": all(_split_of(session.training_table(t)) == _split_of(tt)
                                             for t in list(texts.values())[1:])}
            started = time.perf_counter()
            baseline = score(bq, test, _two_model_lightgbm(session.con, bq, tt, seed))
            entry["models"]["two_model_lightgbm"] = {**_pick(baseline), "seconds": round(time.perf_counter() - started, 1)}
            for model, text in texts.items():
                started = time.perf_counter()
                try:
                    metrics = _test_metrics(session.evaluate(text))
                except Exception as e:  # a trainer under construction must not stop the other models' numbers
                    entry["models"][model] = {"error": f"{type(e).__name__}: {e}"}
                    print(f"hillstrom {outcome} / {treatment} {model}: FAILED {type(e).__name__}: {e}")
                    continue
                entry["models"][model] = {**_pick(metrics), "seconds": round(time.perf_counter() - started, 1)}
            out["queries"][f"{outcome} / {treatment}"] = entry
            print(_hillstrom_table(f"{outcome} / {treatment}", entry))
    return out


def _hillstrom_table(name: str, entry: dict) -> str:
    """One query's test metrics, a row per model; per-arm runs add each arm's Qini (the JSON has all)."""
    present = {k for m in entry["models"].values() for k in m}
    columns = [k for k in UPLIFT_METRICS if k in present] + sorted(k for k in present if k.startswith("qini_"))
    widths = [max(13, len(c) + 2) for c in columns]
    head = f"hillstrom {name}: test rows {entry['rows']['test']:,}, same split for every model: {entry['same_split']}"
    lines = [head, f"  {'model':<20}" + "".join(f"{c:>{w}}" for c, w in zip(columns, widths)) + f"{'seconds':>9}"]
    for model, m in entry["models"].items():
        if "error" in m:
            lines.append(f"  {model:<20}{m['error']}")
            continue
        cells = "".join(f"{m[c]:>{w}.4f}" if c in m else f"{'-':>{w}}" for c, w in zip(columns, widths))
        lines.append(f"  {model:<20}{cells}{m['seconds']:>9.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="heuristic,lightgbm,gnn")
    parser.add_argument("--customers", type=int, default=3000, help="loyalty customers")
    parser.add_argument("--epochs", type=int, default=None, help="GNN epochs (default: the trainer's)")
    parser.add_argument("--skip-loyalty", action="store_true")
    parser.add_argument("--skip-hillstrom", action="store_true")
    parser.add_argument("--workdir", default=None, help="where generated databases are kept (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-arm", action="store_true", help="Hillstrom: also each arm against no e-mail")
    parser.add_argument("--hillstrom-db", default=None, help="a Hillstrom database already built by the loader")
    parser.add_argument("--json", default=None, help="where to write the numbers "
                        "(default: bench/results/uplift_bench-seed<seed>.json)")
    args = parser.parse_args()

    import os

    import torch

    os.environ.setdefault("PQL_HOME", str(RESULTS / "pql-home"))

    torch.set_num_threads(2)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="pql-uplift-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict = {}
    if not args.skip_loyalty:
        results["loyalty"] = loyalty(models, args.customers, args.epochs, workdir)
    if not args.skip_hillstrom:
        results["hillstrom"] = hillstrom(models, args.epochs, workdir, args.seed, per_arm=args.per_arm,
                                         db_path=args.hillstrom_db)
    out = Path(args.json) if args.json else RESULTS / f"uplift_bench-seed{args.seed}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
