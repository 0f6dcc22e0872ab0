"""Times stored as epoch numbers or compact ISO text are read as TIMESTAMP and chosen as time columns.

A number column is read so only when its name says it holds a time and every value lies within 1990-2100
in one unit (seconds, milliseconds or microseconds, told apart by magnitude); bare ``YYYYMMDD`` text only
under such a name. Anything else is left as it is.
"""
from __future__ import annotations

import datetime as dt
import sqlite3

import duckdb
import pytest

import pql
from engine.schema import introspect

TIMES = [dt.datetime(2022, 9, 10, 4, 30, 27), dt.datetime(2023, 1, 2, 3, 4, 5, 678000)]
SECONDS = [int((t - dt.datetime(1970, 1, 1)).total_seconds()) for t in TIMES]


def _db(dtype: str, values: list, column: str = "visited_at"):
    con = duckdb.connect()
    con.execute(f'CREATE TABLE visits (visit_id INTEGER PRIMARY KEY, "{column}" {dtype})')
    con.executemany("INSERT INTO visits VALUES (?, ?)", list(enumerate(values)))
    return con, introspect(con)


def _read(con, column: str = "visited_at") -> list:
    return [r[0] for r in con.sql(f'SELECT "{column}" FROM visits ORDER BY visit_id').fetchall()]


@pytest.mark.parametrize("unit,dtype,values,expected", [
    ("epoch seconds", "BIGINT", SECONDS, [t.replace(microsecond=0) for t in TIMES]),
    ("epoch seconds", "DOUBLE", [s + 0.678 for s in SECONDS],
     [t.replace(microsecond=678000) for t in TIMES]),
    ("epoch milliseconds", "BIGINT", [s * 1000 + 678 for s in SECONDS], [t.replace(microsecond=678000) for t in TIMES]),
    ("epoch microseconds", "BIGINT", [s * 1_000_000 + 678000 for s in SECONDS],
     [t.replace(microsecond=678000) for t in TIMES]),
])
def test_epoch_numbers_named_as_times_become_the_time_column(unit, dtype, values, expected):
    con, db = _db(dtype, values + [None])
    visits = db.table("visits")
    assert visits.time_column == "visited_at" and visits.column("visited_at").dtype == "TIMESTAMP"
    assert f"visits.visited_at: numbers holding {unit} (all within 1990-2100), read as TIMESTAMP (UTC)" in db.notes
    assert _read(con) == [*expected, None]


@pytest.mark.parametrize("column,values,layout", [
    ("visited_at", ["20220910T043027", "20230102T030405"], "compact ISO 8601"),
    ("visit_date", ["20220910", "20230102"], "compact date YYYYMMDD"),
])
def test_compact_iso_text_becomes_the_time_column(column, values, layout):
    con, db = _db("VARCHAR", values, column)
    assert db.table("visits").time_column == column
    assert f"visits.{column}: text column holding timestamps, read as TIMESTAMP ({layout})" in db.notes
    assert _read(con, column)[0] == dt.datetime(2022, 9, 10, *((4, 30, 27) if "T" in values[0] else ()))


@pytest.mark.parametrize("column,dtype,values", [
    ("visited_at", "BIGINT", [SECONDS[0], -1]),  # not every value is a time (0 would be: a placeholder, NULL)
    ("visited_at", "BIGINT", [SECONDS[0], SECONDS[1] * 1000]),  # units mixed
    ("visited_at", "BIGINT", [5, 17]),  # small numbers: no epoch
    ("amount", "BIGINT", SECONDS),  # in range, but the name says nothing of time
    ("batch", "VARCHAR", ["20220910", "20230102"]),  # eight digits, not named as a time: a code
    ("visited_at", "VARCHAR", ["20220910T043027", "2022091"]),  # one value too short
])
def test_other_columns_are_left_as_they_are(column, dtype, values):
    con, db = _db(dtype, values, column)
    visits = db.table("visits")
    assert visits.time_column is None and visits.column(column).dtype == dtype
    assert _read(con, column) == values


def test_epoch_numbers_in_a_csv_folder_and_a_sqlite_file(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "visits.csv").write_text("visit_id,event_ts\n" + "".join(f"{i},{s}\n" for i, s in enumerate(SECONDS)))
    path = tmp_path / "shop.sqlite"
    lite = sqlite3.connect(path)
    lite.execute("CREATE TABLE visits (visit_id INTEGER PRIMARY KEY, event_ts INTEGER)")
    lite.executemany("INSERT INTO visits VALUES (?, ?)", [(i, s * 1000) for i, s in enumerate(SECONDS)])
    lite.commit()
    lite.close()
    for source, unit in ((folder, "seconds"), (path, "milliseconds")):
        db = pql.schema(str(source))
        assert db.table("visits").time_column == "event_ts", source
        assert f"visits.event_ts: numbers holding epoch {unit} (all within 1990-2100), read as TIMESTAMP (UTC)" in db.notes
