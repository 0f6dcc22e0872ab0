"""Entity tables derived from a column (``entity customer = lines.customer_ref``): one flat event table is
enough to predict per customer, without writing to the user's database."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

import connectors
import pql
from engine.schema import introspect
from engine.schema.overrides import SchemaOverrides
from pql.errors import PQLBindError, SchemaError

DAY = dt.timedelta(days=1)
START = dt.datetime(2024, 1, 1)


@pytest.fixture
def flat_db(tmp_path):
    """One table of purchase lines: customer 'c3' first buys on day 200, the others from day 0."""
    path = tmp_path / "flat.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE lines (customer_ref VARCHAR, bought_at TIMESTAMP, amount DOUBLE)")
    rows = [(f"c{c}", START + (d + (200 if c == 3 else 0)) * DAY, float(c + d % 7))
            for c in range(6) for d in range(0, 360, 9 + c) if d + (200 if c == 3 else 0) < 360]
    con.executemany("INSERT INTO lines VALUES (?, ?, ?)", rows + [(None, START, 1.0)])
    con.execute("CREATE TABLE notes (body VARCHAR)")
    con.close()
    return path


def test_the_override_reads_in_all_three_forms():
    one_line = SchemaOverrides.parse("entity customer = lines.customer_ref; time lines = bought_at")
    mapping = SchemaOverrides.from_mapping({"entities": {"customer": "lines.customer_ref"}})
    python = SchemaOverrides(entities={"customer": "lines.customer_ref"})
    assert one_line.entities == mapping.entities == python.entities == {"customer": "lines.customer_ref"}
    with pytest.raises(SchemaError, match="expected 'entity name = table.column'"):
        SchemaOverrides.parse("entity customer = customer_ref")


def test_a_derived_table_is_keyed_linked_and_timed_by_first_appearance(flat_db):
    with connectors.open(str(flat_db)) as source:
        db = introspect(source, overrides="entity customer = LINES.Customer_Ref")
        customer = db.table("customer")
        assert customer.primary_key == ("customer_ref",) and customer.time_column == "first_seen"
        assert customer.num_rows == 6  # distinct, non-null
        assert [(fk.table, fk.columns, fk.ref_table) for fk in db.foreign_keys] == [
            ("lines", ("customer_ref",), "customer")]
        first = dict(source.connection.sql('SELECT customer_ref, first_seen FROM "customer"').fetchall())
        assert first["c3"] == START + 200 * DAY and first["c0"] == START
        assert any(n.startswith("customer: entity table derived from the distinct values of lines.customer_ref")
                   for n in db.notes)
    con = duckdb.connect(str(flat_db), read_only=True)  # the user's database is untouched
    assert sorted(r[0] for r in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()) == ["lines", "notes"]
    assert con.sql("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall() == [(0,)]
    con.close()


def test_a_source_without_time_gives_a_static_entity_table(flat_db):
    with connectors.open(str(flat_db)) as source:
        db = introspect(source, overrides="entity author = notes.body")
    assert db.table("author").time_column is None
    assert any(n.endswith("static: notes has no time column") for n in db.notes)


@pytest.mark.parametrize(("overrides", "message"), [
    ("entity notes = lines.customer_ref", "entity override notes: a table 'notes' exists already"),
    ("entity customer = lines.customer", "table 'lines' has no column 'customer'; did you mean 'customer_ref'?"),
    ("entity customer = line.customer_ref", "unknown table 'line'; did you mean 'lines'?"),
    ("entity customer = xyz.customer_ref", r"unknown table 'xyz' \(tables: lines, notes\)"),
])
def test_mistakes_in_the_override_are_named(flat_db, overrides, message):
    with connectors.open(str(flat_db)) as source, pytest.raises(SchemaError, match=message):
        introspect(source, overrides=overrides)


def test_a_query_predicts_per_derived_entity_and_no_entity_exists_before_its_first_row(flat_db):
    query = ("PREDICT COUNT(lines.*, 0, 30, days) > 0 FOR EACH customer "
             "WITH schema = 'entity customer = lines.customer_ref', model = 'heuristic'")
    with pql.connect(str(flat_db)) as s:
        with pytest.raises(PQLBindError, match="entity customer = lines.customer_ref', then FOR EACH customer"):
            s.bind("PREDICT COUNT(lines.*, 0, 30, days) > 0 FOR EACH lines.customer_ref")
        rows = s.train_table(query).to_pylist()
        c3 = [r["anchor_time"] for r in rows if r["customer_ref"] == "c3"]
        assert c3 and min(c3) >= START + 200 * DAY  # the schema override reaches the training table
        assert {r["customer_ref"] for r in rows} == {f"c{i}" for i in range(6)}
        predictions = s.predict(query)
    assert predictions.num_rows == 6 and "probability" in predictions.column_names
