"""Aggregating a table over time when pql chose no time column for it: the hint names what to do."""
import duckdb
import pytest

from engine.schema.introspection import introspect
from pql.binder import bind
from pql.errors import PQLBindError, PQLErrorGroup


@pytest.fixture
def db():
    con = duckdb.connect()
    con.execute("create table customer(id int primary key)")
    con.execute("create table visit(id int primary key, customer_id int references customer(id), updated_at timestamp)")
    con.execute("create table claim(id int primary key, customer_id int references customer(id), "
                "last_seen date, valid_until date)")
    con.execute("create table refund(id int primary key, customer_id int references customer(id), refunded_on date)")
    con.execute("insert into customer values (1)")
    con.execute("insert into visit values (1, 1, '2024-01-01')")
    con.execute("insert into claim values (1, 1, '2024-01-01', '2025-01-01')")
    yield introspect(con)
    con.close()


def _error(db, query: str) -> str:
    with pytest.raises((PQLBindError, PQLErrorGroup)) as e:
        bind(query, db)
    return str(e.value)


def test_the_one_skipped_date_column_is_named(db):
    text = _error(db, "PREDICT COUNT(visit.*, 0, 30, days) FOR EACH customer.id")
    assert "cannot aggregate 'visit' over time: it has no time column" in text
    assert "WITH schema = 'time visit = updated_at'" in text


def test_several_date_columns_are_listed(db):
    text = _error(db, "PREDICT COUNT(claim.*, 0, 30, days) FOR EACH customer.id")
    assert "WITH schema = 'time claim = <column>' (its date/time columns: last_seen, valid_until)" in text


def test_an_empty_table_says_it_is_empty(db):
    text = _error(db, "PREDICT COUNT(refund.*, 0, 30, days) FOR EACH customer.id")
    assert "cannot aggregate 'refund' over time: the table is empty" in text
    assert "time refund" not in text


def test_the_suggested_override_binds():
    from engine.schema.overrides import SchemaOverrides
    con = duckdb.connect()
    con.execute("create table customer(id int primary key)")
    con.execute("create table visit(id int primary key, customer_id int references customer(id), updated_at timestamp)")
    con.execute("insert into customer values (1)")
    con.execute("insert into visit values (1, 1, '2024-01-01')")
    fixed = introspect(con, overrides=SchemaOverrides.parse("time visit = updated_at"))
    assert bind("PREDICT COUNT(visit.*, 0, 30, days) FOR EACH customer.id", fixed).target is not None


def test_an_ignored_time_column_is_named_as_the_cause():
    from engine.schema.overrides import SchemaOverrides
    con = duckdb.connect()
    con.execute("create table customer(id int primary key)")
    con.execute("create table purchase(id int primary key, customer_id int references customer(id), "
                "amount double, timestamp timestamp)")
    con.execute("insert into customer values (1)")
    con.execute("insert into purchase values (1, 1, 2.0, '2024-01-01')")
    ignored = introspect(con, overrides=SchemaOverrides.parse("ignore purchase.timestamp"))
    text = _error(ignored, "PREDICT SUM(purchase.amount, 0, 90, days) FOR EACH customer.id")
    assert "no time column left after the schema override 'ignore purchase.timestamp'" in text
    assert "drop 'ignore purchase.timestamp'" in text
