"""Foreign keys: declared ones are taken as they are; otherwise inferred by a score.

For every column ``c`` of a child table and every parent table ``P`` with a single-column key ``k``:

    score = name_match(c, P, k) × type_compatibility(c, k) × containment(c ⊆ k)

- name match: 1.0 when ``c`` is ``k``'s own specific name (``raceId`` → races.raceId); 0.9 when ``c``
  is ``<P singular or plural>_<k>`` or ``<P>_id`` (``customer_id`` → customers.id); 0.8 when ``c`` is
  the parent's name itself, singular or plural (``purchase.customer`` → customer.id, a common way to
  name a link; never within one table); 0.7 when a role prefix comes first (``referred_customer_id`` →
  customers); otherwise no link is considered, however well the values match — small integers are
  contained in every id column.
- type compatibility: see ``dtypes.join_compatibility``.
- containment: the share of a deterministic sample of the child's distinct values found in the
  parent key (one DuckDB query per candidate), so dangling values lower the score but do not hide
  a link.

A link is kept when containment ≥ 0.5 and score ≥ 0.4. When two parents score the same for one
column the link is refused and a note says so (an override settles it).

Then, with no name to go by, a text column whose sampled values fall at least 98% in one table's text
key of codes, not plain numbers (``sales.item`` → ``products.sku`` holding ``SKU-12``), links with score
0.5 and a note (`_value_links`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from engine.schema.dtypes import Family, join_compatibility
from engine.schema.keys import PrimaryKey
from engine.schema.model import ForeignKey
from engine.schema.names import GENERIC_KEY_NAMES, key_names, norm, suffixes, table_forms
from engine.schema.profile import ColumnProfile, TableProfile
from engine.schema.sql import column_ref, not_null, run, table_ref

if TYPE_CHECKING:
    import duckdb

CONTAINMENT_SAMPLE = 2000
MIN_CONTAINMENT = 0.5
MIN_SCORE = 0.4
TIE_TOLERANCE = 0.005

EXACT_NAME, TABLE_NAME, BARE_NAME, ROLE_NAME = 1.0, 0.9, 0.8, 0.7
VALUE_ONLY = 0.5  # no name match: only a text column whose values nearly all fall in a text key
VALUE_CONTAINMENT = 0.98
MAX_VALUE_PAIRS = 400  # plausible (text column, text key) pairs compared by value, at most
_LETTERS, _DIGITS, _RUNS = re.compile(r"[^\W\d_]"), re.compile(r"\d"), re.compile(r"(.)\1+")


@dataclass(frozen=True, kw_only=True)
class _Candidate:
    parent: str
    parent_column: str
    score: float
    containment: float


def name_match(child_column: str, parent: str, parent_key: str, all_tables: tuple[str, ...]) -> float:
    """How strongly the name ``child_column`` says "I reference ``parent.parent_key``" (0 = not at all)."""
    nc, nk = norm(child_column), norm(parent_key)
    forms = table_forms(parent)
    specific = {f + "id" for f in forms} | {f + nk for f in forms}
    if nk not in GENERIC_KEY_NAMES:
        specific.add(nk)
        if nc == nk:
            return EXACT_NAME
    if nc in specific:
        return TABLE_NAME
    if nc in forms:
        return BARE_NAME
    # a role prefix (referred_customer_id), unless the whole name is some table's own key name
    # (constructorResultsId is constructor_results' key, not a "constructor" role of results)
    if any(s in specific for s in suffixes(child_column)) and not any(nc in key_names(t) for t in all_tables):
        return ROLE_NAME
    return 0.0


def infer_links(con: duckdb.DuckDBPyConnection, profiles: Mapping[str, TableProfile],
                keys: Mapping[str, PrimaryKey], notes: list[str]) -> list[ForeignKey]:
    """Inferred foreign keys, one per child column at most, in table/column order."""
    tables = tuple(profiles)
    parents = {t: k.columns[0] for t, k in keys.items() if len(k.columns) == 1}
    links: list[ForeignKey] = []
    for child, profile in profiles.items():
        own_key = keys[child].columns if child in keys else ()
        for column in profile.columns:
            # a table's own key links out only as a 1:1 extension (customer_profiles.customer_id ->
            # customers), never when it is named after its own table (warehouse.warehouse_id)
            if column.name in own_key and norm(column.name) in key_names(child):
                continue
            candidates = []
            for parent, parent_key in parents.items():
                if parent == child and column.name == parent_key:
                    continue
                strength = name_match(column.name, parent, parent_key, tables)
                if strength == 0.0 or (column.name in own_key and strength < EXACT_NAME):
                    continue
                if strength == BARE_NAME and parent == child:  # status.status is the table's own label
                    continue
                candidate = _score(con, profile, column, profiles[parent], parent_key, strength, notes)
                if candidate is not None:
                    candidates.append(candidate)
            link = _pick(child, column.name, candidates, notes)
            if link is not None:
                links.append(link)
    return links + _value_links(con, profiles, keys, parents, linked={(fk.table, fk.columns[0]) for fk in links},
                                notes=notes)


def _value_links(con: duckdb.DuckDBPyConnection, profiles: Mapping[str, TableProfile],
                 keys: Mapping[str, PrimaryKey], parents: Mapping[str, str], *,
                 linked: set[tuple[str, str]], notes: list[str]) -> list[ForeignKey]:
    """Text columns no name links whose values all but never miss one text key (``sales.item`` ->
    ``products.sku``): the names of exports often say nothing, but codes like ``SKU-12`` found in
    another table's key are a reference. Keys of digits only are left out (small numbers turn up in
    every id column), and so is a schema with too many pairs to compare. Each pair costs one scan of the
    parent, with the child's profiled sample of values."""
    text_keys = {t: profiles[t].column(k) for t, k in parents.items() if _distinctive_text_key(profiles[t].column(k))}
    pairs = [(child, column, parent) for child, profile in profiles.items() for column in profile.columns
             if (child, column.name) not in linked and column.family is Family.STRING and column.approx_distinct >= 2
             and column.name not in (keys[child].columns if child in keys else ())
             for parent, key in text_keys.items() if parent != child
             and column.approx_distinct <= 1.2 * key.approx_distinct  # more values than the key: cannot fit in
             and _same_shapes(column.sample, key.sample)]  # 'red' is no 'SKU-12'
    if len(pairs) > MAX_VALUE_PAIRS:
        notes.append(f"{len(pairs)} text columns and keys look alike; too many to compare, so no link is inferred "
                     "from values alone (a foreign key override adds one)")
        return []
    links = []
    for child, column in dict.fromkeys((c, col) for c, col, _ in pairs):
        candidates = []
        for parent in (p for c, col, p in pairs if c == child and col is column):
            key = text_keys[parent].name
            share = _sample_containment(con, column.sample, parent, key)
            if share >= VALUE_CONTAINMENT:
                candidates.append(_Candidate(parent=parent, parent_column=key, score=round(VALUE_ONLY * share, 3),
                                             containment=round(share, 3)))
        link = _pick(child, column.name, candidates, notes)
        if link is not None:
            notes.append(f"{child}.{column.name} -> {link.ref_table}.{link.ref_columns[0]}: inferred from the values "
                         f"alone ({link.containment:.0%} found there; no name says so)")
            links.append(link)
    return links


