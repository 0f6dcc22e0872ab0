"""``python -m bench.run``: run (database, query) cases with each model and report test metrics.

    .venv/bin/python -m bench.run [--cases NAME,...] [--models heuristic,lightgbm,gnn] [--seeds 0,1,2]
                                  [--with "epochs = 5"] [--out bench/results/x.json] [--list]

Each case × model × seed runs ``EVALUATE <query> WITH model = '<m>', seed = s, retrain = true, <the case's
options, e.g. refit = false>, <--with>`` (``--list`` prints each case's statement) through
``pql.connect`` in a fresh Python process (bench/one_run.py), which measures

    train s      the trainer's fit, validation scoring included
    predict s    the rest of the EVALUATE after the fit: threshold, saving, test predictions, metrics
    peak RSS     the process's peak resident memory (VmHWM), interpreter and libraries included

then prints one table (mean ± std over seeds, next to the heuristic baseline and, for rel-f1,
RelBench's published test results) and writes every run and the summary as JSON. Databases are built
once into the cache (bench/cases.py) and reused; models are saved under ``bench/results/pql-home``
unless ``PQL_HOME`` is set.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.cases import CASES, DATABASES, DEFAULT_CASES, ROOT, cache_dir, database_path
from bench.report import render, summarise

DEFAULT_MODELS = ("heuristic", "lightgbm", "gnn")


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(DEFAULT_CASES),
                        help="comma-separated case names (default: all but the scale cases; --list shows them)")
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS), help="comma-separated model families")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (default: 0)")
    parser.add_argument("--with", dest="extra", default="", help="extra WITH options, e.g. \"epochs = 5\"")
    parser.add_argument("--out", type=Path, default=None, help="JSON output (default: bench/results/bench-<time>.json)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds one run may take")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    unknown = [c for c in _list(args.cases) if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    from engine.run import TRAINERS

    bad = [m for m in _list(args.models) if m not in TRAINERS]
    if bad:
        parser.error(f"unknown model(s) {', '.join(bad)}; known: {', '.join(TRAINERS)}")
    try:
        args.seed_list = [int(s) for s in _list(args.seeds)]
    except ValueError:
        parser.error("--seeds must be comma-separated integers")
    return args


def run_in_process(spec: dict, timeout: float) -> dict:
    """One `bench.one_run` in a fresh Python process: its JSON result, or the spec with an "error"."""
    env = {**os.environ, "PQL_HOME": os.environ.get("PQL_HOME") or str(ROOT / "bench" / "results" / "pql-home")}
    try:
        done = subprocess.run([sys.executable, "-m", "bench.one_run", json.dumps(spec)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {**spec, "error": f"timed out after {timeout:g}s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {**spec, "error": f"exit {done.returncode}: {done.stderr.strip().splitlines()[-1:] or ''}"}
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console

    args = parse_args(argv)
    console = Console()
    if not console.is_terminal:  # a log file or pipe: do not squeeze the table into 80 columns
        console = Console(width=170)
    if args.list:
        from rich.markup import escape

        from bench.one_run import listed_statement

        console.print("[dim]each run executes the statement shown, <model> and <seed> being the run's "
                      "(model = '<name>', seed = <n>)[/]", highlight=False)
        for case in CASES.values():
            note = "" if case.default else " [dim](scale; run by name)[/]"
            console.print(f"[bold]{case.name}[/] ({case.database}, {case.metric}){note}: "
                          f"{escape(listed_statement(case, args.extra))}", highlight=False, soft_wrap=True)
        return 0
    cases = [CASES[c] for c in _list(args.cases)]
    models = _list(args.models)
    paths = {name: str(database_path(name, log=console.print)) for name in dict.fromkeys(c.database for c in cases)}
    runs = []
    for case in cases:
        for model in models:
            for seed in args.seed_list:
                spec = {"case": case.name, "model": model, "seed": seed, "database": paths[case.database],
                        "with": args.extra}
                started = time.perf_counter()
                result = run_in_process(spec, args.timeout)
                value = result.get("test", {}).get(case.metric) if "error" not in result else None
                status = result["error"] if "error" in result else f"{case.metric} {value}"
                console.print(f"{case.name} · {model} · seed {seed}: {status} ({time.perf_counter() - started:.1f}s)")
                runs.append(result)
    summary = summarise(cases, models, runs)
    console.print(render(cases, summary))
    out = args.out or ROOT / "bench" / "results" / f"bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "created": datetime.now().isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()},
        "memory_measure": "peak RSS (VmHWM) of a fresh process per run, interpreter and libraries included",
        "args": {"cases": [c.name for c in cases], "models": models, "seeds": args.seed_list, "with": args.extra},
        "cases": {c.name: {"database": c.database, "source": DATABASES[c.database].source, "query": c.query,
                           "metric": c.metric, "published": c.published} for c in cases},
        "summary": summary,
        "runs": runs,
        "cache": str(cache_dir()),
    }
    out.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    console.print(f"wrote {out}")
    return 0 if all("error" not in r for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
