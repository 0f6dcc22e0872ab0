"""The CLI commands over the tiny shop (click's CliRunner: in-process, stdout and stderr apart)."""
from __future__ import annotations

import json

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pql.cli import main
from tests.api.conftest import folder_state
from tests.api.shop import BUYS

SCRIPT = """DEFINE buys AS COUNT(purchases.*, 0, 30, days) > 0;
PREDICT buys FOR EACH customers WITH model = 'heuristic';
EVALUATE PREDICT buys FOR EACH customers WITH model = 'heuristic';
EXPLAIN PREDICT buys FOR EACH customers WITH model = 'heuristic';
"""
# One line of the generated SQL that is longer than a terminal: it must come out whole.
LONG_SQL_LINE = """CASE WHEN "a"."split" = 'predict' THEN NULL ELSE COALESCE("g0"."value", 0) > 0 END AS "label","""


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


def ok(*args: str):
    result = invoke(*args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def fails(*args: str, exit_code: int = 1):
    result = invoke(*args)
    assert result.exit_code == exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def test_query_prints_the_table_and_summary_and_progress_goes_to_stderr(shop_db):
    result = ok("query", BUYS, "--db", str(shop_db))
    assert "customer_id" in result.stdout and "probability" in result.stdout
    assert "20 of 40 rows shown; --output FILE writes them all" in result.stdout
    summary = [line for line in result.stdout.splitlines() if line.startswith("heuristic · binary")]
    assert len(summary) == 1 and summary[0].endswith("s")  # one unwrapped line
    assert "training heuristic …" in result.stderr
    assert "warning: 1 of the 40 in customers (2.5%) never appear in purchases" in result.stderr
    assert "training" not in result.stdout


def test_quiet_keeps_the_warnings_only(shop_db):
    result = ok("query", BUYS, "--db", str(shop_db), "--quiet")
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("warning: ") for line in lines)


@pytest.mark.parametrize("suffix", ["parquet", "csv", "json", "jsonl"])
def test_query_output_writes_every_row(shop_db, tmp_path, suffix):
    out = tmp_path / f"preds.{suffix}"
    result = ok("query", BUYS, "--db", str(shop_db), "-o", str(out), "-q")
    assert f"wrote 40 rows to {out}" in result.stdout
    if suffix == "parquet":
        table = pq.read_table(out)
    elif suffix == "csv":
        table = pcsv.read_csv(out)
    else:
        text = out.read_text()
        table = json.loads(text) if suffix == "json" else [json.loads(line) for line in text.splitlines()]
        assert len(table) == 40 and set(table[0]) == {"customer_id", "anchor_time", "probability", "prediction"}
        return
    assert table.num_rows == 40
    assert table.column_names == ["customer_id", "anchor_time", "probability", "prediction"]


def test_a_bad_output_file_fails_before_any_work(shop_db, tmp_path):
    result = fails("query", BUYS, "--db", str(shop_db), "-o", str(tmp_path / "preds.xlsx"))
    assert "Error: cannot write 'preds.xlsx': use a .parquet, .csv, .json or .jsonl file" in result.stderr
    assert "training" not in result.stderr
    result = fails("query", BUYS, "--db", str(shop_db), "-o", str(tmp_path / "nowhere" / "p.csv"))
    assert "does not exist" in result.stderr


def test_run_executes_a_whole_script(shop_db, tmp_path):
    script = tmp_path / "script.pql"
    script.write_text(SCRIPT)
    result = ok("run", str(script), "--db", str(shop_db))
    out = result.stdout
    assert "defined buys AS COUNT(purchases.*, 0, 30, days) > 0" in out
    assert out.count("heuristic · binary") == 2  # PREDICT and EVALUATE summaries
    assert "reused model" in out  # EVALUATE reuses the model PREDICT trained
    assert "auroc" in out and "Bound query:" in out
    assert LONG_SQL_LINE in out


def test_run_writes_each_table_to_a_numbered_output_file(shop_db, tmp_path):
    script = tmp_path / "script.pql"
    script.write_text(SCRIPT)
    out = tmp_path / "results.csv"
    result = ok("run", str(script), "--db", str(shop_db), "-o", str(out), "-q")
    assert pcsv.read_csv(tmp_path / "results-1.csv").column_names[-2:] == ["probability", "prediction"]
    assert pcsv.read_csv(tmp_path / "results-2.csv").column_names == ["model", "split", "metric", "value"]
    assert not out.exists()
    assert f"wrote 40 rows to {tmp_path / 'results-1.csv'} (statement 2)" in result.stdout


