"""The benchmark's cases bind against their databases (no model runs), and the runner's plumbing."""
from __future__ import annotations

import json

import pytest

import pql
from bench.cases import CASES, DATABASES, DEFAULT_CASES, EXAMPLES
from bench.one_run import evaluate_statement
from bench.report import render, summarise
from examples.loaders import completejourney, f1, online_retail
from pql.bound import TaskType
from pql.parser import parse

_REAL = {"rel-f1": f1, "online-retail": online_retail, "complete-journey": completejourney}
_SAME_SCHEMA = {"ltv-200k": "ltv", "ltv-1m": "ltv"}  # the scale shops: the 3,000-customer shop's tables
_TASKS = {"auroc": TaskType.BINARY, "mae": TaskType.REGRESSION, "spearman": TaskType.REGRESSION,
          "map": TaskType.LINK_RANKING}


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    """Each case database, built small where the builder allows (the schema is what binding needs)."""
    folder = tmp_path_factory.mktemp("bench-dbs")
    out = {}
    for name, spec in DATABASES.items():
        loader = _REAL.get(name)
        if loader is not None and not loader.DEFAULT_DATA_DIR.is_dir():
            continue
        if name in _SAME_SCHEMA:
            continue
        path = folder / f"{name}.duckdb"
        if name == "online-retail":  # one month of the real data: same tables and keys, 1/20 of the rows
            online_retail.load(path, start="2011-11-01")
        else:
            spec.build(path)
        out[name] = path
    for name, small in _SAME_SCHEMA.items():
        if small in out:
            out[name] = out[small]
    return out


def test_scale_cases_are_left_out_of_the_default_run():
    assert {"ltv-total-spend-12m-200k", "ltv-total-spend-12m-1m"} <= set(CASES) - set(DEFAULT_CASES)
    assert "ltv-total-spend-12m" in DEFAULT_CASES and set(_SAME_SCHEMA) <= set(DATABASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_binds_to_the_task_its_metric_needs(databases, name):
    case = CASES[name]
    if case.database not in databases:
        pytest.skip(f"real data for {case.database} is not present")
    with pql.connect(str(databases[case.database])) as session:
        bq = session.bind(evaluate_statement(case.query, model="heuristic", seed=1, extra=case.options))
    assert bq.mode == "evaluate"
    # RelBench's protocol trains on the train table only; the other cases refit on train + validation
    assert bq.option("refit") is (False if name.startswith("f1-") else None)
    assert bq.task == _TASKS[case.metric]
    assert bq.option("model") == "heuristic" and bq.option("seed") == 1 and bq.option("retrain") is True


def test_rel_f1_cases_run_the_example_file_verbatim():
    text = (EXAMPLES / "rel_f1_tasks.pql").read_text(encoding="utf-8")
    for name in ("f1-driver-dnf", "f1-driver-top3", "f1-driver-position"):
        assert CASES[name].query in text
        assert set(CASES[name].published) == {"RelBench LightGBM", "RelBench RDL"}


def test_options_join_an_existing_with_clause():
    query = "PREDICT COUNT(a.*, 0, 7) > 0 FOR EACH b.id WITH test_cutoff = '2010-01-01'"
    (with_clause,) = parse(evaluate_statement(query, model="gnn", seed=2, extra="epochs = 3"))
    assert {o.name: o.value.value for o in with_clause.options} == {
        "test_cutoff": "2010-01-01", "model": "gnn", "seed": 2, "retrain": True, "epochs": 3}
    (bare,) = parse(evaluate_statement("PREDICT COUNT(a.*, 0, 7) > 0 FOR EACH b.id", model="lightgbm", seed=0))
    assert bare.mode == "evaluate" and bare.option("model") == "lightgbm"


def test_summary_and_table_over_seeds_with_a_failed_run():
    case = CASES["retail-spend-90d"]
    runs = [{"case": case.name, "model": "heuristic", "seed": s, "test": {"spearman": v, "mae": 10.0 + s},
             "train_s": 1.0, "predict_s": 0.5, "labels_s": 0.2, "total_s": 1.7, "peak_rss_mib": 300.0 + s}
            for s, v in ((0, 0.4), (1, 0.6))]
    runs.append({"case": case.name, "model": "gnn", "seed": 0, "error": "EngineError: boom", "peak_rss_mib": 900.0})
    summary = summarise([case], ["heuristic", "gnn"], runs)
    heuristic, gnn = summary
    assert heuristic["spearman"]["mean"] == pytest.approx(0.5)
    assert heuristic["spearman"]["std"] == pytest.approx(0.1414, abs=1e-3)
    assert heuristic["mae"]["mean"] == pytest.approx(10.5) and heuristic["peak_rss_mib"] == 301.0
    assert gnn["seeds"] == 0 and gnn["errors"] == ["EngineError: boom"] and gnn["spearman"]["mean"] is None
    json.dumps(summary)
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(render([case], summary))
    text = console.export_text()
    assert "0.5000 ± 0.1414" in text and "1 failed" in text


def test_list_shows_the_statement_that_runs(capsys):
    """``--list`` prints each case's statement with its own options (RelBench's ``refit = false``), one line
    a case, so that copying it (model and seed filled in) reproduces the run."""
    from bench.one_run import case_extra
    from bench.run import main

    assert main(["--list"]) == 0
    lines = {line.split(" ", 1)[0]: line for line in capsys.readouterr().out.splitlines()}
    for name in ("f1-driver-top3", "retail-churn-90d"):
        case = CASES[name]
        shown = lines[name].split(": ", 1)[1]
        run = evaluate_statement(case.query, model="gnn", seed=3, extra=case_extra(case))
        assert shown.replace("<model>", "'gnn'").replace("<seed>", "3") == " ".join(run.split())
    assert "refit = false" in lines["f1-driver-top3"] and "refit" not in lines["retail-churn-90d"]
