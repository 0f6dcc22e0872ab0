"""Do the GNN's test predictions hold anything LightGBM's lack? (a benchmark diagnostic, not a test)

    .venv/bin/python -m bench.blend_check [--case ltv-total-spend-12m] [--seed 0] [--bag-seeds 0,1,2,3,4]

Runs the case's EVALUATE with LightGBM and with the GNN (bench/one_run.py's statement, retrained),
takes each model's test predictions (``RunResult.test_predictions``) and scores rank averages
``(1 - w) * rank(LightGBM) + w * rank(GNN)`` for w from 0 to 1 with the case's metric. If no blend
beats w = 0, the GNN's signal is a noisier copy of LightGBM's, and no stacking of the two would help.
With ``--bag-seeds`` it scores instead the GNN's rank average over the first 1, 2, … of those seeds
(a bag of GNNs): how much of the gap is one model's variance. Binary (AUROC) and regression
(Spearman) cases.
"""
from __future__ import annotations

import argparse

import numpy as np
from scipy.stats import rankdata, spearmanr
from sklearn.metrics import roc_auc_score

from bench.cases import CASES, database_path
from bench.one_run import evaluate_statement

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


def test_scores(case_name: str, model: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(predicted score, label) of the case's test rows for one model family."""
    import pql

    case = CASES[case_name]
    statement = evaluate_statement(case.query, model=model, seed=seed, extra=case.options)
    with pql.connect(str(database_path(case.database)), log=lambda message: None) as session:
        (result,) = session.run(statement)
    table = result.run.test_predictions
    keys = table.column_names[: table.column_names.index("anchor_time") + 1]  # the entity key, then anchor_time
    table = table.sort_by([(name, "ascending") for name in keys])
    column = "probability" if "probability" in table.column_names else "prediction"
    score = np.array(table.column(column).to_pylist(), dtype=float)
    label = np.array([np.nan if v is None else float(v) for v in table.column("actual").to_pylist()])
    return score, label


def blends(case_name: str, seed: int) -> dict[float, float]:
    lgbm, label = test_scores(case_name, "lightgbm", seed)
    gnn, label_again = test_scores(case_name, "gnn", seed)
    _same_rows(label, label_again)
    return {w: _metric((1 - w) * rankdata(lgbm) + w * rankdata(gnn), label) for w in WEIGHTS}


def _same_rows(label: np.ndarray, other: np.ndarray) -> None:
    # labels are sums in DuckDB, whose order (and so their last bits) can vary between runs
    if label.shape != other.shape or not np.allclose(label, other, equal_nan=True):
        raise RuntimeError("the runs scored different test rows")


def _metric(score: np.ndarray, label: np.ndarray) -> float:
    known = np.isfinite(label)
    if set(np.unique(label[known])) <= {0.0, 1.0}:
        return float(roc_auc_score(label[known], score[known]))
    return float(spearmanr(score[known], label[known]).statistic)


def bags(case_name: str, seeds: list[int], model: str = "gnn") -> dict[int, float]:
    """Test metric of the mean rank of ``model``'s predictions over the first k seeds, per k."""
    runs = [test_scores(case_name, model, seed) for seed in seeds]
    label = runs[0][1]
    for _, other in runs[1:]:
        _same_rows(label, other)
    ranks = [rankdata(score) for score, _ in runs]
    return {k: _metric(np.mean(ranks[:k], axis=0), label) for k in range(1, len(runs) + 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="ltv-total-spend-12m", choices=sorted(CASES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bag-seeds", default="", help="comma-separated seeds: score a bag of GNNs instead")
    args = parser.parse_args(argv)
    if args.bag_seeds:
        seeds = [int(s) for s in args.bag_seeds.split(",") if s.strip()]
        print(f"{args.case}: test metric of the GNN's mean rank over the first k of seeds {args.bag_seeds}")
        for k, value in bags(args.case, seeds).items():
            print(f"  k = {k}   {value:.4f}")
        return
    print(f"{args.case}, seed {args.seed}: test metric of rank(LightGBM) * (1 - w) + rank(GNN) * w")
    for w, value in blends(args.case, args.seed).items():
        print(f"  w = {w:.2f}   {value:.4f}")


if __name__ == "__main__":
    main()
