"""DuckDB spills big queries to disk; pql's connections spill under the system's temporary folder, never
beside the user's database or into the current folder."""
import os
import tempfile

import duckdb
import pyarrow as pa

import pql
from connectors._duckdb import connect


def _setting(con) -> str:
    return con.sql("SELECT current_setting('temp_directory')").fetchall()[0][0]


def test_a_spilling_query_leaves_nothing_beside_a_read_only_database(tmp_path, monkeypatch):
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT range AS x, random() AS y FROM range(2000000)")
    monkeypatch.chdir(tmp_path)
    con = connect(str(path), read_only=True)
    try:
        spill = _setting(con)
        assert os.path.dirname(spill) == tempfile.gettempdir()
        con.execute("SET memory_limit = '40MB'")
        con.execute("SET threads = 1")
        rows = con.sql("SELECT count(*) FROM (SELECT x, row_number() OVER (ORDER BY y) FROM t ORDER BY y)").fetchall()
        assert rows == [(2000000,)]
        assert sorted(os.listdir(tmp_path)) == ["shop.duckdb"]  # DuckDB's default: shop.duckdb.tmp/ here
    finally:
        con.close()
    assert not os.path.exists(spill)


def test_every_source_and_the_engines_scratch_connections_spill_privately(tmp_path):
    from engine.graph.keymatch import connect_duckdb

    with pql.connect({"t": pa.table({"x": [1, 2]})}) as session:
        assert _setting(session.con).startswith(os.path.join(tempfile.gettempdir(), "pql-duckdb-"))
    scratch = connect_duckdb()
    try:
        assert _setting(scratch).startswith(os.path.join(tempfile.gettempdir(), "pql-duckdb-"))
    finally:
        scratch.close()
