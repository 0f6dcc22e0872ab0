"""Do the GNN's test predictions hold anything LightGBM's lack? (a benchmark diagnostic, not a test)

    .venv/bin/python -m bench.blend_check [--case ltv-total-spend-12m] [--seed 0]

Runs the case's EVALUATE with LightGBM and with the GNN (bench/one_run.py's statement, retrained),
takes each model's test predictions (``RunResult.test_predictions``) and scores rank averages
``(1 - w) * rank(LightGBM) + w * rank(GNN)`` for w from 0 to 1 with the case's metric. If no blend
beats w = 0, the GNN's signal is a noisier copy of LightGBM's, and no stacking of the two would help.
Binary (AUROC) and regression (Spearman) cases.
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
    column = "probability" if "probability" in table.column_names else "prediction"
    score = np.array(table.column(column).to_pylist(), dtype=float)
    label = np.array([np.nan if v is None else float(v) for v in table.column("actual").to_pylist()])
    return score, label


def blends(case_name: str, seed: int) -> dict[float, float]:
    lgbm, label = test_scores(case_name, "lightgbm", seed)
    gnn, label_again = test_scores(case_name, "gnn", seed)
    if not np.array_equal(label, label_again, equal_nan=True):
        raise RuntimeError("the two runs scored different test rows")
    known = np.isfinite(label)
    binary = set(np.unique(label[known])) <= {0.0, 1.0}
    out = {}
    for w in WEIGHTS:
        blend = ((1 - w) * rankdata(lgbm) + w * rankdata(gnn))[known]
        out[w] = float(roc_auc_score(label[known], blend) if binary else spearmanr(blend, label[known]).statistic)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="ltv-total-spend-12m", choices=sorted(CASES))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(f"{args.case}, seed {args.seed}: test metric of rank(LightGBM) * (1 - w) + rank(GNN) * w")
    for w, value in blends(args.case, args.seed).items():
        print(f"  w = {w:.2f}   {value:.4f}")


if __name__ == "__main__":
    main()
