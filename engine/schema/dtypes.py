"""DuckDB type names grouped into the families that inference reasons about."""
from __future__ import annotations

from enum import Enum


class Family(str, Enum):
    INTEGER = "integer"
    FLOAT = "float"
    STRING = "string"
    TEMPORAL = "temporal"  # DATE and TIMESTAMP*: a point in time
    TIME_OF_DAY = "time_of_day"  # TIME: not usable as an event time on its own
    BOOLEAN = "boolean"
    LIST = "list"
    OTHER = "other"


_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
             "UBIGINT", "UHUGEINT", "INT", "INT4", "INT8", "INT2", "INT1", "LONG", "SHORT"}
_FLOATS = {"FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8"}


def family(dtype: str) -> Family:
    """``"BIGINT"`` -> INTEGER, ``"DECIMAL(10,2)"`` -> FLOAT, ``"VARCHAR[]"`` -> LIST, …"""
    t = dtype.upper().strip()
    if t.endswith("]") or t.startswith(("LIST", "STRUCT", "MAP", "UNION")):
        return Family.LIST if (t.endswith("]") or t.startswith("LIST")) else Family.OTHER
    if t in _INTEGERS:
        return Family.INTEGER
    if t in _FLOATS or t.startswith(("DECIMAL", "NUMERIC")):
        return Family.FLOAT
    if t.startswith(("VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "UUID", "ENUM")):
        return Family.STRING
    if t == "DATE" or t.startswith("TIMESTAMP") or t == "DATETIME":
        return Family.TEMPORAL
    if t.startswith("TIME"):
        return Family.TIME_OF_DAY
    if t in {"BOOLEAN", "BOOL"}:
        return Family.BOOLEAN
    return Family.OTHER


def is_numeric(dtype: str) -> bool:
    return family(dtype) in (Family.INTEGER, Family.FLOAT)


def join_compatibility(child: str, parent: str) -> float:
    """How plausible it is that values of type ``child`` reference values of type ``parent``: 1 for
    the same family, 0.9 for integer vs float (ids exported as DOUBLE), 0 otherwise."""
    a, b = family(child), family(parent)
    if a == b and a in (Family.INTEGER, Family.STRING):
        return 1.0
    if {a, b} <= {Family.INTEGER, Family.FLOAT}:
        return 0.9
    return 0.0
