"""``WITH threshold``: 'f1', 'accuracy' or a number strictly between 0 and 1; anything else is an error at
the option, with a caret, before anything trains."""
import pytest

import pql
from pql.binder import bind
from pql.errors import PQLBindError
from pql.options import check_option

BUYS = "PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WITH threshold = "


@pytest.mark.parametrize("value,expected", [("f1", "f1"), ("Accuracy", "accuracy"), (0.3, 0.3), ("0.25", 0.25)])
def test_threshold_accepts_a_rule_or_a_cut_off(value, expected):
    assert check_option("threshold", value) == ("threshold", expected)


@pytest.mark.parametrize("written,message", [
    ("1.5", "option 'threshold' must be one of 'f1', 'accuracy' or a number strictly between 0 and 1, not 1.5"),
    ("0", "option 'threshold' must be one of 'f1', 'accuracy' or a number strictly between 0 and 1, not 0"),
    ("true", "option 'threshold' must be one of 'f1', 'accuracy' or a number strictly between 0 and 1, not true"),
    ("'acuracy'", "option 'threshold' must be one of 'f1', 'accuracy' or a number strictly between 0 and 1; "
                  "did you mean 'accuracy'?"),
])
def test_a_bad_threshold_is_an_error_at_the_option(retail_db, written, message):
    with pytest.raises(PQLBindError) as info:
        bind(pql.parse(BUYS + written)[0], retail_db)
    column = len("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WITH ") + 1
    assert str(info.value) == (f"line 1, column {column}: {message}\n  {BUYS}{written}\n"
                               f"  {' ' * (column - 1)}{'^' * len('threshold = ' + written)}")

