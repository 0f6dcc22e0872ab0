"""The Python API under the mistakes and accidents of real use: one error shape, a failed INTO that keeps
the session and the rows, Ctrl-C stays a Ctrl-C, scripts checked before they run, warnings not lost."""
import logging

import pyarrow.parquet as pq
import pytest

import pql
from pql.errors import EngineError, PQLError, PQLInputError
from tests.api.shop import BUYS, SPEND


def test_every_pql_error_has_message_hint_and_span():
    e = PQLInputError("plain")
    assert (e.message, e.hint, e.span) == ("plain", None, None)


def test_a_failed_into_keeps_the_session_and_the_rows(shop_db, pql_home, monkeypatch):
    def locked(self, bq, table):
        raise EngineError("cannot open DuckDB file: Could not set lock on file")

    with pql.connect(str(shop_db)) as s:
        monkeypatch.setattr(type(s), "_write_into_source", locked)
        with pytest.raises(EngineError, match="INTO preds failed: cannot open DuckDB file") as info:
            s.predict(BUYS + " INTO preds")
        kept = next((pql_home / "unwritten").glob("preds-*.parquet"))
        assert str(kept) in info.value.message and pq.read_table(kept).num_rows == 40
        assert s.predict(BUYS).num_rows == 40  # still usable


def test_ctrl_c_inside_duckdb_stays_a_keyboard_interrupt(shop_db, monkeypatch):
    class InterruptException(Exception):  # how DuckDB reports Ctrl-C
        pass

    def interrupted(*args, **kwargs):
        try:
            raise InterruptException("Query interrupted")
        except InterruptException as e:
            raise EngineError("building LightGBM features failed: Query interrupted") from e

    import engine.run

    monkeypatch.setattr(engine.run, "run", interrupted)
    with pql.connect(str(shop_db)) as s, pytest.raises(KeyboardInterrupt):
        s.predict(BUYS)


def test_predict_takes_one_statement_and_says_so_before_running(shop_db):
    with pql.connect(str(shop_db)) as s:
        with pytest.raises(PQLInputError, match="runs one PREDICT statement, got 2; use run"):
            s.predict(BUYS + "; " + SPEND)
        with pytest.raises(PQLInputError, match="use explain"):
            s.predict("EXPLAIN " + BUYS)
        with pytest.raises(PQLInputError, match="use evaluate"):
            s.predict("EVALUATE " + BUYS)
        with pytest.raises(PQLInputError, match="drop INTO"):
            s.evaluate(BUYS + " INTO preds")


def test_a_script_is_checked_past_its_into(shop_db):
    with pql.connect(str(shop_db)) as s, pytest.raises(PQLError, match="unknown table 'purchse'"):
        s.run(BUYS + " INTO preds; PREDICT COUNT(purchse.*, 0, 30) > 0 FOR EACH customers")
    with pql.connect(str(shop_db)) as s:
        assert "preds" not in s.connector.table_names()  # nothing ran


def test_warnings_reach_the_pql_logger_by_default(shop_db, caplog):
    with caplog.at_level(logging.WARNING, logger="pql"), pql.connect(str(shop_db)) as s:
        s.predict("PREDICT COUNT(purchases.*, 0, 30, days) > 0 FOR customers.customer_id IN (1, 999) "
                  "WITH model = 'heuristic'")
    assert any("listed customers keys has no row to predict (999)" in r.getMessage() for r in caplog.records)


def test_stage_outputs_print(shop_db):
    db = pql.schema(str(shop_db))
    assert str(db).startswith(str(shop_db)) and "customers" in str(db)
    bq = pql.bind(BUYS, db)
    assert "task:" in str(bq)
    with pql.connect(str(shop_db)) as s:
        assert pql.schema(s) is s.db and pql.explain(BUYS, s).startswith("PQL:")
    with pytest.raises(PQLInputError, match="bind\\(\\) needs a Database, not str"):
        pql.bind(BUYS, str(shop_db))


def test_bad_overrides_are_reported_on_connect(shop_db):
    with pytest.raises(PQLError, match="schema overrides must be"):
        pql.connect(str(shop_db), overrides=12)


def test_json_output_keeps_the_digits(tmp_path):
    import json

    import pyarrow as pa

    from pql.display import write_table

    path = write_table(pa.table({"p": [0.14133751923456789, 0.5]}), tmp_path / "out.json")
    assert abs(json.loads(path.read_text())[0]["p"] - 0.14133751923456789) < 1e-15  # one JSON document


def test_jsonl_output_is_one_object_per_line(tmp_path):
    import json

    import pyarrow as pa

    from pql.display import write_table

    path = write_table(pa.table({"p": [0.25, 0.5]}), tmp_path / "out.jsonl")
    assert [json.loads(line)["p"] for line in path.read_text().splitlines()] == [0.25, 0.5]


def test_csv_output_writes_list_labels_as_json_text(tmp_path):
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from pql.display import write_table

    path = write_table(pa.table({"id": [1, 2], "label": [[3, 4], []]}), tmp_path / "rows.csv")
    assert pcsv.read_csv(path).column("label").to_pylist() == ["[3, 4]", "[]"]


def test_a_query_naming_an_into_table_is_told_why_it_cannot_read_it(shop_db):
    with pql.connect(str(shop_db)) as s:
        s.predict(BUYS + " INTO preds")
        with pytest.raises(PQLError) as info:
            s.bind("PREDICT COUNT(preds.*, 0, 30) > 0 FOR EACH customers")
    assert "holds predictions written by INTO" in info.value.hint
