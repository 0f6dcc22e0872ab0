"""INTO names and files that could never be written are refused before any training, not after it."""
from __future__ import annotations

import os
import sqlite3

import pytest

import pql
from pql.errors import PQLError
from tests.api.shop import BUYS, write_duckdb, write_sqlite


@pytest.fixture
def no_training(monkeypatch):
    """Training is never reached: every refusal below comes first."""
    import engine.run

    def trained(*args, **kwargs):
        raise AssertionError("trained before the INTO was checked")

    monkeypatch.setattr(engine.run, "run", trained)


@pytest.mark.parametrize("writer", [write_sqlite, write_duckdb])
@pytest.mark.parametrize("into", ["INTO OR REPLACE _pql_outputs", "INTO _PQL_Outputs"])
def test_pqls_own_bookkeeping_table_is_refused(tmp_path, no_training, writer, into):
    path = writer(tmp_path / "shop.db")
    with pql.connect(str(path)) as session:
        with pytest.raises(PQLError, match="pql's own table"):
            session.predict(f"{BUYS} {into}")
        with pytest.raises(PQLError, match="pql's own table"):  # a script: before its statement 1
            session.run(f"{BUYS} INTO first; {BUYS} {into};")


@pytest.mark.parametrize("name", ["sqlite_foo", "SQLite_Stat1"])
def test_names_sqlite_reserves_are_refused(tmp_path, no_training, name):
    path = write_sqlite(tmp_path / "shop.sqlite")
    with pql.connect(str(path)) as session:
        with pytest.raises(PQLError, match="SQLite reserves names starting with 'sqlite_'"):
            session.predict(f"{BUYS} INTO {name}")
        with pytest.raises(PQLError, match="SQLite reserves"):
            session.run(f"{BUYS} INTO first; {BUYS} INTO {name};")


def test_a_read_only_sqlite_file_is_refused(tmp_path, no_training, monkeypatch):
    path = write_sqlite(tmp_path / "shop.sqlite")
    real = os.access
    # root writes whatever chmod says: say what a plain user's os.access would
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if os.fspath(p) == os.fspath(path)
                        else real(p, mode, *a, **k))
    with pql.connect(str(path)) as session:
        with pytest.raises(PQLError, match="read-only for this user"):
            session.predict(f"{BUYS} INTO preds")
        with pytest.raises(PQLError, match="read-only"):
            session.run(f"{BUYS} INTO first; {BUYS} INTO preds;")


def test_a_read_only_folder_is_refused_for_the_journal(tmp_path, no_training, monkeypatch):
    path = write_sqlite(tmp_path / "shop.sqlite")
    real = os.access
    folder = os.fspath(tmp_path.resolve())
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if os.fspath(p) == folder
                        else real(p, mode, *a, **k))
    with pql.connect(str(path)) as session, pytest.raises(PQLError, match="journal"):
        session.predict(f"{BUYS} INTO preds")


def test_a_writable_file_still_takes_into(tmp_path):
    path = write_sqlite(tmp_path / "shop.sqlite")
    with pql.connect(str(path)) as session:
        session.predict(f"{BUYS} INTO preds")
    con = sqlite3.connect(path)
    try:
        assert con.execute('SELECT count(*) FROM "preds"').fetchone() == (40,)
    finally:
        con.close()


def test_schema_notes_leave_out_into_outputs(tmp_path):
    """`pql schema` leaves INTO outputs out of the tree, so its notes say nothing of them either."""
    import connectors

    path = write_sqlite(tmp_path / "shop.sqlite")
    with pql.connect(str(path)) as session:
        session.predict(f"{BUYS} INTO preds")
    with connectors.open(path) as source:
        assert not any(note.startswith("preds.") for note in source.notes), source.notes
        assert "purchases.bought_at: text column holding timestamps, read as TIMESTAMP" in source.notes
    with pql.connect(str(path)) as session:
        assert not any("preds" in note for note in session.db.notes)
