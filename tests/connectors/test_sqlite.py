"""A SQLite file as a source: types, keys and notes as pql reads them; the file is never changed but by INTO."""
from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime

import pytest

import connectors
import pql
from pql.errors import EngineError
from tests.api.shop import BUYS, write_sqlite


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def typed(tmp_path):
    """Every kind of column SQLite lets a table have, keys composite and implicit, in a file named .db."""
    path = tmp_path / "legacy.db"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE region (code TEXT, part INTEGER, name TEXT, PRIMARY KEY (code, part));
        CREATE TABLE shop (id INTEGER PRIMARY KEY, code TEXT, part INTEGER, opened DATETIME, vip BOOLEAN,
                           score REAL, mixed, note TEXT, blob BLOB, empty TEXT,
                           FOREIGN KEY (code, part) REFERENCES region (code, part));
        CREATE TABLE visit (id INTEGER PRIMARY KEY, shop_id INTEGER REFERENCES shop, at TEXT, amount NUMERIC);
        INSERT INTO region VALUES ('N', 1, 'north'), ('S', 2, 'south');
        INSERT INTO shop VALUES (1, 'N', 1, '2024-01-02 03:04:05', 1, 2, 7, 'a', x'00ff', NULL),
                                (2, 'S', 2, '2024-02-01', 0, 2.5, 'seven', '2024', NULL, NULL);
        INSERT INTO visit VALUES (1, 1, '2024-03-01T10:00:00', 12), (2, 2, '2024-03-02 11:30:00', 3.25);
    """)
    con.commit()
    con.close()
    return path


def test_tables_types_keys_and_notes(typed):
    before = _sha(typed)
    with connectors.open(typed) as source:  # a .db file with SQLite's header is not taken for DuckDB
        assert source.kind == "sqlite"
        assert source.table_names() == ("region", "shop", "visit")
        keys = source.declared_keys()
        assert keys.primary_keys == {"region": ("code", "part"), "shop": ("id",), "visit": ("id",)}
        fks = {(fk.table, fk.columns, fk.ref_table, fk.ref_columns) for fk in keys.foreign_keys}
        assert fks == {("shop", ("code", "part"), "region", ("code", "part")),
                       ("visit", ("shop_id",), "shop", ("id",))}  # REFERENCES shop: its primary key
        types = {r[0]: r[1] for r in source.connection.sql('DESCRIBE "shop"').fetchall()}
        assert types == {"id": "BIGINT", "code": "VARCHAR", "part": "BIGINT", "opened": "TIMESTAMP",
                         "vip": "BOOLEAN", "score": "DOUBLE", "mixed": "VARCHAR", "note": "VARCHAR",
                         "blob": "BLOB", "empty": "VARCHAR"}
        visit = {r[0]: r[1] for r in source.connection.sql('DESCRIBE "visit"').fetchall()}
        assert visit["at"] == "TIMESTAMP" and visit["amount"] == "DOUBLE"  # 12 and 3.25 in one column
        rows = source.connection.sql('SELECT "opened", "mixed", "score" FROM "shop" ORDER BY "id"').fetchall()
        assert rows == [(datetime(2024, 1, 2, 3, 4, 5), "7", 2.0), (datetime(2024, 2, 1), "seven", 2.5)]
        assert "visit.at: text column holding timestamps, read as TIMESTAMP" in source.notes
        assert not any(note.startswith("shop.note") for note in source.notes)  # '2024' alone is not all of them
    assert _sha(typed) == before


def test_a_session_on_sqlite_reads_without_changing_the_file(tmp_path):
    path = write_sqlite(tmp_path / "shop.sqlite")
    before = _sha(path)
    with pql.connect(str(path)) as session:
        predicted = session.predict(BUYS)
        assert session.db.table("purchases").time_column == "bought_at"
    assert predicted.num_rows == 40
    assert _sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.sqlite"]  # no journal or lock left behind


def test_into_writes_one_table_into_the_file_and_later_graphs_leave_it_out(tmp_path):
    path = write_sqlite(tmp_path / "shop.sqlite")
    with pql.connect(str(path)) as session:
        predicted = session.predict(BUYS + " INTO preds")
        assert "preds" not in session.db.table_names  # pql's own output is not a table to learn from
        with pytest.raises(EngineError, match="already exists"):
            session.predict(BUYS + " INTO preds")
    con = sqlite3.connect(path)
    try:
        written = con.execute('SELECT * FROM "preds" ORDER BY "customer_id"').fetchall()
        recorded = con.execute('SELECT name, query FROM "_pql_outputs"').fetchall()
    finally:
        con.close()
    assert len(written) == predicted.num_rows == 40
    assert recorded == [("preds", BUYS + " INTO preds")]
    with pql.connect(str(path)) as session:  # reopened: still left out, and replaceable
        assert session.connector.table_names() == ("customers", "purchases")
        session.predict(BUYS + " INTO OR REPLACE preds")


def test_a_failed_into_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    from engine import into_sqlite

    path = write_sqlite(tmp_path / "shop.sqlite")
    before = _sha(path)
    real = into_sqlite._value

    def failing(v):  # fails half-way through the rows
        if isinstance(v, float) and v > 0.5:
            raise RuntimeError("disk full")
        return real(v)

    monkeypatch.setattr(into_sqlite, "_value", failing)
    with pql.connect(str(path)) as session, pytest.raises(RuntimeError, match="disk full"):
        session.predict(BUYS + " INTO preds")
    assert _sha(path) == before


def test_into_a_name_with_a_quote_is_written_and_reported_written(tmp_path):
    path = write_sqlite(tmp_path / "shop.sqlite")
    with pql.connect(str(path)) as session:
        session.predict(BUYS + ' INTO "a""b"')  # the private copy takes the same name: no error after the write
        assert 'a"b' not in session.db.table_names
    con = sqlite3.connect(path)
    try:
        assert con.execute('SELECT count(*) FROM "a""b"').fetchone() == (40,)
    finally:
        con.close()
