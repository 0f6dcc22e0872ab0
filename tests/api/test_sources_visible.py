"""Sources through the Session API: what a user hands pql is what pql sees (heuristic model: no training cost)."""
from __future__ import annotations

import duckdb
import pytest

import pql
from tests.api.shop import BUYS, tables


@pytest.mark.parametrize("how", ["temp table", "registered frame"])
def test_temporary_and_registered_tables_of_an_open_connection_are_queried_and_written_into(how):
    con = duckdb.connect()
    shop = tables()
    purchases, customers = shop["purchases"], shop["customers"]  # noqa: F841  (read by name below)
    con.execute("CREATE TABLE purchases AS SELECT * FROM purchases")
    if how == "temp table":
        con.execute("CREATE TEMP TABLE customers AS SELECT * FROM customers")
    else:
        con.register("customers", customers)
    with pql.connect(con) as s:
        assert [t.name for t in s.db.tables] == ["customers", "purchases"]
        s.run(f"{BUYS} INTO preds")
    assert con.sql("SELECT count(*) FROM preds").fetchall() == [(40,)]


def test_a_named_index_of_a_data_frame_is_the_entity_key():
    shop = {name: table.to_pandas() for name, table in tables().items()}
    shop["customers"] = shop["customers"].set_index("customer_id")
    with pql.connect(shop) as s:
        assert s.predict(BUYS).num_rows == 40
