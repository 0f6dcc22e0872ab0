"""INTO checks that run before any training, through the Session API (heuristic model)."""
from __future__ import annotations

import os
import stat

import pytest

import pql
from pql.errors import PQLError
from tests.api.shop import BUYS, SPEND, tables, write_folder


NOT_NOTES = BUYS.replace(" WITH", " USING customers, purchases WITH")


def _trained(messages: list[str]) -> bool:
    return any(m.startswith("training ") for m in messages)


def test_or_replace_in_another_case_replaces_the_folders_table_with_normal_permissions(tmp_path):
    folder = write_folder(tmp_path / "shop")
    old = os.umask(0o022)
    try:
        with pql.connect(str(folder)) as s:
            s.run(f"{BUYS} INTO preds")
            s.run(f"{BUYS} INTO OR REPLACE Preds")
    finally:
        os.umask(old)
    assert sorted(p.name for p in folder.iterdir()) == ["customers.parquet", "preds.parquet", "purchases.parquet"]
    assert stat.S_IMODE((folder / "preds.parquet").stat().st_mode) == 0o644


def test_a_path_as_a_folder_table_name_is_refused_before_training(tmp_path):
    folder = write_folder(tmp_path / "shop")
    messages: list[str] = []
    with pql.connect(str(folder), log=messages.append) as s:
        with pytest.raises(PQLError, match="no plain file name"):
            s.run(f'{BUYS} INTO "{tmp_path / "outside"}"')
    assert not _trained(messages)
    assert not (tmp_path / "outside.parquet").exists()


def test_into_a_dict_of_frames_is_refused_before_training():
    messages: list[str] = []
    with pql.connect(dict(tables()), log=messages.append) as s:
        with pytest.raises(PQLError, match="cannot be written.*returned table"):
            s.run(f"{BUYS} INTO preds")
    assert not _trained(messages)


@pytest.mark.parametrize("into", ["INTO OR REPLACE notes", "INTO Notes"])
def test_into_never_replaces_a_users_table_the_query_does_not_read(shop_db, into):
    import duckdb

    from tests.api.conftest import digest

    con = duckdb.connect(str(shop_db))
    con.execute("CREATE TABLE notes (note_id INTEGER PRIMARY KEY, body VARCHAR)")
    con.close()
    before = digest(shop_db)
    messages: list[str] = []
    with pql.connect(str(shop_db), log=messages.append) as s:
        with pytest.raises(PQLError, match="'notes' is one of your tables, not one INTO wrote"):
            s.run(f"{NOT_NOTES} {into}")
        assert not _trained(messages)
        assert digest(shop_db) == before
        s.run(f"{NOT_NOTES} INTO preds")
        s.run(f"{NOT_NOTES} INTO OR REPLACE preds")  # what INTO wrote stays replaceable


def test_into_or_replace_of_a_users_sqlite_table_is_refused_before_training(tmp_path):
    import sqlite3

    from tests.api.shop import write_sqlite

    path = write_sqlite(tmp_path / "shop.sqlite")
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (note_id INTEGER PRIMARY KEY, body TEXT)")
    con.commit()
    con.close()
    messages: list[str] = []
    with pql.connect(str(path), log=messages.append) as s:
        with pytest.raises(PQLError, match="'notes' is one of your tables"):
            s.run(f"{NOT_NOTES} INTO OR REPLACE notes")
    assert not _trained(messages)
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM notes").fetchone() == (0,)
    con.close()


def test_a_script_reports_every_statements_mistakes_and_a_doubled_into_before_anything_trains(shop_db):
    messages: list[str] = []
    script = (f"{BUYS} INTO preds;\n"
              "PREDICT SUM(purchases.amout, 0, 30) FOR EACH customers;\n"
              f"{BUYS} INTO Preds;\n")
    with pql.connect(str(shop_db), log=messages.append) as s:
        with pytest.raises(PQLError) as e:
            s.run(script)
    assert not _trained(messages)
    text = str(e.value)
    assert text.startswith("2 errors:") and "line 2, column 23: table 'purchases' has no column 'amout'" in text
    assert "line 3, column 1: an earlier statement of this script writes INTO Preds too" in text


def test_a_script_whose_into_table_exists_stops_before_its_first_statement_trains(shop_db):
    messages: list[str] = []
    with pql.connect(str(shop_db), log=messages.append) as s:
        s.run(f"{BUYS} INTO preds")
        messages.clear()
        with pytest.raises(PQLError, match="'preds' already exists"):
            s.run(f"{SPEND};\n{BUYS} INTO preds;")
    assert not _trained(messages)
