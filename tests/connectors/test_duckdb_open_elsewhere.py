"""A DuckDB file this process already holds open (``duckdb.connect`` in the same notebook): the error
says what to do instead, pass that connection or close it."""
from __future__ import annotations

import duckdb
import pytest

import pql
from pql.errors import ConnectorError


def test_a_file_open_in_another_connection_gets_a_hint(tmp_path):
    path = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(path))  # read-write: pql's read-only open then differs in configuration
    try:
        con.execute("CREATE TABLE customers (customer_id INTEGER PRIMARY KEY)")
        with pytest.raises(ConnectorError) as info:
            pql.connect(str(path))
        assert "pql.connect(con)" in info.value.hint and "close it" in info.value.hint
        assert f"hint: {info.value.hint}" in str(info.value)
        assert "hint" not in info.value.message
        with pql.connect(con, log=lambda m: None) as s:  # what the hint says works
            assert [t.name for t in s.db.tables] == ["customers"]
    finally:
        con.close()
