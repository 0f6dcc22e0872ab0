"""A time or timestamp-type override on a column that holds no times is refused with a way out."""
import duckdb
import pytest

from engine.schema.introspection import introspect
from engine.schema.overrides import SchemaOverrides
from pql.errors import SchemaError


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("create table ev(id int primary key, epoch bigint, happened timestamp)")
    yield c
    c.close()


@pytest.mark.parametrize("override,message", [
    ("time ev = epoch", "epoch is BIGINT, not a DATE or TIMESTAMP; for epoch seconds"),
    ("type ev.epoch = timestamp", "type override ev.epoch = timestamp: the column is BIGINT"),
])
def test_numbers_are_not_times(con, override, message):
    with pytest.raises(SchemaError, match=message):
        introspect(con, overrides=SchemaOverrides.parse(override))


def test_a_real_time_column_still_overrides(con):
    assert introspect(con, overrides=SchemaOverrides.parse("time ev = happened")).table("ev").time_column == "happened"
