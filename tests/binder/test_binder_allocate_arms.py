"""The binder checks ALLOCATE's quoted arm names against the treatment's arms, with did-you-mean."""
from __future__ import annotations

import pytest

import pql
from pql.binder import bind
from pql.errors import PQLBindError

TREATED = ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers "
           "ASSUMING FIRST(targeted.channel, 0, 7) IN ('Email Blast', 'sms') ")


def _bind(text, db):
    return bind(pql.parse(text)[0], db)


def test_quoted_arm_names_bind(retail_db):
    bq = _bind(TREATED + "ALLOCATE BUDGET 100 COST ('Email Blast': 0.5, sms: 1) CAPACITY 'Email Blast' 3", retail_db)
    assert bq.treatment_arms == ("Email Blast", "sms")
    assert bq.allocate.cost == (("Email Blast", 0.5), ("sms", 1.0))
    assert bq.allocate.capacities == (("Email Blast", 3),)


def test_unknown_quoted_arm_suggests_the_closest(retail_db):
    text = TREATED + "ALLOCATE BUDGET 100 CAPACITY 'Email Blst' 3"
    with pytest.raises(PQLBindError) as info:
        _bind(text, retail_db)
    error = info.value
    assert "unknown arm 'Email Blst' in CAPACITY; did you mean 'Email Blast'?" in str(error)
    assert text[error.span.start:error.span.end] == "Email Blst"


def test_a_missing_arm_cost_hints_valid_pql(retail_db):
    with pytest.raises(PQLBindError, match="COST gives no cost for arm\\(s\\) 'Email Blast'") as info:
        _bind(TREATED + "ALLOCATE BUDGET 100 COST (sms: 0.5)", retail_db)
    assert info.value.hint == "give every arm a cost: COST ('Email Blast': …, sms: …)"