def _sample_containment(con: duckdb.DuckDBPyConnection, values: tuple[str, ...], parent: str, key: str) -> float:
    """Share of ``values`` (the profile's deterministic sample of a text column) found in ``parent.key``:
    a scan of the parent only, where `containment` would scan the child again."""
    if not values:
        return 0.0
    found = exp.select(exp.func("count", exp.Distinct(expressions=[column_ref(key)]))).from_(table_ref(parent)).where(
        column_ref(key).isin(*(exp.Literal.string(v) for v in values)))
    hits = run(con, found, f"compare values with {parent}.{key}")[0][0]
    return hits / len(values)


def _shape(value: str) -> str:
    """``"SKU-12"`` -> ``"a-9"``: letters and digits as one class each, runs collapsed."""
    return _RUNS.sub(r"\1", _DIGITS.sub("9", _LETTERS.sub("a", value.strip())))


def _same_shapes(child: tuple[str, ...], parent: tuple[str, ...]) -> bool:
    """Whether nearly all the child's sampled values are shaped like some of the key's: a check without a
    query, so that only plausible pairs cost a scan of the parent."""
    shapes = {_shape(v) for v in parent}
    return bool(child) and sum(_shape(v) in shapes for v in child) >= VALUE_CONTAINMENT * len(child)


