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


def test_at_a_terminal_a_blank_line_ends_a_statement(shop_db):
    ran = []
    repl = Repl(echo=lambda _: None, echo_error=lambda _: None)
    repl.execute = lambda text, line=1: ran.append(text)
    for line in ["PREDICT buys FOR EACH customers", "WITH model = 'heuristic'", "", "", "EVALUATE PREDICT buys"]:
        repl.feed(line)
    assert ran == ["PREDICT buys FOR EACH customers\nWITH model = 'heuristic'"] and repl.prompt == MORE
    repl.submit()  # Ctrl-D: the end of input runs the last
    assert ran[-1] == "EVALUATE PREDICT buys"


def test_piped_input_is_read_as_pql_run_reads_a_script(shop_db):
    """On stdin statements end only at ';' (or the end of input): a blank line inside one is part of it,
    and an error still names the line of the input."""
    result = repl_run(shop_db, "\n".join([DEFINE, "PREDICT buys", "", "  FOR EACH customers WITH model = 'heuristic';",
                                          ".defines", "", "EVALUATE PREDICT buys FOR EACH customers",
                                          "", "WITH model = 'heuristic'"]))
    assert result.exit_code == 0, result.output
    assert result.stdout.count("probability") == 1 and "auroc" in result.stdout and "buys AS" in result.stdout
    result = repl_run(shop_db, "PREDICT SUM(purchases.amount, 0, 30)\n\n\nFOR EACH customers WITH modl = 'x';\n")
    assert result.exit_code == 1 and "Error: line 4, column 25: unknown option 'modl'" in result.stderr


def test_a_statement_ends_at_a_semicolon_outside_strings_and_comments():
    from pql.repl import _ends_statement

    assert _ends_statement("WHERE t.channel = 'a--b';")  # '--' in a string is no comment
    assert _ends_statement('WHERE t.c = "x--y" AND `we--ird` = 1;  -- done; really')
    assert _ends_statement("WHERE t.c = 'it''s -- fine';")  # a doubled quote stays inside
    assert not _ends_statement("WHERE t.c = 'a;")  # the ';' is inside an open string
    assert _ends_statement("WHERE t.c = 'a'; -- x")
    assert not _ends_statement("PREDICT x -- ;")
    assert not _ends_statement("WHERE t.c = 'it'';")
    assert _ends_statement("WHERE t.c = 'two\nlines';")  # a string may span lines


def test_a_semicolon_after_a_string_with_dashes_runs_the_statement(shop_db):
    ran = []
    for input_lines in (False, True):
        repl = Repl(echo=lambda _: None, echo_error=lambda _: None, input_lines=input_lines)
        repl.execute = lambda text, line=1: ran.append(text)
        repl.feed("PREDICT buys FOR EACH customers WHERE customers.name = 'a--b' WITH model = 'heuristic';")
        assert repl.prompt == PROMPT and repl.feed(".tables") is True
    assert len(ran) == 2


def test_a_prompt_command_at_the_continuation_prompt_drops_the_statement(shop_db):
    notes, ran = [], []
    repl = Repl(str(shop_db), echo=lambda _: None, echo_error=notes.append)
    repl.execute = lambda text, line=1: ran.append(text)
    repl.feed("PREDICT buys")
    repl.feed("  FOR EACH customers")
    assert repl.prompt == MORE
    assert repl.feed(".quit") is False  # leaves, and the statement is not glued to '.quit'
    assert notes == ["note: dropped the unfinished statement (.quit is a prompt command; end a statement with ';')"]
    assert repl.prompt == PROMPT and ran == [] and repl.failures == 0
    repl.feed("PREDICT x >")
    repl.feed(".5;")  # a number, not a command
    repl.feed("PREDICT x = 'a")
    repl.feed(".tables inside the string';")
    assert ran == ["PREDICT x >\n.5;", "PREDICT x = 'a\n.tables inside the string';"]
    repl.close()


def test_piped_a_command_inside_a_statement_is_an_error_naming_the_lines(shop_db):
    result = repl_run(shop_db, "\n".join(["PREDICT buys", "FOR EACH customers", ".tables", ".quit", "PREDICT after;"]))
    assert result.exit_code == 1
    assert "Error: dropped the unfinished statement (lines 1-2 of the input: no ';' before .tables" in result.stderr
    assert "purchases  " in result.stdout and "after" not in result.output


def test_tables_and_schema_describe_the_database(shop_db):
    result = repl_run(shop_db, ".tables\n.schema customers\n.help\n")
    assert result.exit_code == 0, result.output
    assert "purchases  " in result.stdout and "rows · key" in result.stdout
    assert "customers" in result.stdout and ".save FILE" in result.stdout
    assert "linked from" in result.stdout and "purchases.customer_id" in result.stdout  # the link it counts


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


