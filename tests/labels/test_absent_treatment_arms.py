"""An arm of a categorical treatment (ASSUMING FIRST(…) IN (…)) that the column never holds is an error at
the value with a did-you-mean, before any training (the arm would get no rows); other absent values in
ASSUMING stay warnings, and FIRST/LAST comparisons are checked like plain columns."""
import duckdb
import pytest

import pql
from engine.labels.absent_values import absent_values
from engine.schema.introspection import introspect
from pql.binder import bind
from pql.errors import PQLBindError
from tests.binder.conftest import SCHEMA

TARGET = "PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers ASSUMING "


@pytest.fixture(scope="module")
def shop():
    con = duckdb.connect()
    con.execute(SCHEMA)
    con.execute("update targeted set channel = 'sms' where id % 2 = 0")
    yield con, introspect(con)
    con.close()


def _absent(shop, query):
    con, db = shop
    return absent_values(con, bind(pql.parse(query)[0], db))


def test_absent_arm_is_an_error_at_the_value(shop):
    query = TARGET + "FIRST(targeted.channel, 0, 7) IN ('Email', 'sms')"
    with pytest.raises(PQLBindError) as info:
        _absent(shop, query)
    assert info.value.message == ("the treatment arm 'Email' would get no rows: targeted.channel never holds "
                                  "'Email'; did you mean 'email'?")
    assert query[info.value.span.start:info.value.span.end] == "'Email'"


def test_present_arms_pass(shop):
    assert _absent(shop, TARGET + "FIRST(targeted.channel, 0, 7) IN ('email', 'sms')") == []


def test_absent_value_of_a_yes_no_first_treatment_is_a_warning(shop):
    found = _absent(shop, TARGET + "FIRST(targeted.channel, 0, 7) = 'Email'")
    assert [v.message() for v in found] == ["targeted.channel never holds 'Email'; did you mean 'email'?"]
