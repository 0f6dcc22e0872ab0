"""The CLI's edges: internal errors and Ctrl-C, script encodings, results shown (or written) per statement
as it finishes, a failing statement named, line numbers of a script piped to the REPL, empty queries."""
from __future__ import annotations

import importlib

import pyarrow.csv as pcsv
import pytest
from click.testing import CliRunner

from pql.cli import main
from pql.session import Session
from tests.api.shop import BUYS

EXPLAIN_MODULE = importlib.import_module("pql.explainer")
DEFINE = "DEFINE buys AS COUNT(purchases.*, 0, 30, days) > 0;"
SCRIPT = f"""-- three results, then a failure (see `failing_sum`)
{DEFINE}
PREDICT buys FOR EACH customers WITH model = 'heuristic';
EVALUATE PREDICT buys FOR EACH customers WITH model = 'heuristic';

PREDICT SUM(purchases.amount, 0, 30)
  FOR EACH customers WITH model = 'heuristic';
EXPLAIN PREDICT buys FOR EACH customers;
"""


@pytest.fixture
def failing_sum(monkeypatch):
    """Statement 4 of SCRIPT binds, then fails while it runs (as training can, minutes in)."""
    from pql.errors import EngineError

    execute = Session.execute

    def failing(self, statement):
        if "SUM(purchases.amount" in str(statement):
            raise EngineError("no training rows: the target's windows do not fit in the data's history")
        return execute(self, statement)

    monkeypatch.setattr(Session, "execute", failing)


def invoke(*args: str, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=True)


def fails(*args: str, input=None, exit_code: int = 1):
    result = invoke(*args, input=input)
    assert result.exit_code == exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def error(result) -> str:
    """stderr from the error on (progress and warnings come before it)."""
    return result.stderr[result.stderr.index("Error: "):]


def _raise(exc):
    def boom(*args, **kwargs):
        raise exc
    return boom


# ---- 1. internal errors and Ctrl-C ---------------------------------------------------------------------

def test_an_internal_error_is_one_paragraph_not_a_traceback(monkeypatch):
    monkeypatch.delenv("PQL_DEBUG", raising=False)
    monkeypatch.setattr(EXPLAIN_MODULE, "explain", _raise(RuntimeError("boom")))
    result = fails("explain", BUYS)
    assert result.stderr.startswith("Error: internal error: RuntimeError: boom\n")
    assert "This is a bug in pql" in result.stderr and "PQL_DEBUG=1" in result.stderr
    assert "\n\n" not in result.stderr.strip()


def test_pql_debug_lets_the_traceback_through(monkeypatch):
    monkeypatch.setenv("PQL_DEBUG", "1")
    monkeypatch.setattr(EXPLAIN_MODULE, "explain", _raise(RuntimeError("boom")))
    result = invoke("explain", BUYS)
    assert isinstance(result.exception, RuntimeError) and str(result.exception) == "boom"


def test_ctrl_c_leaves_quietly_with_status_130(monkeypatch):
    monkeypatch.setattr(EXPLAIN_MODULE, "explain", _raise(KeyboardInterrupt()))
    result = invoke("explain", BUYS)
    assert result.exit_code == 130 and result.output == ""


class InterruptException(Exception):
    """What DuckDB raises when Ctrl-C stops a query (pql wraps it in an EngineError)."""


def test_ctrl_c_inside_a_wrapped_database_error_is_still_ctrl_c(shop_db, monkeypatch):
    from pql.errors import EngineError

    def stopped(*args, **kwargs):
        try:
            raise InterruptException("Query interrupted")
        except InterruptException as e:
            raise EngineError("building features failed: Query interrupted") from e

    monkeypatch.setattr(Session, "execute", stopped)
    for args in (["query", BUYS], ["run", "-"]):
        result = invoke(*args, "--db", str(shop_db), "-q", input=f"{DEFINE}\n{BUYS};\n")
        assert result.exit_code == 130 and result.output == "", result.output


def test_an_internal_error_in_a_script_names_the_statement(shop_db, monkeypatch):
    monkeypatch.delenv("PQL_DEBUG", raising=False)
    execute = Session.execute

    def flaky(self, statement):
        if getattr(statement, "mode", None) == "evaluate":
            raise RuntimeError("boom")
        return execute(self, statement)

    monkeypatch.setattr(Session, "execute", flaky)
    result = fails("run", "-", "--db", str(shop_db), "-q", input=SCRIPT)
    assert "probability" in result.stdout  # statement 2's table came out before statement 3 failed
    assert error(result).startswith("Error: statement 3 of 5 (line 4: EVALUATE PREDICT buys FOR EACH customers "
                                    "WITH model = 'heur…) failed:\ninternal error: RuntimeError: boom\n")


