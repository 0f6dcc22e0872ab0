"""pql: declarative predictive queries over relational databases.

    >>> import pql
    >>> pql.parse("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers.customer_id")

Public names are resolved lazily so that ``import pql`` (and ``pql --help``) never pays for torch.
"""
from __future__ import annotations

from pql.errors import PQLError, PQLSyntaxError, PQLBindError, PQLInputError
from pql.lazy import lazy_getattr

__version__ = "0.1.0"

# public name -> module that defines it (imported on first use)
_LAZY = {
    "parse": "pql.parser",
    "explain": "pql.explainer",
    "schema": "pql.schema_api",
    "connect": "pql.session",
    "Session": "pql.session",
    "bind": "pql.binder",
    "SchemaOverrides": "engine.schema.overrides",
}

__all__ = ["PQLError", "PQLSyntaxError", "PQLBindError", "PQLInputError", "__version__", *_LAZY]


__getattr__ = lazy_getattr(__name__, _LAZY)