def _distinctive_text_key(column: ColumnProfile) -> bool:
    """A text key whose values are not plain numbers ("SKU-12", "C0001", "DE"), judged on its sample."""
    sample = column.sample
    return column.family is Family.STRING and bool(sample) and not all(v.strip().isdigit() for v in sample)


def _score(con: duckdb.DuckDBPyConnection, child: TableProfile, column: ColumnProfile, parent: TableProfile,
           parent_key: str, strength: float, notes: list[str]) -> _Candidate | None:
    parent_type = parent.column(parent_key).dtype
    compatibility = join_compatibility(column.dtype, parent_type)
    if compatibility == 0.0:
        notes.append(f"{child.name}.{column.name} -> {parent.name}: name matches but {child.name}.{column.name} is "
                     f"{column.dtype} and {parent.name}.{parent_key} is {parent_type}, which do not join; not linked")
        return None
    if column.non_null == 0:
        return None
    share = containment(con, child.name, column.name, parent.name, parent_key)
    score = round(strength * compatibility * share, 3)
    if share < MIN_CONTAINMENT or score < MIN_SCORE:
        notes.append(f"{child.name}.{column.name} -> {parent.name}: name matches but only {share:.0%} of sampled "
                     "values are found there; not linked")
        return None
    return _Candidate(parent=parent.name, parent_column=parent_key, score=score, containment=round(share, 3))


def _pick(child: str, column: str, candidates: list[_Candidate], notes: list[str]) -> ForeignKey | None:
    if not candidates:
        return None
    best = max(c.score for c in candidates)
    top = [c for c in candidates if best - c.score <= TIE_TOLERANCE]
    if len(top) > 1:
        names = ", ".join(f"{c.parent}.{c.parent_column}" for c in top)
        notes.append(f"{child}.{column}: ambiguous link, could reference {names} (score {best:.2f} each); "
                     "refused — add a foreign key override to choose")
        return None
    (c,) = top
    return ForeignKey(table=child, columns=(column,), ref_table=c.parent, ref_columns=(c.parent_column,),
                      inferred=True, score=c.score, containment=c.containment)


def containment(con: duckdb.DuckDBPyConnection, child: str, column: str, parent: str, parent_key: str) -> float:
    """Share of (a deterministic sample of) the child's distinct non-null values present in the parent key."""
    value = column_ref(column)
    sample = (exp.select(value).distinct().from_(table_ref(child)).where(not_null(value))
              .subquery("d"))
    sampled = (exp.select(value).from_(sample).order_by(exp.func("hash", value)).limit(CONTAINMENT_SAMPLE)
               .subquery("s"))
    found = column_ref(column, "s").isin(query=exp.select(column_ref(parent_key)).from_(table_ref(parent)))
    query = exp.select(
        exp.func("count", exp.Star()),
        exp.Filter(this=exp.func("count", exp.Star()), expression=exp.Where(this=found)),
    ).from_(sampled)
    total, hits = run(con, query, f"compare {child}.{column} with {parent}.{parent_key}")[0]
    return 0.0 if total == 0 else hits / total


def declared_links(declared, keys: Mapping[str, PrimaryKey]) -> list[ForeignKey]:
    """Declared foreign keys as model objects (``declared`` is a sequence of DeclaredForeignKey)."""
    return [ForeignKey(table=fk.table, columns=fk.columns, ref_table=fk.ref_table,
                       ref_columns=fk.ref_columns or (keys[fk.ref_table].columns if fk.ref_table in keys else ()),
                       inferred=False)
            for fk in declared]
