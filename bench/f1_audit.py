"""An independent check of the rel-f1 classification numbers (a benchmark, not a test).

    .venv/bin/python -m bench.f1_audit

pql's heuristic and models score far above RelBench's published test numbers on driver-dnf,
driver-top3 and driver-position. That is either a leak in pql or weak published baselines. This script decides it without
pql's feature, label or model code: it takes the test rows (driver, anchor) from pql's training table
(tested row by row against RelBench's SQL in tests/labels/test_relbench_f1.py), recomputes every label
from the raw Ergast CSVs with pandas (RelBench's timing: results at the race's start, qualifying one day
before), and scores each row with a few one-line rules that read only rows at or before the anchor:

    last window      the same condition over the 30 days before the anchor (0 without a row there)
    best position    the driver's best qualifying position over the year before the anchor
    top-3 rate       the share of the driver's qualifying sessions in that year in the top 3
    finish rate      the share of the driver's races in that year with statusId 1 (Finished)
    past mean        driver-position: the driver's mean finishing position over that year (MAE)

If such rules, computed apart from pql, reach pql's numbers, a leak in pql is not needed to explain the
gap to the published ones (the leakage tests, tests/features/test_no_future.py and
tests/labels/test_no_leakage.py, check pql's own code).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error, roc_auc_score

from bench.cases import CASES, ROOT, database_path

DATA = ROOT.parent / "shared" / "data" / "f1"
YEAR, WINDOW = pd.Timedelta(days=365), pd.Timedelta(days=30)


def raw_events() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(results, qualifying) with RelBench's times: race date + start time; qualifying one day earlier."""
    races = pd.read_csv(DATA / "races.csv", na_values="\\N")
    races["t"] = pd.to_datetime(races["date"] + " " + races["time"].fillna("00:00:00"))
    results = pd.read_csv(DATA / "results.csv", na_values="\\N").merge(races[["raceId", "t"]], on="raceId")
    qualifying = pd.read_csv(DATA / "qualifying.csv", na_values="\\N").merge(races[["raceId", "t"]], on="raceId")
    qualifying["t"] = qualifying["t"] - pd.Timedelta(days=1)
    return results, qualifying


def test_rows(case: str) -> pd.DataFrame:
    import pql

    with pql.connect(str(database_path(CASES[case].database)), log=lambda _: None) as session:
        rows = session.train_table(CASES[case].query).to_pandas()
    rows = rows[rows["split"] == "test"].rename(columns={"anchor_time": "anchor"})
    rows["anchor"] = pd.to_datetime(rows["anchor"]).dt.tz_localize(None)
    return rows[["driverId", "anchor", "label"]].reset_index(drop=True)


def _between(events: pd.DataFrame, driver: int, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    """The driver's rows with ``lo < t <= hi``."""
    mine = events[events["driverId"] == driver]
    return mine[(mine["t"] > lo) & (mine["t"] <= hi)]


def audit_top3(rows: pd.DataFrame, qualifying: pd.DataFrame) -> dict[str, float]:
    labels, persistence, best, rate = [], [], [], []
    for driver, anchor in zip(rows["driverId"], rows["anchor"]):
        ahead = _between(qualifying, driver, anchor, anchor + WINDOW)
        labels.append(int(ahead["position"].min() <= 3))
        recent = _between(qualifying, driver, anchor - WINDOW, anchor)
        persistence.append(float(recent["position"].min() <= 3) if len(recent) else 0.0)
        year = _between(qualifying, driver, anchor - YEAR, anchor)
        best.append(-float(year["position"].min()) if len(year) else -99.0)
        rate.append(float((year["position"] <= 3).mean()) if len(year) else 0.0)
    return _report(rows, labels, {"last window": persistence, "best position": best, "top-3 rate": rate})


def audit_dnf(rows: pd.DataFrame, results: pd.DataFrame) -> dict[str, float]:
    labels, persistence, rate = [], [], []
    for driver, anchor in zip(rows["driverId"], rows["anchor"]):
        ahead = _between(results, driver, anchor, anchor + WINDOW)
        labels.append(int(ahead["statusId"].max() == 1))
        recent = _between(results, driver, anchor - WINDOW, anchor)
        persistence.append(float(recent["statusId"].max() == 1) if len(recent) else 0.0)
        year = _between(results, driver, anchor - YEAR, anchor)
        rate.append(float((year["statusId"] == 1).mean()) if len(year) else 0.0)
    return _report(rows, labels, {"last window": persistence, "finish rate": rate})


def audit_position(rows: pd.DataFrame, results: pd.DataFrame) -> dict[str, float]:
    labels, mean = [], []
    for driver, anchor in zip(rows["driverId"], rows["anchor"]):
        labels.append(float(_between(results, driver, anchor, anchor + 2 * WINDOW)["positionOrder"].mean()))
        year = _between(results, driver, anchor - YEAR, anchor)
        mean.append(float(year["positionOrder"].mean()) if len(year) else np.nan)
    y, past = np.asarray(labels), np.asarray(mean)
    fallback = float(np.nanmean(past))  # drivers without a race in the year: the mean of those with one
    return {"rows": float(len(y)), "labels differing from pql": float(
                (~np.isclose(y, rows["label"].astype(float).to_numpy())).sum()),
            "past mean (MAE)": float(mean_absolute_error(y, np.where(np.isnan(past), fallback, past)))}


def _report(rows: pd.DataFrame, labels: list[int], scores: dict[str, list[float]]) -> dict[str, float]:
    y = np.asarray(labels)
    mismatched = int((y != rows["label"].astype(int).to_numpy()).sum())
    out = {"rows": float(len(y)), "positive rate": float(y.mean()), "labels differing from pql": float(mismatched)}
    out.update({name: float(roc_auc_score(y, s)) for name, s in scores.items()})
    return out


def main() -> None:
    import argparse

    argparse.ArgumentParser(description="Recompute the rel-f1 test labels from the raw Ergast CSVs and score "
                                        "them with one-line rules (no options).").parse_args()
    if not DATA.exists():
        raise SystemExit(f"the Ergast CSVs are not at {DATA}")
    results, qualifying = raw_events()
    for case, audit, events in (("f1-driver-top3", audit_top3, qualifying), ("f1-driver-dnf", audit_dnf, results),
                                ("f1-driver-position", audit_position, results)):
        found = audit(test_rows(case), events)
        published = ", ".join(f"{k} {v:.4f}" for k, v in CASES[case].published.items())
        print(f"{case} (test; published: {published})")
        for name, value in found.items():
            print(f"  {name:<26} {value:.4f}" if value % 1 else f"  {name:<26} {int(value)}")


if __name__ == "__main__":
    main()
