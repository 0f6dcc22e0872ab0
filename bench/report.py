"""Aggregate benchmark runs over seeds and print them as a table next to the heuristic and published numbers."""
from __future__ import annotations

import math
import statistics
from typing import Any

from bench.cases import Case

BASELINE = "heuristic"


def _mean_std(values: list[float]) -> tuple[float | None, float | None]:
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return None, None
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def summarise(cases: list[Case], models: list[str], runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (case, model): the metric's mean ± std over seeds, times, peak memory, errors."""
    rows = []
    for case in cases:
        for model in models:
            mine = [r for r in runs if r["case"] == case.name and r["model"] == model]
            ok = [r for r in mine if "error" not in r]
            row: dict[str, Any] = {"case": case.name, "model": model, "metric": case.metric, "seeds": len(ok),
                                   "errors": [r["error"] for r in mine if "error" in r]}
            for name in (case.metric, *case.extra_metrics):
                mean, std = _mean_std([r["test"].get(name) for r in ok])
                row[name] = {"mean": mean, "std": std}
            for timing in ("train_s", "predict_s", "labels_s", "total_s"):
                row[timing] = _mean_std([r[timing] for r in ok])[0]
            row["peak_rss_mib"] = max((r["peak_rss_mib"] for r in mine), default=None)
            rows.append(row)
    return rows


def _fmt(cell: dict[str, Any] | None, digits: int = 4) -> str:
    if not cell or cell.get("mean") is None:
        return "—"
    if cell.get("std"):
        return f"{cell['mean']:.{digits}f} ± {cell['std']:.{digits}f}"
    return f"{cell['mean']:.{digits}f}"


def _num(v: float | None, spec: str) -> str:
    return "—" if v is None else format(v, spec)


def render(cases: list[Case], summary: list[dict[str, Any]]) -> Any:
    """A rich Table: per case and model the test metric, the heuristic's on the same case, train and
    predict seconds, peak RSS; published results (RelBench) as extra rows under their case."""
    from rich.table import Table

    table = Table(title="pql benchmark (test split, mean ± std over seeds)", show_lines=False)
    for col, justify in (("case", "left"), ("metric", "left"), ("model", "left"), ("value", "right"),
                         ("heuristic", "right"), ("others", "left"), ("train s", "right"), ("predict s", "right"),
                         ("peak RSS MiB", "right")):
        table.add_column(col, justify=justify)
    for case in cases:
        rows = [r for r in summary if r["case"] == case.name]
        baseline = next((r for r in rows if r["model"] == BASELINE), None)
        for i, row in enumerate(rows):
            others = ", ".join(f"{m} {_fmt(row[m], 3)}" for m in case.extra_metrics)
            if row["errors"]:
                failed = f"[red]{len(row['errors'])} failed: {row['errors'][0][:60]}[/]"
                others = f"{others}; {failed}" if others else failed
            table.add_row(case.name if i == 0 else "", case.metric if i == 0 else "", row["model"],
                          _fmt(row[case.metric]), _fmt(baseline[case.metric]) if baseline else "—", others,
                          _num(row["train_s"], ".1f"), _num(row["predict_s"], ".1f"), _num(row["peak_rss_mib"], ".0f"))
        for label, value in case.published.items():
            table.add_row("", "", f"[dim]{label} (published)[/]", f"[dim]{value:.4f}[/]", "", "", "", "", "")
        table.add_section()
    return table
