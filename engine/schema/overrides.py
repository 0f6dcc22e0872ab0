"""User corrections to what introspection inferred, from Python, a one-line string or a TOML file.

Python::

    SchemaOverrides(primary_keys={"qualifying": "qualifyId", "lines": ("order_id", "line_no")},
                    foreign_keys=["results.statusId -> status.statusId"],
                    drop_foreign_keys=["results.number -> cars"],
                    time_columns={"races": "date", "circuits": None},
                    semantic_types={"drivers.code": "categorical"},
                    entities={"customers": "lines.CustomerID"},
                    ignored_columns=["customers.last_order_at"])

One line (for ``WITH schema = '…'``): clauses separated by ``;``::

    pk qualifying = qualifyId; pk lines = order_id + line_no;
    fk results.statusId -> status.statusId; fk a.x + y -> b;     # ref columns default to b's key
    drop fk results.number -> cars; drop fk results.number;      # drop all links from that column
    time races = date; time circuits = none;                      # none: a static table (no time)
    type drivers.code = categorical
    entity customers = lines.CustomerID                           # see engine.schema.derived
    ignore customers.last_order_at                                # gone from the schema: no feature reads it

``pql_schema.toml`` next to the data (top-level arrays before the tables, as TOML requires)::

    foreign_keys = ["results.statusId -> status.statusId"]
    drop_foreign_keys = ["results.number"]
    ignored_columns = ["customers.last_order_at"]
    [primary_keys]
    qualifying = "qualifyId"
    lines = ["order_id", "line_no"]
    [time_columns]
    circuits = ""            # "" = no time column
    [semantic_types]
    "drivers.code" = "categorical"
    [entities]
    customers = "lines.CustomerID"

Names are matched case-insensitively; a name that matches nothing is a SchemaError with a suggestion.
Errors about an override read from a file name the file and, where it can be found, the line.
Overrides always win over declared constraints and inference, and are shown as not inferred.

``ignore t.c`` removes a column before anything is inferred from it: no key, link, time column or feature
(LightGBM's or the GNN's) reads it, and a query naming it is an unknown-column error that says it is
ignored. It is for columns that leak, such as a snapshot of today (``last_order_at``, ``lifetime_orders``)
in a table read as of every anchor. A declared key or link, or a column another override names, cannot be
ignored (``drop fk`` the link first); a key, link or time column that would have been inferred is not.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from engine.schema.model import SemanticType
from pql.errors import SchemaError, did_you_mean

_LINK = re.compile(r"^\s*(?P<table>[^.\s][^.]*?)\s*\.\s*(?P<cols>[^>]+?)\s*(?:->\s*(?P<ref>[^.]+?)\s*"
                   r"(?:\.\s*(?P<refcols>.+?))?)?\s*$")


@dataclass(frozen=True, kw_only=True)
class LinkSpec:
    """``table.columns -> ref_table[.ref_columns]``; ``ref_table`` may be None only for drops."""

    table: str
    columns: tuple[str, ...]
    ref_table: str | None = None
    ref_columns: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str, *, need_ref: bool) -> LinkSpec:
        m = _LINK.match(text)
        if m is None or (need_ref and not m.group("ref")):
            form = "table.column -> ref_table[.ref_column]" if need_ref else "table.column [-> ref_table]"
            raise SchemaError(f"cannot read foreign key {text!r}; expected {form}")
        ref = m.group("ref")
        return cls(table=unquote(m.group("table")), columns=_split_columns(m.group("cols")),
                   ref_table=unquote(ref) if ref else ref, ref_columns=_split_columns(m.group("refcols") or ""))

    def __str__(self) -> str:
        text = f"{self.table}.{'+'.join(self.columns)}"
        if self.ref_table:
            text += f" -> {self.ref_table}" + (f".{'+'.join(self.ref_columns)}" if self.ref_columns else "")
        return text


def _split_columns(text: str) -> tuple[str, ...]:
    return tuple(unquote(c) for c in text.split("+") if c.strip())


def unquote(name: str) -> str:
    """``"order"`` or `` `order` `` -> ``order`` (a doubled quote inside stands for one), as in PQL;
    a bare name is only stripped."""
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"`":
        return name[1:-1].replace(name[0] * 2, name[0])
    return name


def _as_columns(value) -> tuple[str, ...]:
    return _split_columns(value) if isinstance(value, str) else tuple(str(v) for v in value)


def _as_link(value, *, need_ref: bool) -> LinkSpec:
    return value if isinstance(value, LinkSpec) else LinkSpec.parse(str(value), need_ref=need_ref)


def _dotted(text: str) -> str:
    """``"order"."placed at"`` -> ``order.placed at`` (split at the first dot, as type overrides are)."""
    return ".".join(unquote(p) for p in text.split(".", 1))


_LISTS = ("foreign_keys", "ignored_columns")  # TOML arrays, kept as tuples
# what each TOML entry must hold, for the error when it does not
_SHAPES = {"foreign_keys": 'a list of "table.column -> ref_table[.ref_column]" strings',
           "drop_foreign_keys": 'a list of "table.column [-> ref_table]" strings',
           "ignored_columns": 'a list of "table.column" strings',
           "primary_keys": 'a table of table = "column" (or ["column", …]) entries',
           "time_columns": 'a table of table = "column" entries ("" for none)',
           "semantic_types": 'a table of "table.column" = "type" entries',
           "entities": 'a table of name = "table.column" entries'}


def _check_shape(key: str, value, origin: str) -> None:
    """A SchemaError naming ``origin`` unless TOML entry ``key`` holds what `_SHAPES` says."""
    if key.endswith(_LISTS):
        ok = isinstance(value, (list, tuple)) and all(isinstance(v, (str, LinkSpec)) for v in value)
    else:
        ok = isinstance(value, Mapping) and all(
            isinstance(v, str) or (v is None and key == "time_columns")  # None: from Python
            or (key == "primary_keys" and isinstance(v, (list, tuple)) and all(isinstance(c, str) for c in v))
            for v in value.values())
    if not ok:
        raise SchemaError(f"{origin}: {key} must be {_SHAPES[key]}")


def _as_ignored(value) -> tuple[str, ...]:
    """Ignored ``table.column`` names, each once, in order; a bare string is one name."""
    names = (value,) if isinstance(value, str) else tuple(value)  # Python callers may pass one name
    for name in names:
        table, dot, column = str(name).partition(".")
        if not (dot and table.strip() and column.strip()):
            raise SchemaError(f"ignore override {name!r} must name table.column")
    return tuple(dict.fromkeys(str(n).strip() for n in names))


def _as_stype(value, where: str) -> SemanticType:
    try:
        return SemanticType(str(value).lower())
    except ValueError:
        known = [s.value for s in SemanticType]
        raise SchemaError(f"unknown semantic type {value!r} for {where}{did_you_mean(str(value), known)} "
                          f"(one of {', '.join(known)})") from None


@dataclass(frozen=True, kw_only=True)
class SchemaOverrides:
    """Corrections applied on top of the catalog and inference. Constructor values are normalised:
    key columns may be a string (``"a + b"`` for composite) or a sequence; links may be strings."""

    primary_keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    foreign_keys: tuple[LinkSpec, ...] = ()
    drop_foreign_keys: tuple[LinkSpec, ...] = ()
    time_columns: Mapping[str, str | None] = field(default_factory=dict)  # None: no time column
    semantic_types: Mapping[str, SemanticType] = field(default_factory=dict)  # "table.column" -> type
    entities: Mapping[str, str] = field(default_factory=dict)  # derived entity table -> "table.column"
    ignored_columns: tuple[str, ...] = ()  # "table.column", removed from the schema
    # where an override was given ("pk customers" -> "/data/pql_schema.toml:4"), for error messages;
    # keys as in `keys`
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "primary_keys", {t: _as_columns(c) for t, c in dict(self.primary_keys).items()})
        # each once, in order: a link named twice is one link
        set_(self, "foreign_keys", tuple(dict.fromkeys(_as_link(v, need_ref=True) for v in self.foreign_keys)))
        set_(self, "drop_foreign_keys", tuple(dict.fromkeys(_as_link(v, need_ref=False)
                                                            for v in self.drop_foreign_keys)))
        set_(self, "time_columns", {t: None if not c or str(c).lower() in ("none", "null") else c
                                    for t, c in dict(self.time_columns).items()})  # "" as TOML has it, or none
        set_(self, "semantic_types", {k: _as_stype(v, k) for k, v in dict(self.semantic_types).items()})
        set_(self, "entities", {str(t).strip(): str(v).strip() for t, v in dict(self.entities).items()})
        set_(self, "ignored_columns", _as_ignored(self.ignored_columns))
        set_(self, "origins", dict(self.origins))
        for key in self.semantic_types:
            if "." not in key:
                raise SchemaError(f"semantic type override {key!r} must name table.column")
        for name, source in self.entities.items():
            if not name or source.count(".") != 1 or not all(p.strip() for p in source.split(".")):
                raise SchemaError(f"entity override {name} = {source!r}: expected 'entity name = table.column'")

    @property
    def is_empty(self) -> bool:
        return not (self.primary_keys or self.foreign_keys or self.drop_foreign_keys or self.time_columns
                    or self.semantic_types or self.entities or self.ignored_columns)

    def keys(self) -> list[str]:
        """One key per override (``"pk customers"``, ``"fk a.x -> b"``), as `origins` uses."""
        return [*(f"pk {t}" for t in self.primary_keys), *(f"fk {s}" for s in self.foreign_keys),
                *(f"drop {s}" for s in self.drop_foreign_keys), *(f"time {t}" for t in self.time_columns),
                *(f"type {k}" for k in self.semantic_types), *(f"entity {n}" for n in self.entities),
                *(f"ignore {k}" for k in self.ignored_columns)]

    def where(self, key: str) -> str:
        """``"<origin>: "`` for an override read from a file (see `keys`), else ``""``."""
        origin = self.origins.get(key)
        return f"{origin}: " if origin else ""

    def merged(self, other: SchemaOverrides | None) -> SchemaOverrides:
        """``other`` on top of ``self`` (``other`` wins where both name the same thing)."""
        if other is None:
            return self
        replaced = set(other.keys())
        return SchemaOverrides(
            primary_keys={**self.primary_keys, **other.primary_keys},
            foreign_keys=self.foreign_keys + other.foreign_keys,
            drop_foreign_keys=self.drop_foreign_keys + other.drop_foreign_keys,
            time_columns={**self.time_columns, **other.time_columns},
            semantic_types={**self.semantic_types, **other.semantic_types},
            entities={**self.entities, **other.entities},
            ignored_columns=self.ignored_columns + other.ignored_columns,
            origins={**{k: v for k, v in self.origins.items() if k not in replaced}, **other.origins},
        )

    # -- readers ----------------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> SchemaOverrides:
        """Read the one-line form (see the module docstring)."""
        pks: dict[str, tuple[str, ...]] = {}
        fks: list[LinkSpec] = []
        drops: list[LinkSpec] = []
        times: dict[str, str | None] = {}
        types: dict[str, str] = {}
        entities: dict[str, str] = {}
        ignored: list[str] = []
        for clause in (c.strip() for c in text.split(";")):
            if not clause:
                continue
            kind, _, rest = clause.partition(" ")
            kind, rest = kind.lower(), rest.strip()
            if kind == "drop":
                what, _, rest = rest.partition(" ")
                if what.lower() != "fk":
                    raise SchemaError(f"cannot read schema override {clause!r}; expected 'drop fk table.column'")
                drops.append(LinkSpec.parse(rest, need_ref=False))
            elif kind == "fk":
                fks.append(LinkSpec.parse(rest, need_ref=True))
            elif kind == "ignore":
                if not rest or "=" in rest:
                    raise SchemaError(f"cannot read schema override {clause!r}; expected 'ignore table.column'")
                ignored.append(_dotted(rest))
            elif kind in ("pk", "time", "type", "entity"):
                target, eq, value = (p.strip() for p in rest.partition("="))
                if not eq or not target:
                    raise SchemaError(f"cannot read schema override {clause!r}; expected '{kind} name = value'")
                if kind == "pk":
                    pks[unquote(target)] = _split_columns(value)
                elif kind == "time":
                    times[unquote(target)] = None if value.lower() in ("", "none", "null") else unquote(value)
                elif kind == "entity":
                    entities[unquote(target)] = ".".join(unquote(p) for p in value.split(".", 1))
                else:
                    types[_dotted(target)] = value
            else:
                known = ["pk", "fk", "drop", "time", "type", "entity", "ignore"]
                raise SchemaError(f"unknown schema override {kind!r} in {clause!r}{did_you_mean(kind, known)}")
        return cls(primary_keys=pks, foreign_keys=tuple(fks), drop_foreign_keys=tuple(drops),
                   time_columns=times, semantic_types=types, entities=entities, ignored_columns=tuple(ignored))

    @classmethod
    def from_mapping(cls, data: Mapping, *, origin: str = "schema overrides", text: str | None = None) -> SchemaOverrides:
        """Read the TOML-shaped mapping (see the module docstring); ``text``, the file's, places errors on
        an entry of the wrong shape at their line."""
        known = ("primary_keys", "foreign_keys", "drop_foreign_keys", "time_columns", "semantic_types", "entities",
                 "ignored_columns")
        for key in data:
            if key not in known:
                raise SchemaError(f"{origin}: unknown entry {key!r}{did_you_mean(key, known)}")
        for key, value in data.items():
            _check_shape(key, value, origin if text is None else _at(Path(origin), _entry_line(text, key)))
        try:
            return cls(**{k: (tuple(v) if k.endswith(_LISTS) else v) for k, v in data.items()})
        except SchemaError as e:
            raise SchemaError(f"{origin}: {e}") from None

    @classmethod
    def load(cls, path: str | Path) -> SchemaOverrides:
        """Read a ``pql_schema.toml`` file."""
        import tomllib

        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise SchemaError(f"cannot read schema file {path}: {e}") from e
        ov = cls.from_mapping(data, origin=str(path), text=text)
        origins = {}
        tables = (("primary_keys", "pk", ov.primary_keys), ("time_columns", "time", ov.time_columns),
                  ("semantic_types", "type", ov.semantic_types), ("entities", "entity", ov.entities))
        for section, kind, entries in tables:
            for name in entries:
                origins[f"{kind} {name}"] = _at(path, _line_of(text, section, key=name))
        for section, kind in (("foreign_keys", "fk"), ("drop_foreign_keys", "drop"), ("ignored_columns", "ignore")):
            for raw in data.get(section, ()):  # a name given twice is one override, placed at its first line
                spec = raw.strip() if section == "ignored_columns" else _as_link(raw, need_ref=kind == "fk")
                origins.setdefault(f"{kind} {spec}", _at(path, _line_of(text, section, item=str(raw))))
        return replace(ov, origins=origins)

    @classmethod
    def coerce(cls, value: SchemaOverrides | str | Mapping | None) -> SchemaOverrides | None:
        """Accept overrides as an object, the one-line string form, or a TOML-shaped mapping."""
        if value is None or isinstance(value, SchemaOverrides):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        if isinstance(value, Mapping):
            return cls.from_mapping(value)
        raise SchemaError(f"schema overrides must be SchemaOverrides, a string or a mapping, not {type(value).__name__}")


def _at(path: Path, line: int | None) -> str:
    return f"{path}:{line}" if line else str(path)


def _entry_line(text: str, entry: str) -> int | None:
    """Best effort: the line of the top-level ``entry = …`` or of its ``[entry]`` table."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.replace('"', "").replace("'", "").replace(" ", "").replace("\t", "")
        if line.startswith((f"{entry}=", f"[{entry}]", f"{entry}.")):
            return number
    return None


