"""Built-in named targets, resolved against the schema into plain PQL.

    total_<measure>_<N><h|d|w|m|y>   SUM(<fact>.<measure column>, 0, N, unit)
    next_<table>                   LIST_DISTINCT(<fact>.<fk to table>, 0, 30, days) RANK TOP 12
    decline_<measure>_<N><h|d|w|m|y> SUM(<measure>, 0, N, unit) < SUM(<measure>, -N, 0, unit), for entities
                                   with some in the last N (will they spend less than in the last N?)
    churn_<N><unit>                COUNT(<activity>.*, 0, N, unit) = 0, for entities active in the last N
    incremental_<event>            COUNT(<event>.*, 0, 30, days) > 0 ASSUMING COUNT(<treatment>.*, 0, 7, days) > 0

Each template returns PQL *text* for its parts; the binder parses and binds that text like anything the
user wrote, so `EXPLAIN` can show the expansion verbatim. An expansion that fits several tables or
columns is an error listing the candidates (the user then writes the plain PQL or a DEFINE).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from engine.schema.model import Database, Table
from engine.schema.names import norm, singular, words
from pql.binder.expressions import is_numeric_column
from pql.binder.names import find_table
from pql.binder.paths import prefer_named_path, up_paths
from pql.errors import did_you_mean

UNIT_LETTERS = {"d": "days", "w": "weeks", "m": "months", "y": "years", "h": "hours"}
UNIT_WORDS = {"day": "days", "days": "days", "week": "weeks", "weeks": "weeks", "month": "months",
              "months": "months", "year": "years", "years": "years", "hour": "hours", "hours": "hours"}

# A measure word and the column names that usually hold it.
MEASURE_SYNONYMS = {
    "spend": ("spend", "amount", "sales_value", "sales", "revenue", "total", "price", "value"),
    "revenue": ("revenue", "amount", "sales_value", "sales", "total", "spend", "price", "value"),
    "sales": ("sales", "sales_value", "amount", "revenue", "total"),
    "amount": ("amount", "total", "value"),
    "quantity": ("quantity", "qty", "units"),
    "qty": ("qty", "quantity", "units"),
    "points": ("points", "points_earned", "amount"),
}
ACTIVITY_WORDS = ("purchase", "order", "transaction", "invoice", "visit", "session", "event", "activity",
                  "booking", "payment", "sale", "basket")
TREATMENT_WORDS = ("targeted", "treatment", "treated", "assignment", "exposure", "exposed", "send", "sent",
                   "email", "mail", "campaign", "offer", "coupon", "promotion", "notification", "reward")

DEFAULT_NEXT_DAYS = 30
DEFAULT_NEXT_TOP = 12
DEFAULT_INCREMENTAL_DAYS = 30
DEFAULT_TREATMENT_DAYS = 7


class TemplateError(Exception):
    """The name matches a template but the schema does not resolve it uniquely; message is user-facing."""


@dataclass(frozen=True, kw_only=True)
class Expansion:
    target: str  # PQL text of the target
    suffix: str = ""  # extra clause text, e.g. " RANK TOP 12"
    where: str | None = None  # entity filter the template implies (only used when the user gave none)
    assuming: str | None = None  # treatment condition (incremental_*)


def _q(name: str) -> str:
    """Quote a name for PQL text when it is not a plain identifier."""
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else '"' + name.replace('"', '""') + '"'


def _timed_children(db: Database, entity: Table, tables: set[str] | None) -> list[tuple[Table, tuple]]:
    """Timed tables (in ``tables`` when given) that reach the entity through one unambiguous FK path."""
    out = []
    for t in db.tables:
        if t.name == entity.name or not t.is_timed or (tables is not None and t.name not in tables):
            continue
        paths = prefer_named_path(up_paths(db, t.name, entity.name), entity.name)
        if len(paths) == 1:
            out.append((t, paths[0]))
    return out


def _matches_word(name: str, vocabulary: tuple[str, ...]) -> bool:
    return any(singular(w) in vocabulary or w in vocabulary for w in words(name))


def _list(tables) -> str:
    return ", ".join(f"'{t}'" for t in tables)


TEMPLATE_PATTERNS = (r"total_[a-z0-9_]+?_\d+[dwmyh]", r"decline_[a-z0-9_]+?_\d+[dwmyh]", r"next_[a-z0-9_]+",
                     r"churn_\d+_?[a-z]+", r"incremental_[a-z0-9_]+")


def looks_like_template(name: str) -> bool:
    """A name of the built-in templates' shape (``churn_90d``), whatever the schema."""
    return any(re.fullmatch(p, name.lower()) for p in TEMPLATE_PATTERNS)


