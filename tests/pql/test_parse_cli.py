"""`pql parse` and `pql explain`: trees on success, `Error: …` with a caret and exit code 1 on failure."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pql.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def test_parse_file_prints_one_tree_per_statement():
    result = run("parse", str(ROOT / "examples" / "seeds.pql"))
    assert result.exit_code == 0, result.output
    assert result.output.count("PredictStatement") == 3
    assert "target: NamedTarget(name='incremental_purchase')" in result.output


def test_parse_reads_stdin():
    result = run("parse", "-", stdin="PREDICT users.age FOR users.user_id = 8;")
    assert result.exit_code == 0
    assert result.output.startswith("PredictStatement\n")
    assert "target: ColumnRef(table='users', column='age')" in result.output


def test_parse_error_is_friendly_with_caret_and_exit_code_1():
    result = run("parse", "-", stdin="PREDICT COUNT(orders.*, 0, 30, dayz) FOR EACH c.id")
    assert result.exit_code == 1
    assert result.output == (
        "Error: line 1, column 32: unknown time unit 'dayz'; did you mean 'days'?\n"
        "  PREDICT COUNT(orders.*, 0, 30, dayz) FOR EACH c.id\n"
        "                                 ^^^^\n"
        "  hint: units are minutes, hours, days, weeks, months, years\n")
    assert "Traceback" not in result.output


def test_parse_missing_file_is_a_usage_error():
    result = run("parse", str(ROOT / "no-such-file.pql"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "no file" in result.output


def test_parse_takes_query_text_when_no_file_has_that_name():
    result = run("parse", "PREDICT users.age FOR users.user_id = 8")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("PredictStatement\n")
    assert "target: ColumnRef(table='users', column='age')" in result.output
    bad = run("parse", "PREDICT COUNT(orders.*, 0, 30, dayz) FOR EACH c.id")
    assert bad.exit_code == 1 and "line 1, column 32: unknown time unit 'dayz'" in bad.output
    assert "TEXT" in run("parse", "--help").output  # --help says so


def test_explain_prints_canonical_pql_and_tree():
    result = run("explain", "predict count(orders.*, 0, 30) > 0 for customer")
    assert result.exit_code == 0
    assert result.output.splitlines()[:3] == [
        "PQL:", "  PREDICT COUNT(orders.*, 0, 30, days) > 0 FOR EACH customer", "Syntax tree:"]


def test_explain_error_exits_1():
    result = run("explain", "PREDICT COUNT(orders.*, 0, 30) RANK 5 FOR EACH c.id")
    assert result.exit_code == 1
    assert result.output.startswith("Error: line 1, column 37: RANK must be followed by TOP")
