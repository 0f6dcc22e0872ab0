"""DuckDB's memory for a feature query is capped by the free memory and restored afterwards."""
from __future__ import annotations

import duckdb
import pytest

from engine.features import memory_cap
from engine.features.memory_cap import FLOOR_BYTES, memory_within_available, parse_size


def _limit(con) -> str:
    return con.sql("SELECT current_setting('memory_limit')").fetchall()[0][0]


@pytest.mark.parametrize("text, expected", [("18.8 GiB", int(18.8 * (1 << 30))), ("512.0 MiB", 512 << 20),
                                            ("1000 bytes", 1000), ("2 GB", 2 * 10**9), ("unlimited", None)])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.fixture
def tight(monkeypatch):
    """A connection allowed 8 GiB on a machine said to have 2 GiB free, and its limit before."""
    con = duckdb.connect()
    con.execute("SET memory_limit = '8GiB'")
    monkeypatch.setattr(memory_cap, "available_bytes", lambda: 2 << 30)
    return con, _limit(con)


def test_limit_lowered_inside_and_restored_after(tight):
    con, before = tight
    with memory_within_available(con):
        inside = parse_size(_limit(con))
        assert FLOOR_BYTES <= inside <= int(0.8 * (2 << 30)) + (64 << 20)  # plus what DuckDB holds (little)
        assert con.sql("SELECT sum(i) FROM range(1000) t(i)").fetchall() == [(499500,)]
    assert _limit(con) == before


def test_restored_after_an_error(tight):
    con, before = tight
    with pytest.raises(duckdb.Error):
        with memory_within_available(con):
            con.sql("SELECT * FROM no_such_table").fetchall()
    assert _limit(con) == before


def test_untouched_when_free_memory_is_plentiful_or_unknown(monkeypatch):
    con = duckdb.connect()
    con.execute("SET memory_limit = '1GiB'")
    before = _limit(con)
    for free in (1 << 40, None):
        monkeypatch.setattr(memory_cap, "available_bytes", lambda free=free: free)
        with memory_within_available(con):
            assert _limit(con) == before
