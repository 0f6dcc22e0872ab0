"""`pql repl`: statements over several lines, DEFINEs that last, prompt commands, errors that do not end it."""
from __future__ import annotations

import pyarrow.parquet as pq
from click.testing import CliRunner

from pql.cli import main
from pql.repl import MORE, PROMPT, Repl
from tests.api.conftest import digest

DEFINE = "DEFINE buys AS COUNT(purchases.*, 0, 30, days) > 0;"
PREDICT = ["PREDICT buys", "  FOR EACH customers WITH model = 'heuristic';"]


def repl_run(db, script: str):
    return CliRunner().invoke(main, ["repl", str(db)], input=script, catch_exceptions=False)


def test_a_session_defines_predicts_over_two_lines_and_saves(shop_db, tmp_path):
    out = tmp_path / "preds.parquet"
    before = digest(shop_db)
    result = repl_run(shop_db, "\n".join([DEFINE, ".defines", *PREDICT, f".save {out}", ".quit", "PREDICT after_quit;"]))
    assert result.exit_code == 0, result.output
    assert "buys AS COUNT(purchases.*, 0, 30, days) > 0" in result.stdout
    assert "probability" in result.stdout and ".save FILE writes them all" in result.stdout
    assert pq.read_table(out).num_rows == 40 and f"wrote 40 rows to {out}" in result.stdout
    assert "after_quit" not in result.output  # nothing after .quit runs
    assert digest(shop_db) == before  # the prompt reads the database, never writes it


def test_mistakes_print_the_error_with_its_caret_and_the_session_goes_on(shop_db, tmp_path):
    script = "\n".join([
        "PREDICT COUNT(purchse.*, 0, 30) > 0 FOR EACH customers WITH model = 'heuristic';",
        ".schema purchse",
        ".tabels",
        f".save {tmp_path / 'x.parquet'}",
        DEFINE, *PREDICT,
    ])
    result = repl_run(shop_db, script)
    assert result.exit_code == 1  # a script with failures says so
    err = result.stderr
    assert "Error: line 1, column 15: unknown table 'purchse'; did you mean 'purchases'?" in err
    assert "\n                ^^^^^^^\n" in err  # the caret under the name
    assert "Error: no table 'purchse'; did you mean 'purchases'?" in err
    assert "Error: unknown command .tabels; did you mean '.tables'?" in err
    assert "Error: no result to save yet" in err and not (tmp_path / "x.parquet").exists()
    assert "probability" in result.stdout  # the last statement still ran


def test_a_blank_line_ends_a_statement_and_the_end_of_input_runs_the_last(shop_db):
    result = repl_run(shop_db, "\n".join([DEFINE, "PREDICT buys FOR EACH customers", "WITH model = 'heuristic'", "",
                                          "EVALUATE PREDICT buys FOR EACH customers WITH model = 'heuristic'"]))
    assert result.exit_code == 0, result.output
    assert result.stdout.count("probability") == 1 and "auroc" in result.stdout


def test_tables_and_schema_describe_the_database(shop_db):
    result = repl_run(shop_db, ".tables\n.schema customers\n.help\n")
    assert result.exit_code == 0, result.output
    assert "purchases  " in result.stdout and "rows · key" in result.stdout
    assert "customers" in result.stdout and ".save FILE" in result.stdout


def test_open_switches_database_and_keeps_the_defines(shop_db, shop_master):
    lines = []
    repl = Repl(echo=lines.append, echo_error=lines.append)
    repl.feed("PREDICT buys FOR EACH customers;")
    assert lines[-1].startswith("Error: no database is open")
    repl.feed(f".open {shop_master}")
    repl.feed(DEFINE)
    repl.feed(f".open {shop_db}")
    assert lines[-1].startswith(f"opened {shop_db}: ") and lines[-1].endswith(" tables")
    repl.feed(".defines")
    assert lines[-1].startswith("buys AS")
    repl.close()


def test_the_prompt_shows_a_statement_is_still_open_and_ctrl_c_drops_it(shop_db):
    repl = Repl(str(shop_db), echo=lambda _: None, echo_error=lambda _: None)
    assert repl.prompt == PROMPT
    repl.feed("PREDICT buys")
    assert repl.prompt == MORE
    repl.cancel()
    assert repl.prompt == PROMPT and repl.failures == 0
    assert repl.feed(".exit") is False
    repl.close()


def test_a_missing_database_is_a_clean_error(tmp_path):
    result = CliRunner().invoke(main, ["repl", str(tmp_path / "nothere.duckdb")], input="")
    assert result.exit_code == 1 and "Error: database file not found" in result.output
    result = CliRunner().invoke(main, ["repl", "--db", str(tmp_path / "nothere.duckdb")], input="")
    assert result.exit_code == 1 and "Error: database file not found" in result.output  # --db, as elsewhere


def test_tab_completes_commands_keywords_tables_columns_defines_and_options(shop_db):
    repl = Repl(str(shop_db), echo=lambda _: None, echo_error=lambda _: None)
    repl.feed(DEFINE)
    assert repl.complete(".sa", ".sa") == [".save"]
    assert repl.complete("pur", ".schema pur") == ["purchases"]
    assert repl.complete("PRE", "PRE") == ["PREDICT"]
    assert repl.complete("pre", "pre") == ["predict"]  # keywords follow the case typed
    assert "purchases" in repl.complete("pur", "PREDICT COUNT(pur")
    assert "purchases.*" in repl.complete("purchases.", "PREDICT COUNT(purchases.")
    assert "buys" in repl.complete("bu", "PREDICT bu")
    assert repl.complete("mod", "PREDICT buys FOR EACH customers WITH mod") == ["model"]
    assert repl.complete("nothing_like_it", "PREDICT nothing_like_it") == []
    repl.close()
