"""ALLOCATE arm names: a plain name or a quoted string ('Mens E-Mail'), rendered back canonically."""
from __future__ import annotations

import pytest

from pql import ast as A
from pql.errors import PQLSyntaxError
from pql.parser import parse_one

HEAD = ("PREDICT COUNT(visit.*, 0, 14, days) > 0 FOR EACH customer.customer_id "
        "ASSUMING FIRST(email.campaign, 0, 14, days) IN ('Mens E-Mail', 'Womens E-Mail') ")


@pytest.mark.parametrize(("clause", "expected", "canonical"), [
    ("ALLOCATE BUDGET 2000 COST ('Mens E-Mail': 0.5, 'Womens E-Mail': 0.25) CAPACITY 'Mens E-Mail' 3000",
     A.Allocate(budget=2000, cost=(A.ArmCost(arm="Mens E-Mail", cost=0.5), A.ArmCost(arm="Womens E-Mail", cost=0.25)),
                capacities=(A.Capacity(arm="Mens E-Mail", limit=3000),)),
     "ALLOCATE BUDGET 2000 COST ('Mens E-Mail': 0.5, 'Womens E-Mail': 0.25) CAPACITY 'Mens E-Mail' 3000"),
    # a double-quoted name, a plain name and a quote inside a string
    ('ALLOCATE BUDGET 10 COST ("Mens E-Mail": 1, sms: 2, \'it\'\'s\': 3) CAPACITY sms 1, "it\'s" 2',
     A.Allocate(budget=10, cost=(A.ArmCost(arm="Mens E-Mail", cost=1), A.ArmCost(arm="sms", cost=2),
                                 A.ArmCost(arm="it's", cost=3)),
                capacities=(A.Capacity(arm="sms", limit=1), A.Capacity(arm="it's", limit=2))),
     "ALLOCATE BUDGET 10 COST ('Mens E-Mail': 1, sms: 2, 'it''s': 3) CAPACITY sms 1, 'it''s' 2"),
    # a plain word that is a reserved word must be quoted to round-trip
    ("ALLOCATE BUDGET 5 CAPACITY 'where' 1, 'email' 2",
     A.Allocate(budget=5, capacities=(A.Capacity(arm="where", limit=1), A.Capacity(arm="email", limit=2))),
     "ALLOCATE BUDGET 5 CAPACITY 'where' 1, email 2"),
])
def test_string_arm_names_parse_and_round_trip(clause, expected, canonical):
    stmt = parse_one(HEAD + clause)
    assert stmt.allocate == expected
    assert str(stmt.allocate) == canonical
    assert parse_one(str(stmt)) == stmt


def test_arm_spans_cover_the_quoted_name():
    text = HEAD + "ALLOCATE BUDGET 1 CAPACITY 'Mens E-Mail' 3"
    (capacity,) = parse_one(text).allocate.capacities
    assert text[capacity.span.start:capacity.span.end] == "'Mens E-Mail' 3"


@pytest.mark.parametrize("bad", [
    HEAD + "ALLOCATE BUDGET 1 CAPACITY '' 3",
    HEAD + "ALLOCATE BUDGET 1 COST ('  ': 1)",
    HEAD + "ALLOCATE BUDGET 1 COST (3: 1)",
])
def test_bad_arm_names_are_syntax_errors(bad):
    with pytest.raises(PQLSyntaxError):
        parse_one(bad)
