"""Overrides that the data cannot honour are refused at introspection, with counts and examples, not left to
fail later inside DuckDB; `pql schema` suggests a ``pk`` override only where it would be accepted."""
from __future__ import annotations

import duckdb
import pytest

from engine.schema import introspect
from pql.errors import SchemaError


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("CREATE TABLE customers (customer_id BIGINT, name VARCHAR)")
    con.execute("INSERT INTO customers VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    con.execute("CREATE TABLE orders (order_id BIGINT, customer_id VARCHAR, amount VARCHAR, "
                "created_at TIMESTAMP)")
    con.execute("INSERT INTO orders VALUES (10, '1.0', '5.5', TIMESTAMP '2021-01-01'), "
                "(11, '2.0', 'unknown', TIMESTAMP '2021-01-02'), (12, '3.0', '7', TIMESTAMP '2021-01-03')")
    yield con
    con.close()


def test_numerical_override_on_text_with_non_numbers_is_refused(con):
    with pytest.raises(SchemaError) as e:
        introspect(con, overrides="type orders.amount = numerical")
    message = str(e.value)
    assert "orders.amount is VARCHAR and 1 of its 3 values are not numbers (e.g. 'unknown')" in message
    assert "Binder" not in message and "SELECT" not in message


def test_numerical_override_on_numbers_stored_as_text_is_refused(con):
    con.execute("UPDATE orders SET amount = '1' WHERE amount = 'unknown'")
    with pytest.raises(SchemaError, match="numbers stored as text"):
        introspect(con, overrides="type orders.amount = numerical")


def test_link_override_with_values_that_do_not_convert_is_refused(con):
    con.execute("UPDATE orders SET customer_id = 'NA' WHERE order_id = 11")
    with pytest.raises(SchemaError) as e:
        introspect(con, overrides="fk orders.customer_id -> customers")
    message = str(e.value)
    assert "orders.customer_id is VARCHAR and customers.customer_id is BIGINT" in message
    assert "1 value(s) of orders.customer_id do not convert to BIGINT (e.g. 'NA')" in message


def test_link_override_that_converts_replaces_the_not_linked_note(con):
    plain = introspect(con)
    assert any(n.startswith("orders.customer_id -> customers:") and n.endswith("not linked") for n in plain.notes)
    db = introspect(con, overrides="fk orders.customer_id -> customers")
    assert any(fk.table == "orders" and fk.ref_table == "customers" and not fk.inferred for fk in db.foreign_keys)
    assert not any(n.startswith("orders.customer_id -> customers:") and n.endswith("not linked") for n in db.notes)


def _campaigns(con, *, duplicates: bool):
    con.execute("CREATE TABLE campaign_descriptions (campaign_id BIGINT, start_date DATE)")
    con.execute("INSERT INTO campaign_descriptions VALUES (1, DATE '2021-01-01'), (2, DATE '2021-02-01')")
    con.execute("CREATE TABLE campaigns (campaign_id BIGINT, household BIGINT)")
    rows = "(1, 7), (1, 7), (2, 8)" if duplicates else "(1, 7), (1, 8), (2, 8)"
    con.execute(f"INSERT INTO campaigns VALUES {rows}")


def _key_note(db) -> str:
    return next(n for n in db.notes if n.startswith("campaigns: no primary key"))


@pytest.mark.parametrize("duplicates", [False, True])
def test_no_pk_override_suggested_for_repeating_values(duplicates):
    con = duckdb.connect()
    _campaigns(con, duplicates=duplicates)
    note = _key_note(introspect(con))
    assert "'pk campaigns = campaign_id' makes it the key" not in note
    assert "entity <name> = campaigns.campaign_id" in note
    assert ("duplicate rows" in note) is duplicates


def test_pk_override_suggested_for_a_unique_column():
    import re

    con = duckdb.connect()
    con.execute("CREATE TABLE campaign_descriptions (campaign_id BIGINT, start_date DATE)")
    con.execute("INSERT INTO campaign_descriptions VALUES (1, DATE '2021-01-01'), (2, DATE '2021-02-01')")
    con.execute("CREATE TABLE campaigns (campaign_id BIGINT, household BIGINT)")
    con.execute("INSERT INTO campaigns VALUES (1, 7), (2, 8)")
    suggested = [m.group(1) for n in introspect(con).notes for m in [re.search(r"'(pk [^']+)' makes it the key", n)] if m]
    assert suggested
    for override in suggested:
        introspect(con, overrides=override)  # every suggestion is accepted
