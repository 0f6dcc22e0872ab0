"""connectors.open: dispatch, what each connector exposes, and the errors users see."""
from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

import connectors
from connectors.duckdb_file import DuckDBFileConnector
from connectors.files import FilesConnector
from connectors.memory import MemoryConnector
from connectors.wrapped import ConnectionConnector
from pql.errors import ConnectorError, PQLInputError
from tests.fixtures.databases import shop_frames, write_school_duckdb, write_shop_csvs

SHOP_TABLES = ("Customers", "Product", "order", "order_lines", "referrals", "reviews", "stock", "warehouse",
               "warehouses")


def test_csv_folder_one_table_per_file_with_backslash_n_nulls(tmp_path):
    folder = tmp_path / "shop"
    write_shop_csvs(folder)
    (folder / "with_nulls.csv").write_text("id,amount,when\n1,\\N,2024-01-02\n2,3.5,\\N\n")
    (folder / "README.md").write_text("not data")
    with connectors.open(folder) as source:
        assert isinstance(source, FilesConnector)
        assert source.table_names() == tuple(sorted(SHOP_TABLES + ("with_nulls",)))
        con = source.connection
        types = {r[0]: r[1] for r in con.sql('DESCRIBE "with_nulls"').fetchall()}
        assert types == {"id": "BIGINT", "amount": "DOUBLE", "when": "DATE"}
        assert con.sql('SELECT count(amount), count("when") FROM with_nulls').fetchall() == [(1, 1)]
        assert con.sql('SELECT count(*) FROM "order"').fetchall() == [(10,)]
        assert source.declared_keys().primary_keys == {}
        assert source.read_only


def test_parquet_text_timestamps_are_read_as_timestamps(tmp_path):
    frame = pd.DataFrame({"id": [1, 2], "InvoiceDate": ["2010-12-01 08:26:00", "2011-01-04 10:00:00"],
                          "code": ["A1", "B2"]})
    frame.to_parquet(tmp_path / "sales.parquet")
    with connectors.open(tmp_path / "sales.parquet") as source:  # a single file is a one-table source
        assert source.table_names() == ("sales",)
        types = {r[0]: r[1] for r in source.connection.sql("DESCRIBE sales").fetchall()}
        assert types == {"id": "BIGINT", "InvoiceDate": "TIMESTAMP", "code": "VARCHAR"}
        assert source.notes == ("sales.InvoiceDate: text column holding timestamps, read as TIMESTAMP",)


def test_json_files_array_or_one_object_per_line_with_nested_values_as_text(tmp_path):
    (tmp_path / "customers.json").write_text('[{"id": 1, "profile": {"tier": "gold"}}, {"id": 2, "profile": null}]')
    (tmp_path / "orders.jsonl").write_text('{"order_id": 7, "id": 1, "at": "31.12.2023 10:00", "items": [1, 2]}\n'
                                           '{"order_id": 8, "id": 2, "at": "01.01.2024 09:30", "items": []}\n')
    with connectors.open(tmp_path) as source:
        assert source.table_names() == ("customers", "orders")
        types = {r[0]: r[1] for r in source.connection.sql("DESCRIBE orders").fetchall()}
        assert types == {"order_id": "BIGINT", "id": "BIGINT", "at": "TIMESTAMP", "items": "VARCHAR"}
        assert source.connection.sql("SELECT profile FROM customers ORDER BY id").fetchall() == [
            ('{"tier":"gold"}',), (None,)]
        assert source.notes == ("customers.profile: nested values, kept as JSON text",
                                "orders.items: nested values, kept as JSON text",
                                "orders.at: text column holding timestamps, read as TIMESTAMP (day.month.year)")


