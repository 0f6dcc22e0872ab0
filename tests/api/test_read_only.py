"""pql never changes the user's data unless a query says INTO, and INTO is all-or-nothing."""
from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

import pql
from engine.results import write_into_connection
from pql.errors import EngineError
from tests.api.conftest import digest, folder_state
from tests.api.shop import BUYS, tables, write_folder

INTO_PREDS = BUYS + " INTO preds"


def _tables_in(path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(r[0] for r in con.sql("SELECT table_name FROM duckdb_tables()").fetchall())
    finally:
        con.close()


def test_reading_operations_leave_a_duckdb_file_byte_for_byte_unchanged(shop_db):
    before = folder_state(shop_db.parent)
    with pql.connect(str(shop_db)) as session:
        session.explain(BUYS)
        session.predict(BUYS)
        session.evaluate(BUYS)
        session.train_table(BUYS)
        session.run("DEFINE buys AS COUNT(purchases.*, 0, 30, days) > 0;\n"
                    "PREDICT buys FOR EACH customers WITH model = 'heuristic';")
        assert session.connector.read_only
    assert folder_state(shop_db.parent) == before  # same bytes, and no .wal or other file appeared


def test_into_writes_the_predictions_as_one_new_table(shop_db):
    with pql.connect(str(shop_db)) as session:
        predicted = session.predict(INTO_PREDS)
    assert _tables_in(shop_db) == ["customers", "preds", "purchases"]
    con = duckdb.connect(str(shop_db), read_only=True)
    try:
        written = con.sql('SELECT * FROM "preds" ORDER BY "customer_id"').to_arrow_table()
    finally:
        con.close()
    assert written.column_names == predicted.column_names
    assert written.num_rows == predicted.num_rows == 40
    assert not shop_db.with_name(shop_db.name + ".wal").exists()


def test_into_an_existing_table_fails_before_training_and_leaves_the_file_unchanged(shop_db):
    with pql.connect(str(shop_db)) as session:
        session.predict(INTO_PREDS)
    before = digest(shop_db)
    messages: list[str] = []
    with pql.connect(str(shop_db), log=messages.append) as session:
        with pytest.raises(EngineError, match="'preds' already exists; write INTO OR REPLACE preds"):
            session.predict(INTO_PREDS.replace("'heuristic'", "'heuristic', retrain = true"))
    assert not any(m.startswith("training") for m in messages)  # refused up front, not after the work
    assert digest(shop_db) == before


def test_into_or_replace_overwrites_a_previous_result(shop_db):
    with pql.connect(str(shop_db)) as session:
        session.predict(INTO_PREDS)
        session.predict(BUYS + " INTO OR REPLACE preds")
    assert _tables_in(shop_db) == ["customers", "preds", "purchases"]


def test_into_or_replace_refuses_to_overwrite_a_table_the_query_reads(shop_db):
    before = digest(shop_db)
    with pql.connect(str(shop_db)) as session:
        with pytest.raises(EngineError, match="would overwrite 'purchases', a table this query reads"):
            session.predict(BUYS + " INTO OR REPLACE purchases")
    assert digest(shop_db) == before


class _FailingCommit:
    """A connection whose COMMIT fails, as a full disk would make it."""

    def __init__(self, con):
        self._con = con

    def execute(self, sql, *args):
        if sql.strip().upper() == "COMMIT":
            raise duckdb.IOException("could not write: no space left on device")
        return self._con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_a_failure_while_writing_rolls_the_new_table_back(shop_db):
    before = digest(shop_db)
    con = duckdb.connect(str(shop_db))
    try:
        with pytest.raises(EngineError, match="cannot write predictions into 'preds': .*no space left"):
            write_into_connection(_FailingCommit(con), "preds", tables()["customers"], replace=False)
        assert con.sql("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'preds'").fetchall() == [(0,)]
    finally:
        con.close()
    assert _tables_in(shop_db) == ["customers", "purchases"]
    assert digest(shop_db) == before


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_folder_is_only_written_by_into_and_then_as_one_parquet_file(tmp_path, fmt):
    folder = write_folder(tmp_path / "shop", fmt=fmt)
    before = folder_state(folder)
    with pql.connect(str(folder)) as session:
        session.explain(BUYS)
        predicted = session.predict(BUYS)
        session.train_table(BUYS)
        assert folder_state(folder) == before
        session.predict(INTO_PREDS)
    after = folder_state(folder)
    assert set(after) - set(before) == {"preds.parquet"}  # no temp file left behind
    assert {k: after[k] for k in before} == before
    assert pq.read_table(folder / "preds.parquet").num_rows == predicted.num_rows

    with pql.connect(str(folder)) as session:
        with pytest.raises(EngineError, match="preds.parquet already exists; write INTO OR REPLACE"):
            session.predict(INTO_PREDS)
        assert folder_state(folder) == after
        session.predict(BUYS + " INTO OR REPLACE preds")


def test_into_a_folder_refuses_a_name_that_another_file_already_holds(tmp_path):
    folder = write_folder(tmp_path / "shop", fmt="csv")
    (folder / "preds.csv").write_text("a\n1\n")
    before = folder_state(folder)
    with pql.connect(str(folder)) as session:
        with pytest.raises(EngineError, match="preds.csv already holds table 'preds'"):
            session.predict(INTO_PREDS)
        with pytest.raises(EngineError, match="would overwrite 'preds', a table this query reads"):
            session.predict(BUYS + " INTO OR REPLACE preds")
    assert folder_state(folder) == before


def test_in_memory_frames_are_never_mutated():
    frames = {name: t.to_pandas() for name, t in tables().items()}
    copies = {name: df.copy(deep=True) for name, df in frames.items()}
    with pql.connect(frames) as session:
        session.predict(BUYS)
        with pytest.raises(EngineError, match="cannot be written"):  # a private copy: the table would be lost
            session.predict(INTO_PREDS)
    assert set(frames) == {"customers", "purchases"}
    for name, df in frames.items():
        pd.testing.assert_frame_equal(df, copies[name])


@pytest.mark.parametrize("name", ["main.purchases", 'a"b', "x;y"])
def test_an_into_name_is_one_identifier_not_sql(shop_db, name):
    """A dot, quote or semicolon is part of the table's name: "main.purchases" must not replace the source."""
    quoted = '"' + name.replace('"', '""') + '"'
    with pql.connect(str(shop_db)) as session:
        session.predict(f"{BUYS} INTO OR REPLACE {quoted}")
    assert _tables_in(shop_db) == sorted(["customers", name, "purchases"])
    con = duckdb.connect(str(shop_db), read_only=True)
    try:
        assert con.sql('SELECT count(*) FROM "purchases"').fetchall()[0][0] > 40  # the purchases, not predictions
    finally:
        con.close()
