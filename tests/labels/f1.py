"""The Ergast F1 CSVs as RelBench's rel-f1 prepares them, in DuckDB, and the three rel-f1 tasks bound
by hand exactly as `examples/rel_f1_tasks.pql` writes them (until the binder can bind them itself).

RelBench's recipe (relbench/datasets/f1.py): a race's time is ``date + time`` (missing time = 00:00:00);
results take their race's time (here: inherited through ``raceId``); qualifying takes the race time
minus one day (here: its own ``date`` column, computed the same way).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from engine.schema.model import Column, Database, ForeignKey, SemanticType as S, Table, TimeSource
from pql.bound import BAggregation, BCompare, BLiteral, BoundEntity, BoundQuery, BWindow, TaskType

F1_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "f1"
if not F1_DIR.exists():  # the repository sits next to shared/ (../shared/data)
    F1_DIR = Path("/work/shared/data/f1")

RESULTS_RACE = ForeignKey(table="results", columns=("raceId",), ref_table="races", ref_columns=("raceId",))
RESULTS_DRIVER = ForeignKey(table="results", columns=("driverId",), ref_table="drivers", ref_columns=("driverId",))
QUALI_DRIVER = ForeignKey(table="qualifying", columns=("driverId",), ref_table="drivers", ref_columns=("driverId",))
QUALI_RACE = ForeignKey(table="qualifying", columns=("raceId",), ref_table="races", ref_columns=("raceId",))


def _cols(*spec: tuple[str, str, S]) -> tuple[Column, ...]:
    return tuple(Column(name=n, dtype=d, stype=s) for n, d, s in spec)


F1 = Database(
    tables=(
        Table(name="races", primary_key=("raceId",), time_column="date",
              columns=_cols(("raceId", "BIGINT", S.ID), ("year", "BIGINT", S.NUMERICAL), ("date", "TIMESTAMP", S.TIMESTAMP))),
        Table(name="drivers", primary_key=("driverId",),
              columns=_cols(("driverId", "BIGINT", S.ID), ("nationality", "VARCHAR", S.CATEGORICAL))),
        Table(name="results", primary_key=("resultId",), inherited_time=TimeSource(via=RESULTS_RACE, parent_column="date"),
              columns=_cols(("resultId", "BIGINT", S.ID), ("raceId", "BIGINT", S.ID), ("driverId", "BIGINT", S.ID),
                            ("statusId", "BIGINT", S.ID), ("positionOrder", "BIGINT", S.NUMERICAL))),
        Table(name="qualifying", primary_key=("qualifyId",), time_column="date",
              columns=_cols(("qualifyId", "BIGINT", S.ID), ("raceId", "BIGINT", S.ID), ("driverId", "BIGINT", S.ID),
                            ("position", "BIGINT", S.NUMERICAL), ("date", "TIMESTAMP", S.TIMESTAMP))),
    ),
    foreign_keys=(RESULTS_RACE, RESULTS_DRIVER, QUALI_DRIVER, QUALI_RACE),
)

_LOAD = [
    "CREATE TABLE races AS SELECT raceId, year, circuitId, name, "
    "CAST(date AS VARCHAR) || ' ' || COALESCE(CAST(time AS VARCHAR), '00:00:00') AS d FROM read_csv(?, nullstr='\\N')",
    "ALTER TABLE races ADD COLUMN date TIMESTAMP",
    "UPDATE races SET date = CAST(d AS TIMESTAMP)",
    "ALTER TABLE races DROP COLUMN d",
    "CREATE TABLE drivers AS SELECT driverId, nationality, dob FROM read_csv(?, nullstr='\\N')",
    "CREATE TABLE results AS SELECT resultId, raceId, driverId, constructorId, statusId, positionOrder, position "
    "FROM read_csv(?, nullstr='\\N')",
    "CREATE TABLE qualifying AS SELECT q.qualifyId, q.raceId, q.driverId, q.position, r.date - INTERVAL 1 DAY AS date "
    "FROM read_csv(?, nullstr='\\N') q JOIN races r USING (raceId)",
]


def f1_connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    files = [F1_DIR / "races.csv", None, None, None, F1_DIR / "drivers.csv", F1_DIR / "results.csv", F1_DIR / "qualifying.csv"]
    for sql, path in zip(_LOAD, files):
        con.execute(sql, [str(path)] if path else [])
    return con


def _query(text: str, task: TaskType, agg: BAggregation, op: str | None = None, value: float | None = None) -> BoundQuery:
    target = agg if op is None else BCompare(op=op, left=agg, right=BLiteral(value=value, kind="number"))
    options = (("val_cutoff", datetime(2005, 1, 1)), ("test_cutoff", datetime(2010, 1, 1)))
    return BoundQuery(text=text, mode="predict", task=task, entity=BoundEntity(table="drivers", key=("driverId",)),
                      target=target, options=options)


def _agg(func: str, table: str, column: str, days: int, path) -> BAggregation:
    return BAggregation(func=func, table=table, column=column, filter=None, window=BWindow(start=0, end=days),
                        path=path, time_column="date", result_stype=S.NUMERICAL)


DRIVER_DNF = _query("driver-dnf", TaskType.BINARY, _agg("MAX", "results", "statusId", 30, (RESULTS_DRIVER,)), "=", 1)
DRIVER_TOP3 = _query("driver-top3", TaskType.BINARY, _agg("MIN", "qualifying", "position", 30, (QUALI_DRIVER,)), "<=", 3)
DRIVER_POSITION = _query("driver-position", TaskType.REGRESSION, _agg("AVG", "results", "positionOrder", 60, (RESULTS_DRIVER,)))
