"""String literals a query compares with a column that never holds them (`engine.labels.absent_values`)."""
from __future__ import annotations

from engine.labels.absent_values import absent_values
from engine.schema.model import SemanticType as S
from tests.labels.builders import BIn, agg, cmp, column, lit, query, shop_connection


def _messages(bq) -> list[str]:
    return [value.message() for value in absent_values(shop_connection(), bq)]


def test_a_value_the_column_never_holds_is_named_with_the_closest_it_does():
    where = cmp("=", column("customers", "country"), "uk")  # the shop's countries: 'UK' (3), 'FR' (1)
    assert _messages(query(agg("COUNT", "orders"), where=where)) == [
        "customers.country never holds 'uk'; did you mean 'UK'?"]
    assert _messages(query(agg("COUNT", "orders"), where=cmp("=", column("customers", "country"), "FR"))) == []


def test_without_a_close_value_the_column_s_values_are_listed_most_frequent_first():
    where = BIn(expr=column("customers", "country"), values=(lit("UK"), lit("Germany")))
    assert _messages(query(agg("COUNT", "orders"), where=where)) == [
        "customers.country never holds 'Germany'; its values: 'UK', 'FR'"]


def test_aggregation_filters_are_checked_once_and_numbers_are_not():
    shipped = cmp("!=", column("orders", "status"), "piad")
    target = cmp(">", agg("COUNT", "orders", filter=shipped), agg("COUNT", "orders", filter=shipped))
    amount = cmp("=", column("orders", "amount", stype=S.NUMERICAL, dtype="DOUBLE"), 5.0)
    assert _messages(query(target, where=amount)) == ["orders.status never holds 'piad'; did you mean 'paid'?"]


def test_the_did_you_mean_looks_past_the_most_frequent_values():
    con = shop_connection()
    con.execute("CREATE TABLE codes AS SELECT 'SKU-' || lpad(CAST(i AS VARCHAR), 4, '0') AS code FROM range(5000) t(i)")
    con.execute("INSERT INTO codes SELECT 'COMMON' FROM range(100)")
    where = cmp("=", column("codes", "code", stype=S.ID), "SKU-4172X")
    [value] = absent_values(con, query(agg("COUNT", "orders"), where=where))
    assert value.values[0] == "COMMON" and value.distinct == 5001
    assert value.message().startswith("codes.code never holds 'SKU-4172X'; did you mean 'SKU-4172'")
