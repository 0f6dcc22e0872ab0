"""DuckDB spills big queries to disk; pql's connections spill under ``$PQL_HOME/spill``, never beside the
user's database or into the current folder (DuckDB's defaults)."""
import os
import tempfile
import time

import duckdb
import pyarrow as pa

import pql
from connectors import _duckdb
from connectors._duckdb import connect


def _setting(con) -> str:
    return con.sql("SELECT current_setting('temp_directory')").fetchall()[0][0]


def test_a_spilling_query_leaves_nothing_beside_a_read_only_database(tmp_path, monkeypatch):
    path = tmp_path / "db" / "shop.duckdb"
    path.parent.mkdir()
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT range AS x, random() AS y FROM range(2000000)")
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(path.parent)
    con = connect(str(path), read_only=True)
    try:
        spill = _setting(con)
        assert os.path.dirname(spill) == str(tmp_path / "home" / "spill")
        con.execute("SET memory_limit = '40MB'")
        con.execute("SET threads = 1")
        rows = con.sql("SELECT count(*) FROM (SELECT x, row_number() OVER (ORDER BY y) FROM t ORDER BY y)").fetchall()
        assert rows == [(2000000,)]
        assert sorted(os.listdir(path.parent)) == ["shop.duckdb"]  # DuckDB's default: shop.duckdb.tmp/ here
    finally:
        con.close()
    assert not os.path.exists(spill)


def test_every_source_and_the_engines_scratch_connections_spill_privately(tmp_path, monkeypatch):
    from engine.graph.keymatch import connect_duckdb

    monkeypatch.setenv("PQL_HOME", str(tmp_path))
    with pql.connect({"t": pa.table({"x": [1, 2]})}) as session:
        assert _setting(session.con).startswith(str(tmp_path / "spill" / "duckdb-"))
    scratch = connect_duckdb()
    try:
        assert _setting(scratch).startswith(str(tmp_path / "spill" / "duckdb-"))
    finally:
        scratch.close()


def test_an_unwritable_home_spills_to_the_temporary_folder(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.write_text("a file, not a folder")
    monkeypatch.setenv("PQL_HOME", str(home))
    con = connect()
    try:
        assert os.path.dirname(_setting(con)) == tempfile.gettempdir()
    finally:
        con.close()


def test_old_folders_of_dead_processes_are_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("PQL_HOME", str(tmp_path))
    spill = tmp_path / "spill"
    dead_old, dead_new, alive_old = (spill / f"duckdb-{pid}-abc" for pid in (999_999_999, 999_999_998, os.getpid()))
    for folder in (dead_old, dead_new, alive_old):
        folder.mkdir(parents=True)
    day_ago = time.time() - _duckdb.STALE_SPILL_SECONDS - 60
    for folder in (dead_old, alive_old):
        os.utime(folder, (day_ago, day_ago))
    connect().close()
    assert not dead_old.exists() and dead_new.exists() and alive_old.exists()
