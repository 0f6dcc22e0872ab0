import duckdb
import pyarrow as pa
import pytest

from examples.generators.duckdb_writer import TableSpec, fk, write_database
from pql.errors import ConnectorError
from examples_db_helpers import constraints, rows


def _parent_child(child_parent_ids):
    return [
        (TableSpec(name="parent", primary_key="id"), pa.table({"id": [1, 2], "name": ["a", "b"]})),
        (TableSpec(name="child", primary_key="id", foreign_keys=(fk("parent", "parent"),)),
         pa.table({"id": list(range(1, len(child_parent_ids) + 1)), "parent": child_parent_ids})),
    ]


def test_declares_keys_and_hidden_schema(tmp_path):
    tables = _parent_child([1, 2, 2]) + [
        (TableSpec(name="secret", schema="truth"), pa.table({"x": [1.5]}))]
    path = write_database(tmp_path / "db.duckdb", tables)
    assert constraints(path) == {
        ("parent", "PRIMARY KEY", ("id",), None),
        ("child", "PRIMARY KEY", ("id",), None),
        ("child", "FOREIGN KEY", ("parent",), "parent"),
    }
    assert rows(path, "SELECT x FROM truth.secret") == [(1.5,)]
    assert not (tmp_path / "db.duckdb.partial").exists()


def test_timestamps_become_microsecond_timestamp(tmp_path):
    seconds = pa.array([0, 86_400], type=pa.timestamp("s"))
    path = write_database(tmp_path / "t.duckdb", [(TableSpec(name="e"), pa.table({"t": seconds}))])
    assert rows(path, "SELECT data_type FROM duckdb_columns() WHERE table_name = 'e'") == [("TIMESTAMP",)]


def test_dangling_foreign_key_fails_and_keeps_the_old_file(tmp_path):
    target = write_database(tmp_path / "db.duckdb", _parent_child([1]))
    with pytest.raises(ConnectorError, match="child") as info:
        write_database(target, _parent_child([1, 3]))
    assert isinstance(info.value.__cause__, duckdb.Error)
    assert rows(target, "SELECT count(*) FROM child") == [(1,)]
    assert not (tmp_path / "db.duckdb.partial").exists()
