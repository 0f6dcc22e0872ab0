"""RelBench's rel-f1 database built from the Ergast Formula 1 CSVs.

Follows RelBench's recipe (``relbench/datasets/f1.py``): the same nine tables and keys, the same
dropped columns (URLs, free-text refs and names, lap-time strings, single-valued status), race
date + time as the time of every race-level table, qualifying dated one day before its race.
Ergast's ``\\N`` becomes NULL. Column names stay Ergast's (``raceId``, ``driverId``, …).

    circuits(circuitId, circuitRef, name, location, country, lat, lng, alt)
    races(raceId, year, round, circuitId -> circuits, name, date, time)
    drivers(driverId, dob, nationality)
    constructors(constructorId, name, nationality)
    results(resultId, raceId, driverId, constructorId, number, grid, position, positionOrder,
            points, laps, milliseconds, fastestLap, rank, statusId, date)
    standings(driverStandingsId, raceId, driverId, points, position, wins, date)
    constructor_results(constructorResultsId, raceId, constructorId, points, date)
    constructor_standings(constructorStandingsId, raceId, constructorId, points, position, wins, date)
    qualifying(qualifyId, raceId, driverId, constructorId, number, position, date)

One deliberate difference: races that have no results yet (the CSV snapshot lists the rest of the
2023 calendar in advance) are dropped unless ``keep_unraced=True``, so the latest time in the
database is the latest race actually run. RelBench's cutoffs: validation 2005-01-01, test 2010-01-01.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from examples.generators.duckdb_writer import ForeignKeySpec, TableSpec, write_database
from examples.loaders._common import SHARED_DATA, cli, require_files, to_arrow

DEFAULT_DATA_DIR = SHARED_DATA / "f1"
_FILES = ("circuits.csv", "constructor_results.csv", "constructor_standings.csv", "constructors.csv",
          "driver_standings.csv", "drivers.csv", "qualifying.csv", "races.csv", "results.csv")

# Columns RelBench drops, per table.
_DROP = {
    "races": ["url", "fp1_date", "fp1_time", "fp2_date", "fp2_time", "fp3_date", "fp3_time",
              "quali_date", "quali_time", "sprint_date", "sprint_time"],
    "circuits": ["url"],
    "drivers": ["number", "driverRef", "url", "code", "forename", "surname"],
    "results": ["positionText", "time", "fastestLapTime", "fastestLapSpeed"],
    "standings": ["positionText"],
    "constructors": ["url", "constructorRef"],
    "constructor_standings": ["positionText"],
    "constructor_results": ["status"],
    "qualifying": ["q1", "q2", "q3"],
}
_SOURCE = {"standings": "driver_standings"}
_PRIMARY_KEY = {
    "circuits": "circuitId", "races": "raceId", "drivers": "driverId", "constructors": "constructorId",
    "results": "resultId", "standings": "driverStandingsId", "constructor_results": "constructorResultsId",
    "constructor_standings": "constructorStandingsId", "qualifying": "qualifyId",
}
_REFERENCES = {"circuitId": "circuits", "raceId": "races", "driverId": "drivers", "constructorId": "constructors"}
_ORDER = ("circuits", "races", "drivers", "constructors", "results", "standings", "constructor_results",
          "constructor_standings", "qualifying")


def _read(folder: Path, table: str) -> pd.DataFrame:
    options = pacsv.ConvertOptions(null_values=["\\N"], strings_can_be_null=True)
    raw = pacsv.read_csv(folder / f"{_SOURCE.get(table, table)}.csv", convert_options=options)
    # nullable integers stay integers (pandas would turn an int column with NULLs into float)
    frame = raw.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    return frame.drop(columns=_DROP[table])


def _race_times(races: pd.DataFrame) -> pd.Series:
    """Race date + start time (00:00 where Ergast has none), as a timestamp."""
    time = races["time"].map(lambda t: t.isoformat() if pd.notna(t) else "00:00:00")
    return pd.to_datetime(races["date"].astype(str) + " " + time)


def load(out_path: str | os.PathLike, *, data_dir: str | os.PathLike = DEFAULT_DATA_DIR,
         keep_unraced: bool = False) -> Path:
    folder = require_files(data_dir, _FILES)
    frames = {table: _read(folder, table) for table in _ORDER}
    races = frames["races"]
    races["date"] = _race_times(races)
    races["time"] = races["time"].map(lambda t: t.isoformat() if pd.notna(t) else None)
    if not keep_unraced:
        last_run = races.loc[races["raceId"].isin(frames["results"]["raceId"]), "date"].max()
        frames["races"] = races = races[races["date"] <= last_run]
    race_date = races.set_index("raceId")["date"]
    for table in _ORDER[4:]:
        frame = frames[table]
        frame = frame[frame["raceId"].isin(race_date.index)].copy()
        frame["date"] = frame["raceId"].map(race_date)
        if table == "qualifying":  # qualifying runs the day before the race
            frame["date"] = frame["date"] - pd.Timedelta(days=1)
        frames[table] = frame

    tables = []
    for table in _ORDER:
        frame = frames[table]
        keys = tuple(ForeignKeySpec(column=col, ref_table=ref, ref_column=col)
                     for col, ref in _REFERENCES.items() if col in frame.columns and col != _PRIMARY_KEY[table])
        tables.append((TableSpec(name=table, primary_key=_PRIMARY_KEY[table], foreign_keys=keys), to_arrow(frame)))
    return write_database(out_path, tables)


def main(argv: list[str] | None = None) -> Path:
    return cli(load, description=__doc__.splitlines()[0], default_data_dir=DEFAULT_DATA_DIR, argv=argv)


if __name__ == "__main__":
    main()
