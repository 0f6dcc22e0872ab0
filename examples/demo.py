"""``make demo`` / ``python -m examples.demo``: the three seed queries, verbatim, on generated databases.

For each query it prints what the named target expands to, trains (or reuses) a model through the
Session API (``pql.connect(db).run(query)``), and shows the summary line and the first predictions.
Databases and models are cached under ``.pql-demo/`` (``rm -rf .pql-demo`` starts over), so a second
run only predicts.

    python -m examples.demo [--customers N] [--model NAME] [--rows K] [--cache DIR]
    python -m examples.demo --parse-only     # parse every examples/*.pql and print the syntax trees
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

from examples.demo_data import DEFAULT_CACHE, DEFAULT_CUSTOMERS, SEED_CASES, DemoCase, database_path

EXAMPLES = Path(__file__).resolve().parent


def parse_only() -> int:
    """Parse every ``examples/*.pql`` script and print what pql understood; non-zero if one fails."""
    from pql.errors import PQLError
    from pql.explainer import explain_statement
    from pql.parser import parse

    failures = 0
    for path in sorted(EXAMPLES.glob("*.pql")):
        try:
            statements = parse(path.read_text(encoding="utf-8"))
        except PQLError as e:
            failures += 1
            print(f"== {path.name}: error\n{e}\n", file=sys.stderr)
            continue
        print(f"== {path.name}: {len(statements)} statement(s)\n")
        for statement in statements:
            print(explain_statement(statement), end="\n\n")
    return 1 if failures else 0


def available_families() -> list[str]:
    """Model families whose trainer module is installed in this checkout."""
    from engine.run import TRAINERS

    return [family for family, (module, _) in TRAINERS.items() if importlib.util.find_spec(module) is not None]


def choose_model(requested: str | None, console) -> str | None:
    """None runs the queries verbatim (``model = 'auto'``); otherwise the family to ask for by WITH."""
    if requested is not None:
        return requested
    from engine.run import AUTO_FAMILIES

    have = available_families()
    missing = [f for f in AUTO_FAMILIES if f not in have]
    if not missing:
        return None
    fallback = next(f for f in (*AUTO_FAMILIES, "heuristic") if f in have)
    console.print(f"note: model 'auto' trains {' and '.join(AUTO_FAMILIES)}, but this checkout has no "
                  f"{' or '.join(missing)} trainer yet; the queries run WITH model = '{fallback}'.",
                  style="yellow", markup=False, highlight=False)
    return fallback


def run_case(case: DemoCase, db: Path, *, model: str | None, rows: int, console) -> bool:
    """Explain, run and show one seed query; False (after saying why) if it could not run."""
    import pql
    from pql.display import rich_table
    from pql.errors import PQLError

    query = case.query if model is None else f"{case.query} WITH model = '{model}'"
    console.rule(case.database)
    console.print(query, style="bold", markup=False, highlight=False, soft_wrap=True)
    console.print(f"asks: {case.asks}", markup=False, highlight=False)
    started = time.perf_counter()
    try:
        with pql.connect(db, log=lambda msg: console.print(f"  {msg}", style="dim", markup=False,
                                                          highlight=False, soft_wrap=True)) as session:
            bound = session.bind(query)
            console.print(f"expands to: {bound.expansion or query}", markup=False, highlight=False, soft_wrap=True)
            console.print(f"task: {bound.task}", markup=False, highlight=False)
            result = session.run(query)[0]
    except PQLError as e:
        console.print(f"could not run this query: {e}", style="red", markup=False, highlight=False)
        return False
    console.print(result.summary, markup=False, highlight=False, soft_wrap=True)
    console.print(rich_table(result.table.slice(0, rows),
                             title=f"first {min(rows, result.table.num_rows)} of {result.table.num_rows:,} rows"))
    console.print(f"{time.perf_counter() - started:.1f}s", style="dim")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m examples.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--parse-only", action="store_true", help="only parse examples/*.pql (no data, no models)")
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS, help="customers per generated database")
    parser.add_argument("--model", default=None, help="run WITH model = NAME instead of verbatim ('auto')")
    parser.add_argument("--rows", type=int, default=5, help="prediction rows to show per query")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where databases and models are kept")
    args = parser.parse_args(argv)
    if args.parse_only:
        return parse_only()

    from rich.console import Console

    console = Console()
    # models live beside the demo's databases, not in the user's ~/.pql
    os.environ.setdefault("PQL_HOME", str(args.cache / "home"))
    started = time.perf_counter()
    model = choose_model(args.model, console)
    failed, paths = [], {}
    for case in SEED_CASES:
        db = database_path(case, cache=args.cache, n_customers=args.customers,
                           log=lambda msg: console.print(msg, style="dim", markup=False, highlight=False))
        paths[case.database] = db
        if not run_case(case, db, model=model, rows=args.rows, console=console):
            failed.append(case.database)
    console.rule()
    ran = len(SEED_CASES) - len(failed)
    console.print(f"{ran} of {len(SEED_CASES)} seed queries ran in {time.perf_counter() - started:.0f}s"
                  + (f"; could not run: {', '.join(failed)} (reason above)" if failed else "") + ".",
                  markup=False, highlight=False)
    example = paths.get("loyalty", "<file>")
    console.print(f"Next: the README's 'Quick start' and 'The language'; more queries per schema in "
                  f"examples/*.pql (e.g. `pql run examples/loyalty.pql --db {example}`); `pql repl {example}` for a prompt; "
                  f"`pql explain \"<query>\" --db <file>` shows "
                  "the SQL and plan; `make bench` and `python -m bench.truth_eval` measure the models.",
                  markup=False, highlight=False, soft_wrap=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
