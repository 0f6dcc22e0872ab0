"""Golden binder errors for ALLOCATE: exact text and caret."""
from __future__ import annotations

import pytest

import pql
from engine.schema.introspection import introspect
from pql.binder import bind
from pql.errors import PQLBindError

ARMS = "PREDICT COUNT(purchase.*, 0, 30) > 0 FOR EACH customer ASSUMING FIRST(promo.channel, 0, 7) IN ('email', 'sms') "
PLAIN = "PREDICT COUNT(purchase.*, 0, 30) > 0 FOR EACH customer ASSUMING COUNT(promo.*, 0, 7) > 0 "

def block(text: str, needle: str, message: str, *, after: str = "ALLOCATE", hint: str | None = None) -> str:
    """The rendering of one error: ``line:col: message``, the line, a caret under ``needle`` (searched
    after ``after``), the hint."""
    at = text.index(needle, text.index(after))
    lines = [f"line 1, column {at + 1}: {message}", f"  {text}", " " * (at + 2) + "^" * len(needle)]
    return "\n".join(lines + ([f"  hint: {hint}"] if hint else []))


NO_ASSUMING = "PREDICT COUNT(purchase.*, 0, 30) > 0 FOR EACH customer ALLOCATE BUDGET 100"
CASES = [
    (NO_ASSUMING, block(NO_ASSUMING, "ALLOCATE", "ALLOCATE chooses who gets a treatment, so it needs ASSUMING "
                        "<treatment condition>", hint="add e.g. ASSUMING COUNT(targeted.*, 0, 7, days) > 0 before "
                        "ALLOCATE")),
    (ARMS + "ALLOCATE BUDGET 100 CAPACITY emial 10",
     block(ARMS + "ALLOCATE BUDGET 100 CAPACITY emial 10", "emial",
           "unknown arm 'emial' in CAPACITY; did you mean 'email'?", hint="the treatment's arms are 'email', 'sms'")),
    (ARMS + "ALLOCATE BUDGET 100 COST (email: 1, sns: 0.5)",
     "2 errors:\n"
     + block(ARMS + "ALLOCATE BUDGET 100 COST (email: 1, sns: 0.5)", "COST", "COST gives no cost for arm(s) 'sms'",
             hint="give every arm a cost: COST (email: …, sms: …)") + "\n"
     + block(ARMS + "ALLOCATE BUDGET 100 COST (email: 1, sns: 0.5)", "sns",
             "unknown arm 'sns' in COST; did you mean 'sms'?", hint="the treatment's arms are 'email', 'sms'")),
    (PLAIN + "ALLOCATE BUDGET 100 CAPACITY email 10",
     block(PLAIN + "ALLOCATE BUDGET 100 CAPACITY email 10", "email", "unknown arm 'email' in CAPACITY",
           hint="a yes/no treatment has one arm, called 'treated'")),
    (PLAIN + "ALLOCATE BUDGET 100 MAX 1 PER purchase",
     block(PLAIN + "ALLOCATE BUDGET 100 MAX 1 PER purchase", "purchase", "MAX … PER limits the arms each entity "
           "gets, so it must name the entity table 'customer', not 'purchase'", hint="write MAX 1 PER customer")),
    (PLAIN + "ALLOCATE BUDGET 100 COST purchase.amount",
     block(PLAIN + "ALLOCATE BUDGET 100 COST purchase.amount", "purchase", "COST reads one number per entity, so "
           "it must be a column of 'customer', not of 'purchase'", hint="write COST customer.<column> or a constant")),
    (PLAIN + "ALLOCATE BUDGET 100 VALUE customer.region",
     block(PLAIN + "ALLOCATE BUDGET 100 VALUE customer.region", "region",
           "VALUE needs a numeric column, but 'customer.region' is categorical (VARCHAR)")),
    (PLAIN + "ALLOCATE BUDGET 100 VALUE 0",
     block(PLAIN + "ALLOCATE BUDGET 100 VALUE 0", "0", "VALUE prices one unit of uplift, so it must be positive, "
           "not 0: at this price no arm is worth its cost", after="VALUE")),
    (ARMS + "ALLOCATE BUDGET 100 CAPACITY sms 10, sms 20",
     block(ARMS + "ALLOCATE BUDGET 100 CAPACITY sms 10, sms 20", "sms",
           "CAPACITY names arm 'sms' twice; give each arm one limit", after="10, ")),
    (PLAIN + "ALLOCATE BUDGET 100 VALUE customer.margn",
     block(PLAIN + "ALLOCATE BUDGET 100 VALUE customer.margn", "margn",
           "table 'customer' has no column 'margn'; did you mean 'margin'?")),
]


@pytest.fixture(scope="module")
def db(promo_db):
    import duckdb

    con = duckdb.connect(str(promo_db), read_only=True)
    yield introspect(con)
    con.close()


@pytest.mark.parametrize("text,message", CASES)
def test_allocate_errors(db, text, message):
    with pytest.raises(pql.errors.PQLError) as err:
        bind(pql.parse(text)[0], db)
    assert str(err.value) == message


def test_valid_clause_binds(db):
    bound = bind(pql.parse(ARMS + "ALLOCATE BUDGET 50 COST (email: 1, sms: 0.5) VALUE customer.margin "
                                  "MAX 1 PER customers CAPACITY sms 20")[0], db)
    alloc = bound.allocate
    assert (alloc.budget, alloc.cost, alloc.value, alloc.max_per, alloc.capacities) == (
        50.0, (("email", 1.0), ("sms", 0.5)), "margin", 1, (("sms", 20),))


def test_more_arms_per_entity_than_there_are_is_a_note(db):
    bound = bind(pql.parse(PLAIN + "ALLOCATE BUDGET 100 MAX 2 PER customer")[0], db)
    assert "MAX 2 PER customer: the treatment has 1 arm, so no entity gets more than 1" in bound.notes


def test_single_error_is_a_bind_error(db):
    with pytest.raises(PQLBindError):
        bind(pql.parse(PLAIN + "ALLOCATE BUDGET 100 CAPACITY email 10")[0], db)
