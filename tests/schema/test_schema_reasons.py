"""Keys that do not identify rows, and why inference refused a key or a link, said in so many words."""
from __future__ import annotations

import sqlite3

import duckdb
import pytest

import connectors
from engine.schema import SchemaOverrides, introspect
from pql.errors import SchemaError

DEFECTS = "customers.customer_id cannot be the primary key: 3 values repeat on 6 rows and 2 are NULL"


@pytest.fixture(scope="module")
def dup_db(tmp_path_factory):
    """customers.customer_id: 1..8, then 1, 2, 3 again and two NULLs; orders are fine."""
    path = tmp_path_factory.mktemp("dup") / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE customers AS SELECT range::BIGINT AS customer_id, 'x' AS country FROM range(1, 9)")
    con.execute("INSERT INTO customers VALUES (1, 'y'), (2, 'y'), (3, 'y'), (NULL, 'z'), (NULL, 'z')")
    con.execute("CREATE TABLE orders AS SELECT range AS order_id, range % 8 + 1 AS customer_id, "
                "TIMESTAMP '2024-01-01' + range * INTERVAL 1 DAY AS ts FROM range(40)")
    con.close()
    return path


@pytest.mark.parametrize("overrides", ["pk customers = customer_id", {"primary_keys": {"customers": "customer_id"}},
                                       SchemaOverrides(primary_keys={"customers": "customer_id"})])
def test_a_key_override_must_identify_rows(dup_db, overrides):
    with connectors.open(str(dup_db)) as source, pytest.raises(SchemaError, match=DEFECTS):
        introspect(source, overrides=overrides)


def test_a_key_override_in_the_schema_file_names_the_file_and_line(tmp_path, dup_db):
    (tmp_path / "shop.duckdb").write_bytes(dup_db.read_bytes())
    schema_file = tmp_path / "pql_schema.toml"
    schema_file.write_text('# keys\n[primary_keys]\ncustomers = "customer_id"\n')
    with connectors.open(str(tmp_path / "shop.duckdb")) as source, pytest.raises(SchemaError) as e:
        introspect(source)
    assert str(e.value).startswith(f"{schema_file}:3: {DEFECTS}")
    # the query's own override wins over the file's, and its errors are the query's
    with connectors.open(str(tmp_path / "shop.duckdb")) as source, pytest.raises(SchemaError) as e:
        introspect(source, overrides="pk customers = country")
    assert str(e.value).startswith("customers.country cannot be the primary key")


def test_schema_file_name_errors_name_the_file_and_line(tmp_path, dup_db):
    (tmp_path / "shop.duckdb").write_bytes(dup_db.read_bytes())
    schema_file = tmp_path / "pql_schema.toml"
    schema_file.write_text('foreign_keys = [\n  "orders.customer_id -> customer",\n]\n'
                           '[primary_keys]\ncustomer = "customer_id"\n[time_columns]\norders = "order_id"\n')
    with connectors.open(str(tmp_path / "shop.duckdb")) as source, pytest.raises(SchemaError) as e:
        introspect(source)
    lines = str(e.value).splitlines()
    assert lines[0].startswith(f"{schema_file}:5: primary key override customer: unknown table 'customer'")
    assert lines[1].startswith(f"{schema_file}:2: foreign key override orders.customer_id -> customer")
    schema_file.write_text('[time_columns]\norders = "order_id"\n')
    with connectors.open(str(tmp_path / "shop.duckdb")) as source, pytest.raises(SchemaError) as e:
        introspect(source)
    assert str(e.value).startswith(f"{schema_file}:2: time column override orders = order_id")
    schema_file.write_text('[semantic_types]\n"orders.ts" = "wat"\n')
    with connectors.open(str(tmp_path / "shop.duckdb")) as source, pytest.raises(SchemaError) as e:
        introspect(source)
    assert str(e.value).startswith(f"{schema_file}: unknown semantic type 'wat'")


def test_no_key_note_says_what_is_wrong_with_the_candidate(dup_db):
    with connectors.open(str(dup_db)) as source:
        db = introspect(source)
    assert db.table("customers").primary_key == ()
    assert ("customers: no primary key (customer_id: 3 values repeat on 6 rows and 2 are NULL); it can be linked from but "
            "not predicted for") in db.notes


def test_a_column_named_as_another_tables_key_is_refused_with_the_reason():
    con = duckdb.connect()
    con.execute("CREATE TABLE customers AS SELECT range AS customer_id FROM range(1, 21)")
    con.execute("CREATE TABLE customers_archive AS SELECT range AS customer_id FROM range(1, 11)")
    db = introspect(con)
    assert db.table("customers_archive").primary_key == ()
    (note,) = [n for n in db.notes if n.startswith("customers_archive: no primary key")]
    assert "customer_id is named as the key of customers, so it is read as a link to it" in note
    assert "'pk customers_archive = customer_id' makes it the key" in note


def test_a_link_refused_for_its_type_says_so():
    con = duckdb.connect()
    con.execute("CREATE TABLE customers AS SELECT range AS customer_id FROM range(1, 21)")
    con.execute("CREATE TABLE orders AS SELECT range AS order_id, CAST(range % 20 + 1 AS VARCHAR) AS customer_id "
                "FROM range(50)")
    db = introspect(con)
    assert db.foreign_keys == ()
    assert ("orders.customer_id -> customers: name matches but orders.customer_id is VARCHAR and "
            "customers.customer_id is BIGINT, which do not join; not linked") in db.notes


def test_a_declared_key_with_nulls_is_noted(tmp_path):
    path = tmp_path / "reviews.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE review (rid TEXT PRIMARY KEY, stars INTEGER)")  # SQLite lets NULL in
    con.executemany("INSERT INTO review VALUES (?, ?)", [("r1", 3), ("r2", 4), (None, 5), (None, 1)])
    con.commit()
    con.close()
    with connectors.open(str(path)) as source:
        db = introspect(source)
    assert db.table("review").primary_key == ("rid",)
    assert ("review: declared primary key rid does not identify every row: 2 are NULL (the database does not "
            "enforce it)") in db.notes


@pytest.mark.parametrize(("text", "key", "line"), [
    ('[primary_keys]\ncustomers = "id"\n', "pk customers", 2),
    ('primary_keys.customers = "id"\n', "pk customers", 1),
    ('[time_columns]\ncustomers = "signup"\n[primary_keys]\n"customers" = "id"\n', "pk customers", 4),
    ('[semantic_types]\n"customers.country" = "text"\n', "type customers.country", 2),
    ('drop_foreign_keys = ["a.b"]\nforeign_keys = [\n  "a.b -> c",\n]\n', "fk a.b -> c", 3),
    ('drop_foreign_keys = ["a.b"]\n', "drop a.b", 1),
])
def test_schema_file_origins_carry_the_line(tmp_path, text, key, line):
    path = tmp_path / "pql_schema.toml"
    path.write_text(text)
    ov = SchemaOverrides.load(path)
    assert ov.where(key) == f"{path}:{line}: "
    # the query's own override of the same thing is not the file's
    assert ov.merged(SchemaOverrides.parse("pk customers = id")).where("pk customers") == ""