def test_an_internal_error_in_the_repl_keeps_the_session(shop_db, monkeypatch):
    from pql.repl import Repl

    monkeypatch.delenv("PQL_DEBUG", raising=False)
    errors: list[str] = []
    repl = Repl(str(shop_db), echo_error=errors.append)
    monkeypatch.setattr(Session, "execute", _raise(RuntimeError("boom")))
    repl.feed(BUYS + ";")
    repl.close()
    assert errors == ["Error: internal error: RuntimeError: boom\nThis is a bug in pql; please report it. "
                      "Run again with PQL_DEBUG=1 to see the traceback. The session is still open."]


# ---- 2. script encodings -------------------------------------------------------------------------------

LATIN1 = "PREDICT COUNT(purchases.*, 0, 30) > 0\n-- café\nFOR EACH customers;\n".encode("latin-1")


@pytest.mark.parametrize("command", ["parse", "run"])
def test_a_script_that_is_not_utf8_names_the_file_line_and_byte(shop_db, tmp_path, command):
    script = tmp_path / "latin.pql"
    script.write_bytes(LATIN1)
    db = ["--db", str(shop_db)] if command == "run" else []
    result = fails(command, str(script), *db)
    assert result.stderr == (f"Error: cannot read {script}: byte 0xe9 at line 2, column 7 (byte offset 44) "
                             "is not UTF-8; save the file as UTF-8\n")
    result = fails(command, "-", *db, input=LATIN1)
    assert result.stderr.startswith("Error: cannot read standard input: byte 0xe9 at line 2, column 7")


def test_a_byte_order_mark_is_dropped(shop_db, tmp_path):
    script = tmp_path / "bom.pql"
    script.write_bytes(b"\xef\xbb\xbf" + (BUYS + ";\n").encode())
    assert "PredictStatement" in invoke("parse", str(script)).stdout
    result = invoke("run", str(script), "--db", str(shop_db), "-q")
    assert result.exit_code == 0, result.output
    assert "probability" in result.stdout
    result = invoke("parse", "-", input=script.read_bytes())
    assert result.exit_code == 0 and "PredictStatement" in result.stdout
    result = invoke("repl", str(shop_db), "-q", input=script.read_bytes())
    assert result.exit_code == 0 and "probability" in result.stdout


def test_the_repl_reads_stdin_as_utf8_and_says_where_it_is_not(shop_db):
    result = fails("repl", str(shop_db), input=LATIN1)
    assert result.stderr.startswith("Error: cannot read standard input: byte 0xe9 at line 2, column 7 "
                                    "(byte offset 44) is not UTF-8")


# ---- 3. one result at a time; the failing statement named; one file per table ----------------------------

def test_run_shows_each_result_before_a_later_statement_fails(shop_db, failing_sum):
    result = fails("run", "-", "--db", str(shop_db), "-q", input=SCRIPT)
    assert "defined buys" in result.stdout and "probability" in result.stdout and "auroc" in result.stdout
    assert "Bound query:" not in result.stdout  # the EXPLAIN after the failure never ran
    assert error(result).startswith("Error: statement 4 of 5 (line 6: PREDICT SUM(purchases.amount, 0, 30)) "
                                    "failed:\nno training rows: the target's windows")
    assert result.stderr.endswith("\n(statements 1-3 finished; their results are shown above; "
                                  "statement 5 did not run)\n")


def test_a_mistake_found_before_anything_runs_is_reported_as_before(shop_db):
    result = fails("run", "-", "--db", str(shop_db), input=f"{DEFINE}\n{BUYS};\nPREDICT buys FOR EACH custmers;\n")
    assert result.stderr.startswith("Error: line 3, column 23: unknown table 'custmers'")
    assert result.stdout == ""


def test_run_writes_each_table_to_its_own_file_as_soon_as_it_is_there(shop_db, tmp_path, monkeypatch, failing_sum):
    out = tmp_path / "res.csv"
    first = tmp_path / "res-1.csv"
    seen = []
    execute = Session.execute

    def watching(self, statement):
        seen.append(first.exists())
        return execute(self, statement)

    monkeypatch.setattr(Session, "execute", watching)
    result = fails("run", "-", "--db", str(shop_db), "-q", "-o", str(out), input=SCRIPT)
    assert seen == [False, False, True, True]  # res-1.csv was there before EVALUATE ran
    assert f"wrote 40 rows to {first} (statement 2)" in result.stdout
    assert f"rows to {tmp_path / 'res-2.csv'} (statement 3)" in result.stdout
    assert pcsv.read_csv(first).column_names == ["customer_id", "anchor_time", "probability", "prediction"]
    assert pcsv.read_csv(tmp_path / "res-2.csv").column_names == ["model", "split", "metric", "value"]
    assert not out.exists() and not (tmp_path / "res-3.csv").exists()  # statement 4 failed: no file