def expand(name: str, db: Database, entity: Table, using: set[str] | None) -> Expansion | None:
    """The expansion of a built-in template name, None if the name is not a template."""
    low = name.lower()
    if (m := re.fullmatch(r"(total_[a-z0-9_]+?_|decline_[a-z0-9_]+?_|churn_)0+_?[a-z]+", low)) is not None:
        # a zero-length window counts nothing: one error here, not one per window of the expansion
        raise TemplateError(f"{name}: a template's window must be at least 1 (e.g. {m.group(1)}90d)")
    if m := re.fullmatch(r"total_([a-z0-9_]+?)_(\d+)([dwmyh])", low):
        return _total(m.group(1), int(m.group(2)), UNIT_LETTERS[m.group(3)], db, entity, using)
    if m := re.fullmatch(r"decline_([a-z0-9_]+?)_(\d+)([dwmyh])", low):
        return _decline(m.group(1), int(m.group(2)), UNIT_LETTERS[m.group(3)], db, entity, using)
    if m := re.fullmatch(r"next_([a-z0-9_]+)", low):
        return _next(m.group(1), db, entity, using)
    if m := re.fullmatch(r"churn_(\d+)_?([a-z]+)", low):
        unit = UNIT_LETTERS.get(m.group(2)) or UNIT_WORDS.get(m.group(2))
        if unit is None:
            raise TemplateError(f"churn template: unknown unit '{m.group(2)}' (use h, d, w, m or y, or a word such "
                                "as days, e.g. churn_90d)")
        return _churn(int(m.group(1)), unit, db, entity, using, name)
    if m := re.fullmatch(r"incremental_([a-z0-9_]+)", low):
        return _incremental(m.group(1), db, entity, using)
    return None


def _total(measure: str, n: int, unit: str, db: Database, entity: Table, using) -> Expansion:
    column = _measure_column(measure, db, entity, using, f"total_{measure}_…")
    return Expansion(target=f"SUM({column}, 0, {n}, {unit})")


def _decline(measure: str, n: int, unit: str, db: Database, entity: Table, using) -> Expansion:
    column = _measure_column(measure, db, entity, using, f"decline_{measure}_…")
    past = f"SUM({column}, -{n}, 0, {unit})"
    # with nothing in the last N nothing can fall: those rows would all be "no" and teach nothing
    return Expansion(target=f"SUM({column}, 0, {n}, {unit}) < {past}", where=f"{past} > 0")


def _measure_column(measure: str, db: Database, entity: Table, using, what: str) -> str:
    """``table.column`` (quoted as needed) of the numeric column the measure word names."""
    wanted = MEASURE_SYNONYMS.get(measure, (measure,))
    candidates: list[tuple[int, str, str]] = []  # (rank of synonym, table, column)
    for table, _ in _timed_children(db, entity, using):
        for col in table.columns:
            if not is_numeric_column(col) or col.name in {c for fk in db.foreign_keys_from(table.name)
                                                          for c in fk.columns}:
                continue
            for rank, syn in enumerate(wanted):
                if norm(col.name) == norm(syn):
                    candidates.append((rank, table.name, col.name))
    if not candidates:
        raise TemplateError(f"{what}: no numeric column like {_list(wanted)} in a timed table "
                            f"linked to '{entity.name}'")
    best = min(c[0] for c in candidates)
    top = [c for c in candidates if c[0] == best]
    if len(top) > 1:
        raise TemplateError(f"{what} is ambiguous: " + ", ".join(f"{t}.{c}" for _, t, c in top))
    _, table, column = top[0]
    return f"{_q(table)}.{_q(column)}"


