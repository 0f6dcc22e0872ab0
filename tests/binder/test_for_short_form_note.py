"""`FOR customers` (no key) gets a note saying it means `FOR EACH customers.customer_id`; a statement
that names the key itself, whatever its kind, gets none."""
import pytest

import pql
from pql.binder import bind

TARGET = "COUNT(orders.*, 0, 30) > 0"
TREATED = "ASSUMING COUNT(targeted.*, 0, 7) > 0"
NOTE = "FOR customers means FOR EACH customers.customer_id"

KINDS = [  # (statement with {entity} for its FOR clause, the FOR clause after it)
    ("PREDICT {t} {entity}", ""),
    ("EVALUATE PREDICT {t} {entity}", ""),
    ("EXPLAIN PREDICT {t} {entity}", ""),
    ("PREDICT {t} {entity} {treated} ALLOCATE BUDGET 10", ""),
    ("EVALUATE PREDICT {t} {entity} {treated}", ""),
    ("PREDICT SUM(orders.total, 0, 30) {entity} WITH model = 'lightgbm'", ""),
    ("PREDICT {t} {entity}", " = 3"),
    ("PREDICT {t} {entity}", " IN (3, 4)"),
]


def _notes(retail_db, template: str, entity: str) -> tuple[str, ...]:
    (statement,) = pql.parse(template.format(t=TARGET, treated=TREATED, entity=entity))
    return bind(statement, retail_db).notes


@pytest.mark.parametrize("template,values", KINDS)
def test_no_note_when_the_key_is_written(retail_db, template, values):
    each = "FOR EACH " if not values else "FOR "
    assert not [n for n in _notes(retail_db, template, f"{each}customers.customer_id{values}") if "means FOR" in n]


@pytest.mark.parametrize("template,values", KINDS)
def test_the_note_when_the_key_is_left_out(retail_db, template, values):
    for short in ([f"FOR customers{values}"] + ([] if values else ["FOR EACH customers"])):
        assert NOTE in _notes(retail_db, template, short)