def test_run_reads_a_script_from_stdin(shop_db):
    result = CliRunner().invoke(main, ["run", "-", "--db", str(shop_db), "-q"], input=BUYS + ";\n")
    assert result.exit_code == 0, result.output
    assert "heuristic · binary" in result.stdout


def test_an_error_in_statement_two_of_a_script_names_its_line(shop_db, tmp_path):
    script = tmp_path / "bad.pql"
    script.write_text("DEFINE buys AS COUNT(purchases.*, 0, 30, days) > 0;\n\n"
                      "PREDICT SUM(purchases.amout, 0, 30, days)\n  FOR EACH customers WITH model = 'heuristic';\n")
    result = fails("run", str(script), "--db", str(shop_db))
    assert result.stderr.startswith("Error: line 3, column 23: table 'purchases' has no column 'amout'; "
                                    "did you mean 'amount'?\n  PREDICT SUM(purchases.amout, 0, 30, days)\n")
    assert "^^^^^" in result.stderr


def test_train_table_exports_rows_splits_and_metadata(shop_db, tmp_path):
    out = tmp_path / "train.parquet"
    result = ok("train-table", BUYS, "--db", str(shop_db), "-o", str(out))
    table = pq.read_table(out)
    counts = {s: table.column("split").to_pylist().count(s) for s in ("train", "val", "test")}
    assert f"wrote {table.num_rows:,} rows (train {counts['train']}, val {counts['val']}, test {counts['test']})" \
        in result.stdout
    assert all(counts.values())
    assert table.column_names == ["customer_id", "anchor_time", "label", "split"]
    metadata = pq.read_schema(out).metadata
    assert b"labels over the next 30 days" in metadata[b"pql.schedule"]
    assert result.stderr.startswith("warning: 1 of the 40 in customers")


@pytest.mark.parametrize("suffix", ["csv", "json", "jsonl"])
def test_train_table_writes_csv_and_json_as_query_does(shop_db, tmp_path, suffix):
    out = tmp_path / f"train.{suffix}"
    result = ok("train-table", BUYS, "--db", str(shop_db), "-o", str(out))
    assert f"wrote 360 rows (train 280, val 40, test 40) to {out}" in result.stdout
    if suffix == "csv":
        assert pcsv.read_csv(out).column_names == ["customer_id", "anchor_time", "label", "split"]
    else:
        text = out.read_text()
        rows = json.loads(text) if suffix == "json" else [json.loads(line) for line in text.splitlines()]
        assert len(rows) == 360 and set(rows[0]) == {"customer_id", "anchor_time", "label", "split"}
    assert "use a .parquet, .csv, .json or .jsonl file" in fails("train-table", BUYS, str(shop_db), "-o",
                                                         str(tmp_path / "train.txt")).stderr


def test_train_table_and_explain_take_quiet(shop_db, tmp_path):
    query = BUYS.replace("FOR EACH customers.customer_id", "FOR customer")  # notes: 'customer' is 'customers'
    loud = ok("train-table", query, str(shop_db), "-o", str(tmp_path / "a.parquet"))
    quiet = ok("train-table", query, str(shop_db), "-o", str(tmp_path / "b.parquet"), "-q")
    assert "note: " in loud.stderr and "note: " not in quiet.stderr
    assert "warning: 1 of the 40 in customers" in quiet.stderr  # warnings stay, as with query -q
    assert "wrote 360 rows" in quiet.stdout
    assert ok("explain", query, str(shop_db), "-q").stdout == ok("explain", query, "--db", str(shop_db)).stdout


def test_the_database_may_be_the_argument_after_the_query_or_script(shop_db, tmp_path):
    assert "· trained ·" in ok("query", BUYS, "--db", str(shop_db), "-q").stdout
    assert "· reused model ·" in ok("query", BUYS, str(shop_db), "-q").stdout  # the same database
    assert "· reused model ·" in ok("query", BUYS, str(shop_db), "--db", str(shop_db), "-q").stdout  # one, twice
    script = tmp_path / "script.pql"
    script.write_text(BUYS + ";\n")
    assert "heuristic · binary" in ok("run", str(script), str(shop_db), "-q").stdout
    assert "Bound query:" in ok("explain", BUYS, str(shop_db)).stdout
    ok("train-table", BUYS, str(shop_db), "-o", str(tmp_path / "t.parquet"), "-q")
    both = fails("query", BUYS, str(shop_db), "--db", "/elsewhere.duckdb", exit_code=2)
    assert f"two databases given: '{shop_db}' and --db '/elsewhere.duckdb'" in both.stderr
    for args in (["query", BUYS], ["run", str(script)], ["train-table", BUYS, "-o", str(tmp_path / "x.parquet")]):
        missing = fails(*args, exit_code=2)
        assert "no database given: name it after" in missing.stderr and "or with --db DB" in missing.stderr


