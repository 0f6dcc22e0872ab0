"""Slips at the command line get a clear error: an empty script given to `pql run`, a file name given to
`pql query`, and an error on a very long line shows a window of it, not the whole line."""
from __future__ import annotations

import pytest

from tests.api.shop import BUYS
from tests.cli.test_scripts_and_errors import fails, invoke


@pytest.mark.parametrize("content", ["", "-- only a comment\n\n", "  \n-- x\n"])
def test_an_empty_script_is_an_error_that_names_the_file(shop_db, tmp_path, content):
    script = tmp_path / "empty.pql"
    script.write_text(content)
    result = fails("run", str(script), "--db", str(shop_db))
    assert result.stderr == f"Error: no statement given: {script} is empty or only comments\n"
    result = fails("run", "-", "--db", str(shop_db), input=content)
    assert result.stderr == "Error: no statement given: standard input is empty or only comments\n"


def test_a_script_with_statements_still_runs(shop_db, tmp_path):
    script = tmp_path / "one.pql"
    script.write_text(f"-- one\n{BUYS};\n")
    result = invoke("run", str(script), "--db", str(shop_db), "-q")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("command", [["query"], ["explain"]])
def test_a_file_given_as_query_points_at_pql_run(shop_db, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "loyalty.pql").write_text(f"{BUYS};\n")
    db = ["--db", str(shop_db)] if command == ["query"] else []
    for name in ["loyalty.pql", "missing.pql"]:
        result = fails(*command, name, *db)
        assert result.stderr == (f"Error: QUERY is PQL text, not a file name: to run the statements in '{name}', "
                                 f"use `pql run {name} DB`\n")


def test_a_word_that_is_no_file_is_still_a_syntax_error(shop_db):
    result = fails("query", "examples", "--db", str(shop_db))
    assert result.stderr.startswith("Error: line 1, column 1: unexpected 'examples'; expected PREDICT")


def test_an_error_on_a_very_long_line_shows_a_window_of_it(shop_db, tmp_path):
    where = " OR ".join(f"customers.customer_id = {i}" for i in range(4000))
    line = f"PREDICT COUNT(purchases.*, 0, 30, days) > 0 FOR EACH customers WHERE {where} WITH modle = 'heuristic';"
    assert len(line) > 100_000
    script = tmp_path / "long.pql"
    script.write_text(line + "\n")
    result = fails("run", str(script), "--db", str(shop_db))
    assert len(result.stderr) < 1000, result.stderr[:300]
    lines = result.stderr.splitlines()
    at = next(i for i, s in enumerate(lines) if "unknown option 'modle'" in s)
    excerpt, carets = lines[at + 1], lines[at + 2]
    assert excerpt.startswith("  …") and excerpt.endswith("'heuristic';") and len(excerpt) <= 110
    assert set(carets.strip()) == {"^"} and excerpt[carets.index("^"):].startswith("modle")