def _next(item: str, db: Database, entity: Table, using) -> Expansion:
    item_table, cands = find_table(db, item)
    if item_table is None:
        raise TemplateError(f"next_{item}: no table '{item}'" + (f" (candidates: {_list(t.name for t in cands)})"
                                                                   if cands else did_you_mean(item, db.table_names)))
    options = []
    for table, _ in _timed_children(db, entity, using):
        for fk in db.foreign_keys_from(table.name):
            if fk.ref_table == item_table.name and len(fk.columns) == 1:
                options.append((table.name, fk.columns[0]))
    if not options:
        raise TemplateError(f"next_{item}: no timed table links '{entity.name}' to '{item_table.name}'")
    if len(options) > 1:
        raise TemplateError(f"next_{item} is ambiguous: " + ", ".join(f"{t}.{c}" for t, c in options))
    table, column = options[0]
    return Expansion(target=f"LIST_DISTINCT({_q(table)}.{_q(column)}, 0, {DEFAULT_NEXT_DAYS}, days)",
                     suffix=f" RANK TOP {DEFAULT_NEXT_TOP}")


def _activity_table(db: Database, entity: Table, using, what: str) -> str:
    children = [t.name for t, path in _timed_children(db, entity, using) if len(path) == 1]
    if not children:
        children = [t.name for t, _ in _timed_children(db, entity, using)]
    if len(children) == 1:
        return children[0]
    preferred = [c for c in children if _matches_word(c, ACTIVITY_WORDS)]
    if len(preferred) == 1:
        return preferred[0]
    pool = preferred or children
    if not pool:
        raise TemplateError(f"{what}: no timed table is linked to '{entity.name}'")
    raise TemplateError(f"{what} is ambiguous: activity could be any of {_list(pool)}")


def _churn(n: int, unit: str, db: Database, entity: Table, using, name: str) -> Expansion:
    table = _q(_activity_table(db, entity, using, name))
    return Expansion(target=f"COUNT({table}.*, 0, {n}, {unit}) = 0",
                     where=f"COUNT({table}.*, -{n}, 0, {unit}) > 0")


def _incremental(event: str, db: Database, entity: Table, using) -> Expansion:
    event_table, cands = find_table(db, event)
    if event_table is None:
        raise TemplateError(f"incremental_{event}: no table '{event}'"
                            + (f" (candidates: {_list(t.name for t in cands)})" if cands
                               else did_you_mean(event, db.table_names)))
    # The treatment table is a timed table linked to the entity that is not the event itself: named
    # like a treatment, or pointing at a promotion-like table. `USING` is not a restriction here: a
    # treatment log is what the query *means*, not a feature table.
    linked = [t for t, path in _timed_children(db, entity, None) if t.name != event_table.name]
    named = [t for t in linked if _matches_word(t.name, TREATMENT_WORDS)
             or any(_matches_word(fk.ref_table, TREATMENT_WORDS) for fk in db.foreign_keys_from(t.name))]
    if not named:
        raise TemplateError(f"incremental_{event}: no treatment table (e.g. 'targeted', 'campaign', "
                            f"'email') is linked to '{entity.name}'")
    if len(named) > 1:
        direct = [t for t in named if _matches_word(t.name, TREATMENT_WORDS)]
        named = direct if len(direct) == 1 else named
    if len(named) > 1:
        raise TemplateError(f"incremental_{event} is ambiguous: the treatment could be any of "
                            f"{_list(t.name for t in named)}")
    treat = _q(named[0].name)
    return Expansion(target=f"COUNT({_q(event_table.name)}.*, 0, {DEFAULT_INCREMENTAL_DAYS}, days) > 0",
                     assuming=f"COUNT({treat}.*, 0, {DEFAULT_TREATMENT_DAYS}, days) > 0")


def template_names() -> tuple[str, ...]:
    return ("total_<measure>_<N><h|d|w|m|y>", "decline_<measure>_<N><h|d|w|m|y>", "next_<table>", "churn_<N><unit>",
            "incremental_<event>")