def test_explain_with_a_database_shows_every_stage(shop_db):
    out = ok("explain", BUYS, "--db", str(shop_db)).stdout
    for header in ("PQL:", "Bound query:", "Anchors:", "Training-table SQL:", "Plan:"):
        assert f"\n{header}\n" in f"\n{out}"
    assert "train:    " in out and "predict at" in out
    assert 'FROM "pql_anchors"' in out


def test_explain_fails_like_the_run_when_no_training_anchor_fits(shop_db):
    too_long = "PREDICT SUM(purchases.amount, 0, 7, days) FORECAST 100 TIMEFRAMES FOR EACH customers.customer_id"
    out = fails("explain", too_long, "--db", str(shop_db)).output
    assert "no training rows: " in out and "no complete window fits" in out and "Plan:" not in out


def test_explain_points_at_a_train_start_after_the_data(shop_db):
    out = fails("explain", BUYS + ", train_start = '2030-01-01'", "--db", str(shop_db)).output
    assert "train_start 2030-01-01 00:00:00 is at or after the last timestamp" in out and "^^^" in out


def test_models_lists_and_removes_saved_models(shop_db, pql_home):
    assert "no saved models under" in ok("models").stdout
    ok("query", BUYS, "--db", str(shop_db), "-q")
    (fingerprint,) = [p.name for p in (pql_home / "models").iterdir()]
    listing = ok("models").stdout
    assert fingerprint[:8] in listing and "heuristic" in listing
    assert f"on {shop_db}" in " ".join(listing.split())  # which database it learnt from
    assert ok("models", "--remove", fingerprint[:8]).stdout == f"removed {fingerprint} (heuristic, binary)\n"
    assert not (pql_home / "models" / fingerprint).exists()
    result = fails("models", "--remove", fingerprint)
    assert f"Error: no saved model '{fingerprint}'" in result.stderr


def test_models_fit_an_80_column_terminal_with_ids_that_remove_accepts(shop_db, pql_home):
    ok("query", BUYS, "--db", str(shop_db), "-q")
    ok("query", BUYS.replace("0, 30, days", "0, 60, days"), "--db", str(shop_db), "-q")
    result = CliRunner().invoke(main, ["models"], env={"COLUMNS": "80"})
    lines = result.stdout.splitlines()
    assert result.exit_code == 0, result.output
    assert all(len(line) <= 80 for line in lines if str(pql_home) not in line and str(shop_db) not in line), \
        result.stdout  # a path stays whole
    assert "…" not in result.stdout
    assert lines[1].split() == ["id", "saved", "model", "task", "refit", "size"]  # headers whole
    ids = [line.split()[0] for line in lines[2:] if line[:1] not in (" ", "`", "") and not line.startswith("total:")]
    assert len(ids) == 2 and all(len(i) >= 8 for i in ids)
    text = " ".join(line.strip() for line in lines)  # the queries are wrapped, not dropped
    assert "0, 30, days) > 0 FOR EACH" in text and "0, 60, days) > 0 FOR EACH" in text
    removed = ok("models", "--remove", ids[0].upper()).stdout
    assert removed.startswith(f"removed {ids[0]}") and len(removed.split()[1]) == 24  # the full fingerprint


def test_models_marks_a_model_an_older_pql_saved(shop_db, pql_home):
    ok("query", BUYS, "--db", str(shop_db), "-q")
    assert "saved by an older pql" not in ok("models").stdout
    (folder,) = (pql_home / "models").iterdir()
    meta = json.loads((folder / "meta.json").read_text())
    (folder / "meta.json").write_text(json.dumps({**meta, "pql": "0.0.1"}))
    assert "(saved by an older pql: never reused, retrained when asked again; " in ok("models").stdout
    assert ok("models", "--remove-old").stdout.startswith("removed 1 saved model an older pql saved (")
    assert not folder.exists()
    ok("query", BUYS, "--db", str(shop_db), "-q")  # a current one stays
    assert ok("models", "--remove-old").stdout.startswith("removed 0 saved models")
    assert len(list((pql_home / "models").iterdir())) == 1


