"""A timestamp written with an offset is converted to UTC, as pql reads time columns, and compared as such."""
from datetime import datetime, timezone

import duckdb
import pytest

import pql
from engine.schema.introspection import introspect
from pql.binder import bind
from pql.timestamps import naive_utc, parse_timestamp


@pytest.fixture
def shop(tmp_path):
    path = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table customer(id int primary key)")
    con.execute("create table orders(id int primary key, customer_id int references customer(id), created_at timestamptz)")
    con.execute("insert into customer select range from range(4)")
    con.execute("insert into orders select range, range % 4, timestamptz '2024-01-01 00:00:00+00' + range * interval 1 day "
                "from range(200)")
    con.close()
    return path


def test_offsets_become_naive_utc():
    assert parse_timestamp("2025-01-01T00:00:00+02:00") == datetime(2024, 12, 31, 22)
    assert parse_timestamp("2025-01-01 03:00") == datetime(2025, 1, 1, 3)
    assert naive_utc(datetime(2025, 1, 1, 12, tzinfo=timezone.utc)) == datetime(2025, 1, 1, 12)


def test_a_zoned_anchor_time_and_literal_bind_in_utc(shop):
    db = introspect(duckdb.connect(str(shop), read_only=True))
    bq = bind("PREDICT COUNT(orders.*, 0, 30, days) > 0 FOR EACH customer.id "
              "WHERE LAST(orders.created_at, -INF, 0, days) > TIMESTAMP '2024-03-01T00:00:00-05:00' "
              "WITH anchor_time = '2024-06-01T00:00:00+02:00'", db)
    assert bq.option("anchor_time") == datetime(2024, 5, 31, 22)
    assert "TIMESTAMP '2024-03-01 05:00:00'" in str(bq)


def test_explain_with_a_zoned_anchor_time_does_not_crash(shop):
    with pql.connect(str(shop)) as s:
        text = s.explain("PREDICT COUNT(orders.*, 0, 30, days) > 0 FOR EACH customer.id "
                         "WITH anchor_time = '2024-06-01T00:00:00+02:00'")
    assert "predict at 2024-05-31 22:00:00" in text


def test_an_aware_datetime_from_python_is_converted_too():
    from pql.options import check_option
    aware = datetime(2025, 1, 1, tzinfo=timezone.utc).astimezone()
    assert check_option("anchor_time", aware) == ("anchor_time", datetime(2025, 1, 1))