def test_duckdb_file_is_read_only_and_hides_pql_and_other_schemas(tmp_path):
    path = write_school_duckdb(tmp_path / "school.duckdb")
    with connectors.open(path) as source:
        assert isinstance(source, DuckDBFileConnector) and source.read_only
        assert source.table_names() == ("courses", "enrollments", "grades", "students")
        keys = source.declared_keys()
        assert keys.primary_keys == {"courses": ("course_code",), "enrollments": ("student_id", "course_code"),
                                     "students": ("student_id",)}
        assert {(fk.table, fk.columns, fk.ref_table, fk.ref_columns) for fk in keys.foreign_keys} == {
            ("enrollments", ("student_id",), "students", ("student_id",)),
            ("enrollments", ("course_code",), "courses", ("course_code",)),
            ("grades", ("student_id", "course_code"), "enrollments", ("student_id", "course_code")),
        }
        with pytest.raises(duckdb.Error):
            source.connection.execute("CREATE TABLE x (a INTEGER)")
    with connectors.open(path, read_only=False) as source:
        source.connection.execute("CREATE TABLE x (a INTEGER)")
        assert "x" in source.table_names()


def test_memory_frames_pandas_and_arrow():
    frames = {"orders": shop_frames()["order"], "Items": pa.table({"item_id": [1, 2], "name": ["a", "b"]})}
    with connectors.open(frames) as source:
        assert isinstance(source, MemoryConnector)
        assert source.table_names() == ("Items", "orders")
        assert source.connection.sql('SELECT sum(total) FROM orders').fetchall()[0][0] == pytest.approx(261.24)
        assert source.connection.sql('SELECT name FROM "Items" ORDER BY item_id').fetchall() == [("a",), ("b",)]


def test_existing_connection_is_wrapped_and_left_open():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INTEGER)")
    with connectors.open(con) as source:
        assert isinstance(source, ConnectionConnector)
        assert source.table_names() == ("t",)
    assert con.sql("SELECT count(*) FROM t").fetchall() == [(0,)]  # still usable: not ours to close
    con.close()


def test_closed_connector_refuses_use():
    source = connectors.open({"t": pd.DataFrame({"a": [1]})})
    source.close()
    with pytest.raises(ConnectorError, match="closed"):
        source.connection


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p / "missing", "no such file or folder: .*missing"),
    (lambda p: p / "missing.duckdb", "database file not found: .*missing.duckdb"),
    (lambda p: _write(p / "notes.txt", b"hello"), "unsupported file type: notes.txt"),
    (lambda p: _write(p / "broken.db", b"SQLite format 3\x00" + b"\x00" * 100), "cannot (open|read) SQLite file .*broken.db"),
    (lambda p: _write(p / "bad" / "t.csv", b"a,b\n1,\xff\xfe\n2,x\n"), "cannot read CSV file .*t.csv: .*unicode"),
    (lambda p: _write(p / "bad" / "t.json", b'[{"a": 1}, {"a": '), "cannot read JSON file .*t.json"),
    (lambda p: _write(p / "empty" / "notes.md", b"x").parent, "no data files"),
    (lambda p: _write_all(p / "clash", {"a.csv": b"x\n1\n", "a.parquet": b"PAR1"}), "two files would both be table 'a'"),
])
def test_clear_errors(tmp_path, make, message):
    source = make(tmp_path)
    with pytest.raises(ConnectorError, match=message) as info:
        connectors.open(source)
    assert isinstance(info.value, PQLInputError)


def test_unknown_source_type():
    with pytest.raises(ConnectorError, match="cannot open 42"):
        connectors.open(42)


def test_registry_lets_new_sources_plug_in():
    @connectors.register
    class Echo(MemoryConnector):
        kind = "echo"

        @classmethod
        def accepts(cls, source):
            return source == "echo://"

        @classmethod
        def from_source(cls, source, *, read_only=True):
            return MemoryConnector.from_source({"echo": pd.DataFrame({"a": [1]})})

    try:
        with connectors.open("echo://") as source:
            assert source.table_names() == ("echo",)
    finally:
        from connectors import registry

        registry._REGISTRY.remove(Echo)


def _write(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _write_all(folder, files: dict[str, bytes]):
    for name, data in files.items():
        _write(folder / name, data)
    return folder


def test_mapping_of_non_frames_says_which():
    with pytest.raises(ConnectorError, match="in-memory tables must be pandas DataFrames or pyarrow Tables: "
                                             "'b' is a list"):
        connectors.open({"a": pd.DataFrame({"x": [1]}), "b": [1, 2]})
