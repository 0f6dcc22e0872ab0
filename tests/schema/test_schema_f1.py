"""The real Ergast F1 CSVs, loaded as a plain folder with no declared keys, give RelBench's rel-f1 graph.

RelBench's rel-f1 links: results -> races, drivers, constructors; qualifying -> races, drivers,
constructors; driver_standings -> races, drivers; constructor_results and constructor_standings ->
races, constructors; races -> circuits. The folder also holds ``status`` (RelBench drops that table);
``results.statusId -> status`` is a correct link and we keep it: status is a useful DNF signal.
"""
from __future__ import annotations

from pathlib import Path

import pytest

import connectors
from engine.schema import introspect

F1 = Path(__file__).resolve().parents[3] / "shared" / "data" / "f1"

pytestmark = pytest.mark.skipif(not F1.is_dir(), reason=f"real data not present at {F1}")

RELBENCH_LINKS = {
    ("results", "raceId", "races", "raceId"),
    ("results", "driverId", "drivers", "driverId"),
    ("results", "constructorId", "constructors", "constructorId"),
    ("qualifying", "raceId", "races", "raceId"),
    ("qualifying", "driverId", "drivers", "driverId"),
    ("qualifying", "constructorId", "constructors", "constructorId"),
    ("driver_standings", "raceId", "races", "raceId"),
    ("driver_standings", "driverId", "drivers", "driverId"),
    ("constructor_results", "raceId", "races", "raceId"),
    ("constructor_results", "constructorId", "constructors", "constructorId"),
    ("constructor_standings", "raceId", "races", "raceId"),
    ("constructor_standings", "constructorId", "constructors", "constructorId"),
    ("races", "circuitId", "circuits", "circuitId"),
}
KEPT_BEYOND_RELBENCH = {("results", "statusId", "status", "statusId")}


@pytest.fixture(scope="module")
def f1():
    with connectors.open(F1) as source:
        assert source.declared_keys().primary_keys == {} and source.declared_keys().foreign_keys == ()
        return introspect(source)


def test_exactly_the_relbench_links_and_no_wrong_one(f1):
    found = {(fk.table, fk.columns[0], fk.ref_table, fk.ref_columns[0]) for fk in f1.foreign_keys}
    assert all(len(fk.columns) == 1 and fk.inferred for fk in f1.foreign_keys)
    assert found == RELBENCH_LINKS | KEPT_BEYOND_RELBENCH
    assert all(fk.score == 1.0 and fk.containment == 1.0 for fk in f1.foreign_keys)
    assert not any("ambiguous" in n for n in f1.notes)


def test_primary_keys(f1):
    assert {t.name: t.primary_key for t in f1.tables} == {
        "circuits": ("circuitId",), "constructor_results": ("constructorResultsId",),
        "constructor_standings": ("constructorStandingsId",), "constructors": ("constructorId",),
        "driver_standings": ("driverStandingsId",), "drivers": ("driverId",),
        "qualifying": ("qualifyId",),  # not named after its table: found as the id-like first column
        "races": ("raceId",), "results": ("resultId",), "status": ("statusId",),
    }


def test_time_columns_and_inheritance(f1):
    assert f1.table("races").time_column == "date"  # not fp1_date, quali_date, … (mostly NULL)
    assert f1.table("drivers").time_column is None  # dob is a birth date, not an event
    for name in ("results", "qualifying", "driver_standings", "constructor_results", "constructor_standings"):
        table = f1.table(name)
        assert table.time_column is None
        assert (table.inherited_time.via.ref_table, table.inherited_time.parent_column) == ("races", "date")
    for name in ("circuits", "constructors", "drivers", "status"):
        assert not f1.table(name).is_timed
