"""A ``pql_schema.toml`` entry of the wrong shape (a string where a list belongs, a list where a table
belongs) is a SchemaError at its file and line, and a name listed twice is one override."""
import re

import pytest

from engine.schema.overrides import SchemaOverrides
from pql.errors import SchemaError


def _load(tmp_path, text: str) -> tuple[SchemaOverrides, str]:
    path = tmp_path / "pql_schema.toml"
    path.write_text(text)
    return SchemaOverrides.load(path), str(path)


def test_a_name_listed_twice_is_one_override(tmp_path):
    ov, path = _load(tmp_path, 'foreign_keys = ["orders.customer_id -> customers", "orders.customer_id -> customers"]\n'
                               'drop_foreign_keys = ["orders.x", "orders.x"]\n'
                               'ignored_columns = ["customer.ltv", " customer.ltv", "customer.ltv"]\n')
    assert ov.ignored_columns == ("customer.ltv",)
    assert [str(s) for s in ov.foreign_keys] == ["orders.customer_id -> customers"]
    assert [str(s) for s in ov.drop_foreign_keys] == ["orders.x"]
    assert ov.origins["ignore customer.ltv"] == f"{path}:3"
    assert ov.origins["fk orders.customer_id -> customers"] == f"{path}:1"


@pytest.mark.parametrize("text, line, message", [
    ('ignored_columns = "customer.ltv"\n', 1, 'ignored_columns must be a list of "table.column" strings'),
    ('ignored_columns = [["customer.ltv"]]\n', 1, 'ignored_columns must be a list of "table.column" strings'),
    ('foreign_keys = []\ndrop_foreign_keys = "orders.x"\n', 2, "drop_foreign_keys must be a list of"),
    ('foreign_keys = "orders.x -> customers"\n', 1, "foreign_keys must be a list of"),
    ('primary_keys = ["orders.id"]\n', 1, "primary_keys must be a table of"),
    ('foreign_keys = []\n\n[primary_keys]\norders = 5\n', 3, "primary_keys must be a table of"),
    ('time_columns = "orders.created_at"\n', 1, "time_columns must be a table of"),
    ('[semantic_types]\n"orders.x" = ["categorical"]\n', 1, "semantic_types must be a table of"),
    ('entities = "x"\n', 1, "entities must be a table of"),
])
def test_an_entry_of_the_wrong_shape_is_an_error_at_its_line(tmp_path, text, line, message):
    path = tmp_path / "pql_schema.toml"
    path.write_text(text)
    with pytest.raises(SchemaError, match=re.escape(f"{path}:{line}: {message}")):
        SchemaOverrides.load(path)


def test_python_callers_keep_one_name_and_none():
    assert SchemaOverrides(ignored_columns="customer.ltv").ignored_columns == ("customer.ltv",)
    assert SchemaOverrides.from_mapping({"time_columns": {"a": None}}).time_columns == {"a": None}