def _line_of(text: str, section: str, *, key: str | None = None, item: str | None = None) -> int | None:
    """Best effort: the line of ``key`` in the TOML table ``section`` (``[section]`` then ``key = …``,
    or a dotted ``section.key = …``), or the first line holding ``item`` as a quoted string."""
    def bare(name: str) -> str:
        return "".join(name.replace('"', "").replace("'", "").split())

    current = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if item is not None:
            if f'"{item}"' in line or f"'{item}'" in line:
                return number
        elif line.startswith("[") and "=" not in line:
            current = bare(line.strip("[]"))
        elif "=" in line:
            name = bare(line.partition("=")[0])
            if name == bare(f"{section}.{key}") or (current == section and name == bare(key)):
                return number
    return None


class Resolver:
    """Resolves override names against the real tables and columns (exact, then case-insensitive)."""

    def __init__(self, columns_by_table: Mapping[str, Iterable[str]]):
        self._columns = {t: tuple(cs) for t, cs in columns_by_table.items()}
        self.errors: list[str] = []

    def table(self, name: str, where: str) -> str | None:
        found = _lookup(name, self._columns)
        if found is None:
            hint = did_you_mean(name, self._columns) or _listing("tables", self._columns)
            self.errors.append(f"{where}: unknown table {name!r}{hint}")
        return found

    def column(self, table: str, name: str, where: str) -> str | None:
        found = _lookup(name, self._columns[table])
        if found is None:
            self.errors.append(f"{where}: table {table!r} has no column {name!r}"
                               f"{did_you_mean(name, self._columns[table])}")
        return found

    def columns(self, table: str | None, names: Iterable[str], where: str) -> tuple[str, ...] | None:
        if table is None:
            return None
        found = tuple(self.column(table, n, where) for n in names)
        return None if None in found else found

    def dotted(self, key: str, where: str) -> tuple[str, str] | None:
        table_name, _, column_name = key.partition(".")
        table = self.table(table_name.strip(), where)
        if table is None:
            return None
        column = self.column(table, column_name.strip(), where)
        return None if column is None else (table, column)


