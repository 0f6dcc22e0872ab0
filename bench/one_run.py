"""One benchmark run in a fresh process: ``python -m bench.one_run '<json spec>'`` prints one JSON line.

Spec: ``{"case": name, "model": family, "seed": n, "database": path, "with": "extra options"}``.
A process of its own per run makes the peak RSS belong to that run alone — the interpreter, libraries,
the DuckDB file, the training table and the model — and keeps one model's memory from leaking into the
next measurement. Peak RSS is ``VmHWM`` from ``/proc/self/status`` (the high-water mark of this
process's own memory map); ``getrusage``'s ``ru_maxrss`` is not used where VmHWM exists because Linux
carries it over from the parent across fork and exec.

Times come from the run's own progress messages (`engine.run` logs "training <family> …" before the fit
and "<family>: validation …" after it):

    labels_s   start -> fit: training table and the registry fingerprint (a hash scan of the tables)
    train_s    the fit, validation scoring included, and the refit on train + validation
    predict_s  fit -> end: the decision threshold (validation predictions), saving the model, test
               predictions and metrics
"""
from __future__ import annotations

import json
import math
import re
import resource
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bench.cases import CASES


def evaluate_statement(query: str, *, model: str, seed: int, extra: str = "") -> str:
    """``EVALUATE <query> WITH …, model = '<model>', seed = <seed>, retrain = true`` (options appended to
    the query's own WITH clause, which is the statement's last clause in every case)."""
    return _evaluate(query, f"model = '{model}', seed = {int(seed)}", extra)  # model names come from TRAINERS


def case_extra(case: Any, extra: str = "") -> str:
    """The options a run adds after model / seed / retrain: the case's own, then the runner's ``--with``."""
    return ", ".join(x for x in (case.options, extra) if x)


def listed_statement(case: Any, extra: str = "") -> str:
    """The statement every run of ``case`` executes, with ``<model>`` and ``<seed>`` standing for the run's
    (what ``python -m bench.run --list`` prints: the case's options, e.g. ``refit = false``, included)."""
    return _evaluate(" ".join(case.query.split()), "model = <model>, seed = <seed>", case_extra(case, extra))


def _evaluate(query: str, model_seed: str, extra: str) -> str:
    from pql.parser import parse

    (statement,) = parse(query)
    options = f"{model_seed}, retrain = true"
    if extra:
        options += f", {extra}"
    return f"EVALUATE {query.strip()}{', ' if statement.options else ' WITH '}{options}"


def _clean(metrics: dict[str, float]) -> dict[str, float | None]:
    """JSON has no NaN: undefined metrics become null."""
    return {k: None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
            for k, v in metrics.items()}


EPOCH = re.compile(r"^gnn epoch \d+/\d+: .*· ([0-9.]+)s$")  # engine/train/gnn/loop.py's line per epoch


def epoch_seconds(lines: list[str]) -> list[float]:
    """Seconds of each epoch (training and its validation scoring), from the GNN's progress messages."""
    return [float(m.group(1)) for m in map(EPOCH.match, lines) if m]


class _Clock:
    """Timestamps of the run's progress messages, the GNN's device and its epochs' seconds."""

    def __init__(self) -> None:
        self.marks: dict[str, float] = {}
        self.device: str | None = None  # from the GNN trainer's "…, device cuda" line; None for other families
        self.epochs_s: list[float] = []

    def __call__(self, message: str) -> None:
        now = time.perf_counter()
        if message.startswith("gnn: ") and ", device " in message:
            self.device = message.rsplit(", device ", 1)[1].split()[0]
        self.epochs_s += epoch_seconds([message])
        if message.startswith("training "):
            self.marks.setdefault("fit_start", now)
        elif ": validation " in message or ": refit " in message:  # the refit, when there is one, is training
            self.marks["fit_end"] = now


def peak_rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run_one(spec: dict[str, Any]) -> dict[str, Any]:
    import pql

    case = CASES[spec["case"]]
    out: dict[str, Any] = {"case": case.name, "model": spec["model"], "seed": spec["seed"]}
    statement = evaluate_statement(case.query, model=spec["model"], seed=spec["seed"],
                                   extra=case_extra(case, spec.get("with", "")))
    out["statement"] = statement
    clock = _Clock()
    with pql.connect(spec["database"], log=clock) as session:
        start = time.perf_counter()
        (result,) = session.run(statement)
        end = time.perf_counter()
    fit_start, fit_end = clock.marks.get("fit_start", start), clock.marks.get("fit_end", end)
    out.update(labels_s=fit_start - start, train_s=fit_end - fit_start, predict_s=end - fit_end, total_s=end - start)
    run = result.run
    out["rows"] = run.training.counts() if run.training is not None else None
    out["test"] = _clean(run.metrics.get("test", {}))
    out["val"] = _clean(run.metrics.get("val", {}))
    out["chosen"] = run.chosen
    out["device"] = clock.device or "cpu"
    out["epochs_s"] = clock.epochs_s
    return out


def main(argv: list[str] | None = None) -> int:
    spec = json.loads((argv or sys.argv[1:])[0])
    try:
        out = run_one(spec)
    except Exception as e:  # reported, not raised: one failing run must not stop the benchmark
        out = {"case": spec.get("case"), "model": spec.get("model"), "seed": spec.get("seed"),
               "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc(limit=8)}
    out["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
