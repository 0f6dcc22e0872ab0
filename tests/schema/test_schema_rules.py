"""The small judgements inference is made of: names, link name scores, time names, semantic types."""
from __future__ import annotations

import pytest

from engine.schema.links import BARE_NAME, EXACT_NAME, ROLE_NAME, TABLE_NAME, name_match
from engine.schema.model import SemanticType
from engine.schema.names import norm, singular, table_forms, words
from engine.schema.profile import ColumnProfile
from engine.schema.stypes import semantic_type
from engine.schema.timecols import time_name_score


@pytest.mark.parametrize(("plural", "single"), [
    ("customers", "customer"), ("categories", "category"), ("addresses", "address"), ("status", "status"),
    ("statuses", "status"), ("warehouses", "warehouse"), ("boxes", "box"), ("people", "person"),
    ("series", "series"), ("analysis", "analysis"), ("order", "order"),
])
def test_singular(plural, single):
    assert singular(plural) == single


def test_words_and_norm():
    assert words("referredCustomer_ID") == ["referred", "customer", "id"]
    assert words("CustomerID") == ["customer", "id"] and words("Customer ID") == ["customer", "id"]
    assert norm("Customer ID") == norm("customer_id") == norm("customerId") == "customerid"
    assert table_forms("order_lines") == {"orderlines", "orderline"}


TABLES = ("races", "drivers", "results", "constructor_results", "customers", "status")


@pytest.mark.parametrize(("column", "parent", "key", "expected"), [
    ("raceId", "races", "raceId", EXACT_NAME),
    ("customer_id", "customers", "id", TABLE_NAME),
    ("CustomerID", "customers", "customer_id", EXACT_NAME),
    ("referred_customer_id", "customers", "customer_id", ROLE_NAME),
    ("statusId", "status", "statusId", EXACT_NAME),
    ("customer", "customers", "id", BARE_NAME),  # purchase.customer: named after the table it references
    ("Category", "category", "id", BARE_NAME),
    ("referred_customer", "customers", "id", 0.0),  # no role prefix without a key suffix
    ("customer_name", "customers", "id", 0.0),
    ("id", "customers", "id", 0.0),  # generic names say nothing
    ("number", "drivers", "driverId", 0.0),
    ("constructorResultsId", "results", "resultId", 0.0),  # another table's own key, not a role
    ("driverStandingsId", "drivers", "driverId", 0.0),
])
def test_link_name_match(column, parent, key, expected):
    assert name_match(column, parent, key, TABLES) == expected


@pytest.mark.parametrize("name", ["last_login", "updated_at", "LastModified", "subscription_end", "end_date",
                                  "expiry_date", "dob", "birth_date", "deleted_at"])
def test_time_names_never_chosen(name):
    assert time_name_score(name) == 0.0


def test_time_names_rank_creation_first():
    assert time_name_score("created_at") > time_name_score("order_date") > time_name_score("fp1_date") \
        > time_name_score("anniversary")
    assert time_name_score("date") == time_name_score("timestamp") == time_name_score("created_at")
    assert time_name_score("InvoiceDate") == time_name_score("signup") == time_name_score("start_date")


def _col(name, dtype, *, non_null=1000, distinct=1000, sample=()):
    return ColumnProfile(name=name, dtype=dtype, declared_nullable=True, non_null=non_null, approx_distinct=distinct,
                         sample=tuple(sample))


@pytest.mark.parametrize(("column", "expected"), [
    (_col("amount", "DOUBLE"), SemanticType.NUMERICAL),
    (_col("quantity", "BIGINT", distinct=40), SemanticType.NUMERICAL),
    (_col("is_member", "BIGINT", distinct=2), SemanticType.CATEGORICAL),
    (_col("active", "BOOLEAN", distinct=2), SemanticType.CATEGORICAL),
    (_col("CustomerID", "DOUBLE", distinct=800), SemanticType.ID),  # ids exported as floats
    (_col("created", "TIMESTAMP"), SemanticType.TIMESTAMP),
    (_col("day", "DATE"), SemanticType.TIMESTAMP),
    (_col("start", "TIME"), SemanticType.CATEGORICAL),
    (_col("genres", "VARCHAR[]"), SemanticType.MULTICATEGORICAL),
    (_col("country", "VARCHAR", distinct=38, sample=["United Kingdom", "France", "EIRE"]), SemanticType.CATEGORICAL),
    (_col("tags", "VARCHAR", distinct=900, sample=[f"{a}|{b}" for a in "abcdefg" for b in "xyz"]),
     SemanticType.MULTICATEGORICAL),
    (_col("Description", "VARCHAR", distinct=900,
          sample=[f"white hanging heart t-light holder {i}" for i in range(50)]), SemanticType.TEXT),
    (_col("StockCode", "VARCHAR", distinct=900, sample=[f"85{i}B" for i in range(50)]), SemanticType.ID),
    (_col("forename", "VARCHAR", distinct=900, sample=[f"Name{i}" for i in range(50)]), SemanticType.TEXT),
])
def test_semantic_types(column, expected):
    assert semantic_type(column, is_key=False) is expected


def test_keys_are_ids_whatever_they_look_like():
    assert semantic_type(_col("code", "VARCHAR", distinct=3, sample=["a", "b", "c"]), is_key=True) is SemanticType.ID
