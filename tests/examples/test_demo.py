"""`make demo` end to end on tiny databases with the heuristic model (seconds), and its --parse-only mode."""
from __future__ import annotations

from pathlib import Path

from examples import demo
from examples.demo_data import SEED_CASES


def test_parse_only_parses_every_script(capsys):
    assert demo.main(["--parse-only"]) == 0
    out = capsys.readouterr().out
    assert "== loyalty.pql:" in out and "== seeds.pql: 3 statement(s)" in out


def test_demo_runs_the_three_seed_queries(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    args = ["--customers", "60", "--model", "heuristic", "--rows", "2", "--cache", str(tmp_path / "cache")]
    assert demo.main(args) == 0
    out = capsys.readouterr().out
    for case in SEED_CASES:
        assert case.query in out
    assert "task: uplift" in out and "task: regression" in out and "task: link_ranking" in out
    assert "expands to: PREDICT SUM(purchase.amount, 0, 12, months) FOR EACH customer" in out
    assert out.count("heuristic · ") == 3
    assert "3 of 3 seed queries ran" in out
    hint = out[out.index("pql run examples/loyalty.pql --db "):].split("`")[0].split("--db ")[1]
    assert Path(hint).is_file()  # the file the demo really wrote (its name carries the generators' digest)
    # a second run reuses the databases and the saved models
    assert demo.main(args) == 0
    assert capsys.readouterr().out.count("reused model") == 3