def test_one_result_table_goes_to_the_file_itself(shop_db, tmp_path):
    out = tmp_path / "res.csv"
    result = invoke("run", "-", "--db", str(shop_db), "-q", "-o", str(out), input=f"{DEFINE}\n{BUYS};\n")
    assert result.exit_code == 0, result.output
    assert f"wrote 40 rows to {out} (statement 2)\n" in result.stdout and out.exists()


def test_output_without_a_table_fails_before_any_work(shop_db, tmp_path):
    result = fails("run", "-", "--db", str(shop_db), "-o", str(tmp_path / "x.csv"), input=DEFINE)
    assert result.stderr == "Error: --output given but no statement produces a table (only PREDICT and EVALUATE do)\n"


def test_run_help_says_where_several_tables_go():
    out = invoke("run", "--help").stdout
    assert "out-1.parquet" in out and "as soon as its" in out


# ---- 4. a script piped to the REPL: line numbers of the input ---------------------------------------------

def test_repl_on_stdin_reports_the_line_of_the_input(shop_db):
    result = fails("repl", str(shop_db), input="\n\n-- c\nPREDICT SUM(purchases.amout, 0, 30)\nFOR EACH customers;\n")
    assert result.stderr.startswith("Error: line 4, column 23: table 'purchases' has no column 'amout'; "
                                    "did you mean 'amount'?\n  PREDICT SUM(purchases.amout, 0, 30)\n"
                                    "                        ^^^^^\n")
    result = fails("repl", str(shop_db), input=f"{DEFINE}\n\nPREDICT SUM(purchases.amout, 0, 30)\n"
                                               "FOR EACH customers WITH epoch = 3;\n")
    assert result.stderr.startswith("Error: 2 errors:\nline 3, column 23: table 'purchases' has no column")
    assert "\nline 4, column 25: unknown option 'epoch'" in result.stderr


def test_the_interactive_prompt_counts_lines_within_the_statement(shop_db):
    from pql.repl import Repl

    errors: list[str] = []
    repl = Repl(str(shop_db), echo_error=errors.append)
    for line in ["", "", "PREDICT SUM(purchases.amout, 0, 30)", "FOR EACH customers;"]:
        repl.feed(line)
    repl.close()
    assert errors[0].startswith("Error: line 1, column 23:")


# ---- 5. empty queries; query's help -------------------------------------------------------------------

@pytest.mark.parametrize("args", [["query", "", "--db", "x.duckdb"], ["explain", ""],
                                  ["explain", "  -- only a comment"],
                                  ["train-table", "", "--db", "x.duckdb", "-o", "t.parquet"]])
def test_an_empty_query_is_an_error(args):
    result = fails(*args)
    assert result.stderr == "Error: no statement given: QUERY is empty or only comments\n"


def test_query_help_says_it_runs_several_statements():
    out = invoke("query", "--help").stdout
    assert "Run one PQL statement" not in out and "separated by ';'" in out


# ---- 6. train-table's wording ---------------------------------------------------------------------------

def test_train_table_wants_one_predict_in_cli_words(shop_db, tmp_path):
    out = str(tmp_path / "t.parquet")
    result = fails("train-table", f"{BUYS}; {BUYS};", "--db", str(shop_db), "-o", out)
    assert result.stderr == ("Error: train-table exports the training rows of one PREDICT statement, got 2; "
                             "export one at a time (`pql run` is for scripts)\n")
    assert "run()" not in fails("train-table", DEFINE, "--db", str(shop_db), "-o", out).stderr


def test_ctrl_d_at_the_prompt_drops_an_unfinished_statement_instead_of_running_it(shop_db):
    from pql.repl import Repl

    errors: list[str] = []
    repl = Repl(str(shop_db), echo_error=errors.append)
    repl.execute = lambda *a, **k: errors.append("ran")  # nothing may run on the way out
    for line in ["PREDICT COUNT(purchases.*, 0, 30) > 0", "FOR EACH customers"]:
        repl.feed(line)
    repl.leave()
    repl.close()
    assert errors == ["note: dropped the unfinished statement (no ';' before Ctrl-D); nothing ran"]
