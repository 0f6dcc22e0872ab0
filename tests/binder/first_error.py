"""The first error binding a query raises, for tests of where and how it is reported."""
import pytest

import pql
from pql.binder import bind
from pql.errors import PQLBindError, PQLErrorGroup


def first_bind_error(query: str, db) -> PQLBindError:
    """The first error binding ``query`` against ``db`` raises (it must raise)."""
    with pytest.raises((PQLBindError, PQLErrorGroup)) as info:
        bind(pql.parse(query)[0], db)
    return (info.value.errors if isinstance(info.value, PQLErrorGroup) else (info.value,))[0]
