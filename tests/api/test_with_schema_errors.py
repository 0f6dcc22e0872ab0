"""A mistake inside `WITH schema = '…'` points at the option, like any other error in query text."""
import pytest

import pql
from pql.errors import PQLBindError


def test_an_unknown_table_in_with_schema_points_at_the_option(shop_db):
    query = "PREDICT COUNT(purchases.*, 0, 30) > 0 FOR EACH customers WITH schema = 'pk custmers = customer_id'"
    with pql.connect(str(shop_db)) as s, pytest.raises(PQLBindError) as info:
        s.bind(query)
    assert "unknown table 'custmers'" in info.value.message
    assert query[info.value.span.start:info.value.span.end] == "schema = 'pk custmers = customer_id'"