def test_models_show_each_size_and_the_total(shop_db, pql_home):
    from pql.display import human_size

    ok("query", BUYS, "--db", str(shop_db), "-q")
    ok("query", BUYS.replace("0, 30, days", "0, 60, days"), "--db", str(shop_db), "-q")
    lines = ok("models").stdout.splitlines()
    folders = {p.name: sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
               for p in (pql_home / "models").iterdir()}
    header, rows = lines[1], [line for line in lines[2:] if line[:1] not in (" ", "`", "") and line[:6] != "total:"]
    assert header.split()[-1] == "size" and len(rows) == 2
    for row in rows:  # right-aligned under the header's last column, the folder's bytes
        (fingerprint,) = [name for name in folders if name.startswith(row.split()[0])]
        assert len(row) == len(header) and row.endswith(human_size(folders[fingerprint]))
    assert f"total: 2 saved models, {human_size(sum(folders.values()))} on disk" in lines


def test_human_size():
    from pql.display import human_size

    assert [human_size(n) for n in (0, 1023, 1024, 1536, 5 * 2**20, 3 * 2**30, 2**50)] == [
        "0 B", "1023 B", "1.0 KiB", "1.5 KiB", "5.0 MiB", "3.0 GiB", "1048576.0 GiB"]


def test_models_remove_never_leaves_the_registry(pql_home):
    (pql_home / "models").mkdir(parents=True)
    (pql_home / "keep.txt").write_text("x")
    fails("models", "--remove", "..")
    fails("models", "--remove", "../keep.txt")
    assert (pql_home / "keep.txt").exists() and (pql_home / "models").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["query", "PREDICT COUNT(orderz.*, 0, 30) > 0 FOR EACH customers"],
     "Error: line 1, column 15: unknown table 'orderz'"),
    (["query", BUYS.replace("'heuristic'", "'heuristic', epoch = 3")],
     "Error: line 1, column 102: unknown option 'epoch'; did you mean 'epochs'?"),
    (["query", BUYS.replace("'heuristic'", "'xgboost'")], "Error: line 1, column 81: option 'model' must be one of"),
    (["query", "PREDICT COUNT(purchases.*, 0, 30) > 0 FOR EACH customers FOR"],
     "Error: line 1, column 58: unexpected 'FOR'"),
])
def test_user_errors_are_one_error_line_and_exit_code_1(shop_db, args, message):
    result = fails(*args, "--db", str(shop_db))
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.output


def test_a_missing_database_file_is_a_clean_error(tmp_path):
    result = fails("query", BUYS, "--db", str(tmp_path / "missing.duckdb"))
    assert result.stderr == f"Error: database file not found: {tmp_path / 'missing.duckdb'}\n"


def test_an_unknown_flag_is_a_usage_error(shop_db):
    result = fails("query", BUYS, "--db", str(shop_db), "--bogus", exit_code=2)
    assert "Error: No such option '--bogus'" in result.stderr


def test_commands_without_into_leave_the_database_folder_byte_for_byte_unchanged(shop_db, tmp_path):
    before = folder_state(shop_db.parent)
    ok("explain", BUYS, "--db", str(shop_db))
    ok("query", BUYS, "--db", str(shop_db), "-q")
    ok("query", "EVALUATE " + BUYS, "--db", str(shop_db), "-q")
    ok("train-table", BUYS, "--db", str(shop_db), "-o", str(tmp_path / "train.parquet"))
    assert folder_state(shop_db.parent) == before


def test_query_into_writes_the_table_and_says_so(shop_db):
    result = ok("query", BUYS + " INTO preds", "--db", str(shop_db), "-q")
    assert "wrote 40 rows into preds" in result.stderr  # one line, even with --quiet
    result = fails("query", BUYS + " INTO preds", "--db", str(shop_db))
    assert result.stderr.startswith("Error: table 'preds' already exists; write INTO OR REPLACE preds")


def test_evaluate_prints_every_metric_row():
    from types import SimpleNamespace

    import pyarrow as pa
    from rich.console import Console

    from pql.display import show_result

    rows = 30  # more than a prediction table shows
    metrics = pa.table({"model": ["gnn"] * rows, "split": ["val"] * rows, "metric": [f"m{i}" for i in range(rows)],
                        "value": [0.5] * rows})
    printed = {}
    for mode in ("evaluate", "predict"):
        console = Console(record=True, width=120)
        show_result(SimpleNamespace(text=None, summary=None, table=metrics, bound=SimpleNamespace(mode=mode)), console)
        printed[mode] = console.export_text()
    assert "m29" in printed["evaluate"] and "rows shown" not in printed["evaluate"]
    assert "m29" not in printed["predict"] and "20 of 30 rows shown" in printed["predict"]