def _listing(what: str, names: Iterable[str], at_most: int = 12) -> str:
    """``" (tables: a, b, c)"``, when there are few enough to list."""
    names = sorted(names)
    return f" ({what}: {', '.join(names)})" if 0 < len(names) <= at_most else ""


def _lookup(name: str, pool: Iterable[str]) -> str | None:
    pool = tuple(pool)
    if name in pool:
        return name
    matches = [p for p in pool if p.lower() == name.lower()]
    return matches[0] if len(matches) == 1 else None


def resolve(overrides: SchemaOverrides, columns_by_table: Mapping[str, Iterable[str]]) -> SchemaOverrides:
    """Overrides with every name replaced by the real one; all unknown names raise one SchemaError."""
    r = Resolver(columns_by_table)
    at = overrides.where
    origins: dict[str, str] = {}

    def keep_origin(old: str, new: str) -> None:
        if old in overrides.origins:
            origins[new] = overrides.origins[old]

    pks = {}
    for table, cols in overrides.primary_keys.items():
        where = f"{at(f'pk {table}')}primary key override {table}"
        t = r.table(table, where)
        resolved = r.columns(t, cols, where)
        if t and resolved:
            pks[t] = resolved
            keep_origin(f"pk {table}", f"pk {t}")
    links = []
    for spec in overrides.foreign_keys:
        links.append(_resolve_link(r, spec, f"{at(f'fk {spec}')}foreign key override {spec}"))
        keep_origin(f"fk {spec}", f"fk {links[-1]}")
    drops = []
    for spec in overrides.drop_foreign_keys:
        drops.append(_resolve_link(r, spec, f"{at(f'drop {spec}')}foreign key drop {spec}"))
        keep_origin(f"drop {spec}", f"drop {drops[-1]}")
    times = {}
    for table, column in overrides.time_columns.items():
        where = f"{at(f'time {table}')}time column override {table}"
        t = r.table(table, where)
        if t is not None:
            times[t] = None if column is None else r.column(t, column, where)
            keep_origin(f"time {table}", f"time {t}")
    types = {}
    for key, stype in overrides.semantic_types.items():
        found = r.dotted(key, f"{at(f'type {key}')}semantic type override {key}")
        if found is not None:
            types[f"{found[0]}.{found[1]}"] = stype
            keep_origin(f"type {key}", f"type {found[0]}.{found[1]}")
    for name in overrides.entities:
        keep_origin(f"entity {name}", f"entity {name}")
    ignored = []
    for key in overrides.ignored_columns:
        found = r.dotted(key, f"{at(f'ignore {key}')}ignore override {key}")
        if found is not None:
            ignored.append(f"{found[0]}.{found[1]}")
            keep_origin(f"ignore {key}", f"ignore {ignored[-1]}")
    if r.errors:
        raise SchemaError("\n".join(r.errors))
    return replace(overrides, primary_keys=pks, foreign_keys=tuple(links), drop_foreign_keys=tuple(drops),
                   time_columns=times, semantic_types=types, ignored_columns=tuple(dict.fromkeys(ignored)),
                   origins=origins)


def _resolve_link(r: Resolver, spec: LinkSpec, where: str) -> LinkSpec:
    table = r.table(spec.table, where)
    columns = r.columns(table, spec.columns, where) or spec.columns
    ref_table = r.table(spec.ref_table, where) if spec.ref_table else None
    ref_columns = (r.columns(ref_table, spec.ref_columns, where) or spec.ref_columns) if spec.ref_columns else ()
    return LinkSpec(table=table or spec.table, columns=columns, ref_table=ref_table, ref_columns=ref_columns)
