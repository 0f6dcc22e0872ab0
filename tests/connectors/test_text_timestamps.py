"""Text columns holding timestamps in a common layout are read as TIMESTAMP, in CSV, Parquet and SQLite."""
from __future__ import annotations

import datetime as dt
import sqlite3

import duckdb
import pytest

import connectors
from connectors._sql import table_ref
from connectors.text_timestamps import ISO, find_text_timestamps


@pytest.fixture
def con():
    con = duckdb.connect()
    yield con
    con.close()


def _table(con, rows: list[tuple]) -> None:
    con.execute("CREATE TABLE t (us VARCHAR, eu VARCHAR, iso VARCHAR, both_ways VARCHAR, stray VARCHAR, empty VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", rows)


def test_each_layout_is_found_and_ambiguous_or_mixed_columns_stay_text(con):
    _table(con, [("12/1/2010 8:26", "13.01.2010 08:26", "2010-12-01 08:26:00", "1/2/2010", "2010-01-01", None),
                 ("12/13/2010 17:05", "01.12.2010 17:05", "2010-12-13", "3/4/2010", "soon", None),
                 (None, None, None, None, None, None)])
    found = find_text_timestamps(con, "t", table_ref("t"), ["us", "eu", "iso", "both_ways", "stray", "empty"])
    assert {c: layout.name for c, layout in found.parsed.items()} == {
        "us": "month/day/year", "eu": "day.month.year", "iso": ISO}
    assert found.parsed["us"].formats == ("%m/%d/%Y %H:%M",)  # narrowed to the format the values use
    assert "t.us: text column holding timestamps, read as TIMESTAMP (month/day/year)" in found.notes
    assert "t.iso: text column holding timestamps, read as TIMESTAMP" in found.notes
    assert any(n.startswith("t.both_ways: text that reads as dates both month-first and day-first") for n in found.notes)
    assert not any(n.startswith(("t.stray", "t.empty")) for n in found.notes)
    read = con.sql(found.select(table_ref("t")).sql("duckdb")).fetchall()
    assert read[1][:3] == (dt.datetime(2010, 12, 13, 17, 5), dt.datetime(2010, 12, 1, 17, 5), dt.datetime(2010, 12, 13))
    assert read[1][3:5] == ("3/4/2010", "soon")


def test_version_numbers_and_plain_numbers_are_not_dates(con):
    con.execute("CREATE TABLE t (version VARCHAR, amount VARCHAR, year_text VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [("1.2.3", "12.5", "2020"), ("2.0.10", "7", "2021")])
    found = find_text_timestamps(con, "t", table_ref("t"), ["version", "amount", "year_text"])
    assert found.parsed == {} and found.notes == ()  # %Y takes one digit: 1.2.3 would be year 3


def test_a_value_past_the_probe_that_does_not_parse_keeps_the_column_text(con):
    con.execute("CREATE TABLE t (seen_at VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [(f"1/{1 + i % 28}/2020 10:00",) for i in range(500)] + [("n/a",)])
    assert find_text_timestamps(con, "t", table_ref("t"), ["seen_at"]).parsed == {}


def test_a_csv_with_month_first_times_gets_a_time_column(tmp_path):
    (tmp_path / "customers.csv").write_text("customer_id\n1\n2\n")
    (tmp_path / "orders.csv").write_text("order_id,customer_id,ordered\n1,1,12/1/2010 8:26\n2,2,12/13/2010 17:05\n"
                                         "3,1,1/2/2011 9:00\n")
    with connectors.open(tmp_path) as source:
        assert "orders.ordered: text column holding timestamps, read as TIMESTAMP (month/day/year)" in source.notes
        from engine.schema import introspect

        db = introspect(source)
    assert db.table("orders").time_column == "ordered"


def test_sqlite_text_in_a_local_layout_is_read_as_timestamp(tmp_path):
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as src:
        src.execute("CREATE TABLE visit (id INTEGER PRIMARY KEY, at TEXT)")
        src.executemany("INSERT INTO visit VALUES (?, ?)", [(1, "31.12.2020 23:59"), (2, "01.01.2021 00:10")])
    with connectors.open(path) as source:
        assert "visit.at: text column holding timestamps, read as TIMESTAMP (day.month.year)" in source.notes
        assert source.connection.sql('SELECT max("at") FROM "visit"').fetchall() == [(dt.datetime(2021, 1, 1, 0, 10),)]