def test_tab_completes_tables_as_the_binder_finds_them(shop_db):
    repl = Repl(str(shop_db), echo=lambda _: None, echo_error=lambda _: None)
    assert repl.complete("purchase.am", "PREDICT SUM(purchase.am") == ["purchase.amount"]  # singular of purchases
    assert repl.complete("Purchases.AM", "PREDICT SUM(Purchases.AM") == ["Purchases.amount"]  # any case, as typed
    assert "customer.customer_id" in repl.complete("customer.", "FOR EACH customer.")
    repl.close()


def test_tab_completes_option_values_and_options_after_an_earlier_with(shop_db):
    repl = Repl(str(shop_db), echo=lambda _: None, echo_error=lambda _: None)
    line = "PREDICT buys FOR EACH customers WITH model = '"
    assert repl.complete("", line) == ["auto", "gnn", "heuristic", "lightgbm"]
    assert repl.complete("gn", line + "gn") == ["gnn"]  # readline closes the quote
    assert repl.complete("", "PREDICT buys FOR EACH customers WITH device = ") == ["'auto'", "'cpu'", "'cuda'"]
    assert repl.complete("", "PREDICT buys FOR EACH customers WITH model = 'gnn', retrain = ") == ["false", "true"]
    assert repl.complete("sp", "PREDICT buys FOR EACH customers WITH metric = 'sp") == ["spearman"]
    assert repl.complete("", "PREDICT buys FOR EACH customers WHERE customers.name = '") == []  # no option
    assert "model" not in repl.complete("mo", "PREDICT buys FOR EACH customers WHERE x STARTS WITH mo")
    repl.feed("PREDICT buys FOR EACH customers")
    repl.feed("WITH model = 'lightgbm',")
    assert repl.complete("ep", "  ep") == ["epochs"]  # WITH was on an earlier line of this statement
    repl.cancel()
    assert repl.complete("ep", "ep") == []
    repl.close()


def test_tab_completes_file_names_after_open_and_save(tmp_path):
    (tmp_path / "shop.duckdb").write_bytes(b"")
    (tmp_path / "shop-2.duckdb").write_bytes(b"")
    (tmp_path / "shops").mkdir()
    repl = Repl(echo=lambda _: None, echo_error=lambda _: None)
    base = f"{tmp_path}/sho"
    assert repl.complete(base, f".open {base}") == [f"{base}p-2.duckdb", f"{base}p.duckdb", f"{base}ps/"]
    # readline's word stops at '/' and '-': the completion replaces only that word
    assert repl.complete("sho", f".save {base}") == ["shop-2.duckdb", "shop.duckdb", "shops/"]
    assert repl.complete("2", f".open {tmp_path}/shop-2") == ["2.duckdb"]
    assert repl.complete("", f".open {tmp_path}/nothere/") == []


def test_quiet_into_confirms_and_schema_says_why_an_into_table_is_not_there(shop_db):
    result = CliRunner().invoke(main, ["repl", "-q", str(shop_db)], catch_exceptions=False, input="\n".join([
        DEFINE, PREDICT[0], PREDICT[1].replace(";", " INTO Preds;"), ".schema preds", ".schema customer", ".schema nope"]))
    assert "wrote 40 rows into Preds" in result.stderr  # one line, even with -q
    assert ("Error: 'Preds' is a table of predictions written by INTO: pql leaves such tables out of its graphs"
            in result.stderr)
    header = " ".join(result.stdout.split())  # a long path may wrap the header
    assert "1 table, 1 link" in header and "1 tables" not in header  # .schema customer (singular: customers)
    assert "Error: no table 'nope'" in result.stderr


def test_a_warning_shows_once_per_session_and_repeats_are_counted(shop_db):
    result = repl_run(shop_db, "\n".join([DEFINE, *PREDICT, *PREDICT, "EVALUATE " + " ".join(PREDICT)]))
    assert result.exit_code == 0, result.output
    assert result.stderr.count("warning: 1 of the 40 in customers (2.5%) never appear in purchases") == 1
    assert "(2 repeated warnings not shown again)" in result.stderr


def test_models_lists_this_databases_models_and_counts_the_others(shop_db, tmp_path):
    import shutil

    import duckdb

    other = tmp_path / "other.duckdb"
    shutil.copy(shop_db, other)
    with duckdb.connect(str(other)) as con:
        con.execute("DELETE FROM purchases WHERE purchase_id % 7 = 0")  # other data: another model
    lines = []
    for db in (other, shop_db):
        repl = Repl(str(db), echo=lines.append, echo_error=lines.append)
        repl.feed(DEFINE)
        repl.feed(" ".join(PREDICT))
        repl.close()
    out = CliRunner().invoke(main, ["repl", str(shop_db)], input=".models\n" + DEFINE + "\n.models\n.models all\n"
                                                                   ".models nonsense\n")
    assert "no saved models for this database (2 for other databases or data: .models all lists them)" in out.stdout
    # a model of a DEFINEd name is known once the name is DEFINEd again
    here, everything = out.stdout.split("saved models (")
    assert "saved models for this database: 1" in here and here.count("heuristic  binary") == 1
    assert "(1 saved model for other databases or data: .models all lists them)" in here
    assert everything.count("heuristic  binary") == 2
    assert "Error: .models takes no argument but 'all'" in out.stderr
