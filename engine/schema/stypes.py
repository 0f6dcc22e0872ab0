"""Semantic types: how a column should be encoded and which aggregations make sense on it.

- ID: key and link columns, and high-cardinality numbers or short strings with id-like names
  (``*_id``, ``*_code``, ``*Ref``, ``url``, …);
- timestamp: DATE/TIMESTAMP columns;
- categorical: booleans, 0/1-style integers, TIME-of-day, low-cardinality strings;
- multicategorical: lists, and strings that are delimiter-separated tags (``"a|b|c"``);
- text: long or multi-word free strings, and other high-cardinality strings (names, lap times);
- numerical: every other number.
String judgements use the profile's distinct count and a sample of distinct values.
"""
from __future__ import annotations

from engine.schema.dtypes import Family
from engine.schema.model import SemanticType
from engine.schema.names import words
from engine.schema.profile import ColumnProfile

CATEGORICAL_MAX_DISTINCT = 50
CATEGORICAL_MAX_RATIO_DISTINCT = 1000
CATEGORICAL_MAX_RATIO = 0.1
_DELIMITERS = ("|", ";", ",")
_ID_WORDS = frozenset({"id", "key", "code", "ref", "no", "nr", "number", "uuid", "guid", "sku", "url", "uri",
                       "email", "hash", "token", "handle", "username", "login"})


def semantic_type(column: ColumnProfile, *, is_key: bool) -> SemanticType:
    if is_key:
        return SemanticType.ID
    fam = column.family
    if fam is Family.TEMPORAL:
        return SemanticType.TIMESTAMP
    if fam in (Family.BOOLEAN, Family.TIME_OF_DAY):
        return SemanticType.CATEGORICAL
    if fam is Family.LIST:
        return SemanticType.MULTICATEGORICAL
    ratio = column.approx_distinct / column.non_null if column.non_null else 0.0
    if fam in (Family.INTEGER, Family.FLOAT):
        parts = words(column.name)
        if parts and parts[-1] in ("id", "key") and ratio > 0.01:
            return SemanticType.ID
        if fam is Family.INTEGER and column.approx_distinct <= 2:
            return SemanticType.CATEGORICAL
        return SemanticType.NUMERICAL
    if fam is Family.STRING:
        return _string_type(column, ratio)
    return SemanticType.CATEGORICAL


def _string_type(column: ColumnProfile, ratio: float) -> SemanticType:
    sample = column.sample
    if not sample:
        return SemanticType.CATEGORICAL
    mean_words = sum(len(v.split()) for v in sample) / len(sample)
    if mean_words >= 4:
        return SemanticType.TEXT
    if _looks_like_tags(sample):
        return SemanticType.MULTICATEGORICAL
    distinct = column.approx_distinct
    if distinct <= CATEGORICAL_MAX_DISTINCT or (distinct <= CATEGORICAL_MAX_RATIO_DISTINCT and ratio <= CATEGORICAL_MAX_RATIO):
        return SemanticType.CATEGORICAL
    mean_length = sum(len(v) for v in sample) / len(sample)
    with_space = sum(" " in v.strip() for v in sample) / len(sample)
    if with_space < 0.5 and mean_length < 40 and _id_like(column.name):
        return SemanticType.ID
    return SemanticType.TEXT


def _id_like(name: str) -> bool:
    parts = words(name)
    return bool(parts) and parts[-1] in _ID_WORDS


def _looks_like_tags(sample: tuple[str, ...]) -> bool:
    """Most values split on one delimiter into short tokens that recur across values."""
    for delimiter in _DELIMITERS:
        split = [[t.strip() for t in v.split(delimiter) if t.strip()] for v in sample if delimiter in v]
        if len(split) < 0.5 * len(sample) or len(split) < 3:
            continue
        tokens = [t for parts in split for t in parts]
        if sum(len(t) for t in tokens) / len(tokens) > 25:
            continue
        if len(tokens) / len(split) >= 1.5 and len(tokens) >= 2 * len(set(tokens)):
            return True
    return False
