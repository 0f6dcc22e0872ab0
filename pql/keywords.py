"""Which words PQL reserves.

Reserved words are clause and operator keywords: they can never be bare names (``"for"`` quoted is
fine). Aggregation names, time units and the ALLOCATE sub-keywords are not reserved, so columns such as
``orders.value`` or ``events.count`` just work. ``TIMESTAMP`` and ``DATE`` start a literal, so a bare
table of that name cannot begin an expression; the renderer quotes them there.
"""
from __future__ import annotations

RESERVED = frozenset({
    "PREDICT", "EVALUATE", "EXPLAIN", "DEFINE", "AS", "FOR", "EACH", "WHERE", "ASSUMING", "ALLOCATE",
    "USING", "WITH", "INTO", "RANK", "CLASSIFY", "FORECAST", "AND", "OR", "NOT", "IN", "IS", "NULL",
    "TRUE", "FALSE", "LIKE", "NOT_LIKE", "CONTAINS", "STARTS", "ENDS", "STARTS_WITH", "ENDS_WITH",
})

# Words that begin a literal, so a bare name spelled like them is read as the literal where a value may
# start (``TIMESTAMP '2020-01-01'``).
WORD_LITERALS = frozenset({"TIMESTAMP", "DATE"})
