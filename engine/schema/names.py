"""Name handling shared by key, link and time inference: normalising, word splitting, singulars.

Names are compared in a normal form that ignores case, underscores, spaces and dashes, so that
``customer_id``, ``CustomerID``, ``customerId`` and ``Customer ID`` are all ``customerid``.
"""
from __future__ import annotations

import re

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_IRREGULAR_SINGULARS = {"people": "person", "children": "child", "men": "man", "women": "woman", "data": "data"}
_UNCHANGED_ENDINGS = ("ss", "us", "is", "series", "news")

#: Key column names that say nothing about which table they belong to.
GENERIC_KEY_NAMES = frozenset({"id", "key", "code", "no", "nr", "num", "number", "name", "pk", "uuid"})


def norm(name: str) -> str:
    """``"Customer_ID"`` -> ``"customerid"``."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def words(name: str) -> list[str]:
    """Lower-case words of a snake_case, camelCase or spaced name: ``"referredCustomer_ID"`` ->
    ``["referred", "customer", "id"]``."""
    return [w.lower() for w in _WORD.findall(name)]


def singular(word: str) -> str:
    """English singular of one lower-case word, by the common rules (``categories`` -> ``category``)."""
    if word in _IRREGULAR_SINGULARS:
        return _IRREGULAR_SINGULARS[word]
    if word.endswith(_UNCHANGED_ENDINGS):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ouses", "auses")):  # warehouses, causes
        return word[:-1]
    if word.endswith(("sses", "shes", "ches", "xes", "zes", "uses")):  # addresses, statuses
        return word[:-2]
    if word.endswith("s") and len(word) > 2:
        return word[:-1]
    return word


def table_forms(table: str) -> frozenset[str]:
    """Normal forms a table name takes inside a column name: as is and with its last word singular.

    ``"order_lines"`` -> ``{"orderlines", "orderline"}``; ``"status"`` -> ``{"status"}``.
    """
    parts = words(table) or [table.lower()]
    forms = {norm(table), "".join(parts[:-1] + [singular(parts[-1])])}
    return frozenset(f for f in forms if f)


def key_names(table: str) -> frozenset[str]:
    """Normal forms of the column names that would be ``table``'s own key: ``customers`` ->
    ``{"customerid", "customersid", "customerkey", …}``."""
    return frozenset(form + suffix for form in table_forms(table) for suffix in ("id", "key", "no", "code"))


def suffixes(name: str) -> list[str]:
    """Normal forms of every proper word suffix of ``name``: ``"referred_customer_id"`` ->
    ``["customerid", "id"]`` (the longest first)."""
    parts = words(name)
    return ["".join(parts[i:]) for i in range(1, len(parts))]
