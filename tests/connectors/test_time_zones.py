"""Timestamps with a UTC offset, and TIMESTAMPTZ columns, read as plain TIMESTAMP in UTC from every source,
whatever the machine's time zone.

DuckDB takes the machine's zone once per process (ICU caches it), so setting ``TZ`` inside the test
process would change nothing: the sources are opened in a child process that runs under Asia/Tokyo.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import connectors

VALUES = ["2021-01-01T10:00:00+02:00", "2021-01-01T10:00:00Z", "2021-01-01T10:00:00-05:00",
          "2021-01-02T10:00:00+09:00", "2021-01-03 10:00:00"]
IN_UTC = ["2021-01-01 08:00:00", "2021-01-01 10:00:00", "2021-01-01 15:00:00", "2021-01-02 01:00:00",
          "2021-01-03 10:00:00"]
REPO = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys
import pandas as pd
import connectors
frame = pd.DataFrame({"ev_id": range(1, 6), "at": pd.to_datetime(sys.argv[1:6], format="ISO8601", utc=True)})
frame["at"] = frame["at"].dt.tz_convert("America/New_York")
read = {}
for name, source in [*((p, p) for p in sys.argv[6:]), ("memory", {"ev": frame})]:
    with connectors.open(source) as s:
        con = s.connection
        zone = con.sql("SELECT current_setting('TimeZone')").fetchall()[0][0]
        kind = [r[1] for r in con.sql('DESCRIBE ev').fetchall() if r[0] == "at"][0]
        values = [v for (v,) in con.sql('SELECT CAST(CAST("at" AS TIMESTAMP) AS VARCHAR) FROM ev ORDER BY ev_id').fetchall()]
        read[name] = {"zone": zone, "type": kind, "values": values}
print(json.dumps(read))
"""


def _sources(tmp_path: Path) -> list[Path]:
    frame = pd.DataFrame({"ev_id": range(1, 6), "at": VALUES})
    (tmp_path / "csv").mkdir()
    frame.to_csv(tmp_path / "csv" / "ev.csv", index=False)
    (tmp_path / "json").mkdir()
    frame.to_json(tmp_path / "json" / "ev.json", orient="records")
    with sqlite3.connect(tmp_path / "ev.sqlite") as src:
        frame.to_sql("ev", src, index=False)
    con = duckdb.connect(str(tmp_path / "ev.duckdb"))
    con.execute("SET TimeZone = 'UTC'")
    con.execute('CREATE TABLE ev AS SELECT ev_id, CAST("at" AS TIMESTAMPTZ) AS "at" FROM frame')
    con.close()
    (tmp_path / "parquet").mkdir()
    stamps = pd.to_datetime(VALUES, format="ISO8601", utc=True)
    pq.write_table(pa.table({"ev_id": list(range(1, 6)),
                             "at": pa.array(stamps, pa.timestamp("us", tz="Europe/Berlin"))}),
                   tmp_path / "parquet" / "ev.parquet")
    return [tmp_path / "csv", tmp_path / "json", tmp_path / "ev.sqlite", tmp_path / "ev.duckdb", tmp_path / "parquet"]


def test_every_source_reads_offsets_as_utc_under_another_machine_time_zone(tmp_path):
    sources = _sources(tmp_path)
    env = {**os.environ, "TZ": "Asia/Tokyo"}
    done = subprocess.run([sys.executable, "-c", CHILD, *VALUES, *map(str, sources)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    read = json.loads(done.stdout)
    for name, seen in read.items():
        assert seen["zone"] == "UTC", name
        assert seen["values"] == IN_UTC, name
        if not name.endswith(".duckdb"):  # pql's own copies: plain TIMESTAMP (a DuckDB file is read as it is)
            assert seen["type"] == "TIMESTAMP", name


def test_the_child_process_really_runs_in_another_time_zone():
    """The test above proves something only if DuckDB follows TZ in a fresh process."""
    done = subprocess.run([sys.executable, "-c", "import duckdb; print(duckdb.connect().sql("
                           "\"SELECT current_setting('TimeZone')\").fetchall()[0][0])"],
                          env={**os.environ, "TZ": "Asia/Tokyo"}, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "Asia/Tokyo"


def test_text_offsets_and_timestamptz_notes(tmp_path):
    sources = _sources(tmp_path)
    with connectors.open(sources[1]) as source:  # JSON
        assert "ev.at: text column holding timestamps, read as TIMESTAMP " \
               "(ISO 8601 with UTC offsets, converted to UTC)" in source.notes
    with connectors.open(sources[4]) as source:  # Parquet written with a time zone
        assert "ev.at: TIMESTAMP WITH TIME ZONE, read as TIMESTAMP in UTC" in source.notes


def test_iso_text_without_offsets_is_read_as_it_is(tmp_path):
    (tmp_path / "ev.json").write_text(json.dumps([{"ev_id": 1, "at": "2021-01-01 10:00:00"},
                                                  {"ev_id": 2, "at": "2021-01-01T23:30:00.5"}]))
    with connectors.open(tmp_path) as source:
        assert source.notes == ("ev.at: text column holding timestamps, read as TIMESTAMP",)
        assert source.connection.sql('SELECT CAST("at" AS VARCHAR) FROM ev ORDER BY ev_id').fetchall() == [
            ("2021-01-01 10:00:00",), ("2021-01-01 23:30:00.5",)]


def test_an_open_connection_reads_in_utc_and_gets_its_time_zone_back():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    con.execute("CREATE TABLE ev AS SELECT 1 AS ev_id, TIMESTAMPTZ '2021-01-01 10:00:00+02:00' AS \"at\"")
    with connectors.open(con) as source:
        assert source.connection.sql('SELECT CAST(CAST("at" AS TIMESTAMP) AS VARCHAR) FROM ev').fetchall() == [
            ("2021-01-01 08:00:00",)]
    assert con.sql("SELECT current_setting('TimeZone')").fetchall() == [("Asia/Tokyo",)]
    assert con.sql('SELECT CAST(CAST("at" AS TIMESTAMP) AS VARCHAR) FROM ev').fetchall() == [("2021-01-01 17:00:00",)]
