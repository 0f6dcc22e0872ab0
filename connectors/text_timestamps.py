"""Text columns that hold nothing but timestamps, and the expression that reads them as TIMESTAMP.

Exports often write times as text: ISO 8601, which DuckDB casts as it is, or a locale's own layout, such
as Online Retail's original `12/1/2010 8:26` (month first) or a European `01.12.2010 08:26`. Left as text,
such a column is no time column, and the table cannot be aggregated over time windows. A column is read
as TIMESTAMP when every non-null value parses in one layout, but for empty (or blank) text, which
exports write for a missing time and which is read as NULL, with a count in the note; one that parses both month-first and
day-first (no day above 12) is ambiguous and stays text, with a note that says so. ISO text with UTC
offsets (`2021-01-01T10:00:00+02:00`, `…Z`) is converted to UTC; so is a TIMESTAMPTZ column (``zoned``).
Both read as plain TIMESTAMP in UTC, which needs the connection's session time zone to be UTC
(`connectors._duckdb.connect`): text without an offset is then taken as UTC too.

Compact ISO text (`20220910T043027`), which DuckDB does not cast, is read too; bare `20220910` only in a
column whose name says it holds a time (`visit_date`), as eight digits are as often a code. Numbers in a
column so named (`visited_at`, `event_ts`) are read as seconds, milliseconds or microseconds since 1970
(UTC) when every value lies within 1990-2100 in one of those units, chosen by magnitude, but for 0, a
placeholder read as NULL (with a count in the note): left as numbers,
they would be no time, and the table would take a parent's time, or none, and let features see its
future rows. `parse` is the one expression that reads every such column.

Two queries at most per table: one over a probe of each column's first values, then one over every row
for the columns whose probe parsed completely (and one MIN/MAX query over the numbers).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlglot import exp

from connectors._sql import select_all_from
from engine.schema.dtypes import is_numeric
from engine.schema.timecols import says_time

PROBE_ROWS = 200
ISO = "ISO 8601"
ISO_OFFSET = "ISO 8601 with UTC offsets, converted to UTC"
ZONED = "TIMESTAMP WITH TIME ZONE"
COMPACT = "compact ISO 8601"
COMPACT_DATE = "compact date YYYYMMDD"

#: Epoch layout name -> microseconds per unit of the stored numbers.
EPOCH_UNITS = {"epoch seconds": 1_000_000, "epoch milliseconds": 1_000, "epoch microseconds": 1}
#: Epoch numbers must all fall within these years (in one unit) to be read as times.
EPOCH_YEARS = (1990, 2100)

_CLOCK = ("%H:%M:%S.%f", "%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p")


def _with_clock(dates: Sequence[str]) -> tuple[str, ...]:
    return tuple(f"{d} {c}" for d in dates for c in _CLOCK) + tuple(dates)


#: Layout name -> strptime formats (DuckDB's: `%m`, `%d` and `%H` also take one digit). Two-digit years
#: only beside a month name: `1.2.3` is more often a version than a date.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "month/day/year": _with_clock(("%m/%d/%Y", "%m-%d-%Y")),
    "day/month/year": _with_clock(("%d/%m/%Y", "%d-%m-%Y")),
    "day.month.year": _with_clock(("%d.%m.%Y",)),
    "day month-name year": _with_clock(("%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%b-%y")),
    "month-name day, year": _with_clock(("%b %d, %Y", "%B %d, %Y", "%b %d %Y")),
    COMPACT: ("%Y%m%dT%H%M%S", "%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M"),
    COMPACT_DATE: ("%Y%m%d",),
}
# DuckDB's %m and %d also take one digit: only the exact width is compact ISO (2022091 is no date)
_COMPACT_SHAPES = {COMPACT: r"\d{8}T\d{4}(\d{2})?Z?", COMPACT_DATE: r"\d{8}"}
_AMBIGUOUS = ("month/day/year", "day/month/year")


@dataclass(frozen=True)
class Layout:
    """A column's timestamp layout: its name and the strptime formats of it the column uses (ISO: none)."""

    name: str
    formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class TextTimestamps:
    """What to do with a source's text columns: ``parsed`` maps a column to its layout; ``notes`` say
    what was read as TIMESTAMP and what was left as text and why. ``zoned`` are TIMESTAMPTZ columns, read
    as UTC TIMESTAMP."""

    parsed: dict[str, Layout]
    notes: tuple[str, ...]
    zoned: tuple[str, ...] = ()

    def select(self, source: exp.Expression) -> exp.Select:
        """``SELECT * REPLACE (<parse> AS c, …) FROM source``, or ``SELECT *`` when nothing changes."""
        replace = [exp.alias_(parse(c, layout), exp.to_identifier(c, quoted=True)) for c, layout in self.parsed.items()]
        replace += [exp.alias_(in_utc(exp.column(c, quoted=True)), exp.to_identifier(c, quoted=True)) for c in self.zoned]
        return exp.select(exp.Star(replace=replace) if replace else exp.Star()).from_(source)

    @property
    def changes(self) -> bool:
        return bool(self.parsed or self.zoned)


def in_utc(value: exp.Expression) -> exp.Expression:
    """A TIMESTAMPTZ as a plain TIMESTAMP in UTC (whatever the session time zone)."""
    return exp.AtTimeZone(this=value, zone=exp.Literal.string("UTC"))


def parse(column: str, layout: Layout) -> exp.Expression:
    """The expression that reads text ``column`` in ``layout`` as TIMESTAMP (NULL where it does not parse)."""
    col = exp.column(column, quoted=True)
    if layout.name == ISO:
        return exp.TryCast(this=col, to=exp.DataType.build("TIMESTAMP"))
    if layout.name == ISO_OFFSET:
        return in_utc(exp.TryCast(this=col, to=exp.DataType.build("TIMESTAMPTZ")))
    if layout.name in EPOCH_UNITS:  # 0 is a placeholder, not 1970
        return _from_epoch(exp.func("nullif", col, exp.Literal.number(0)), EPOCH_UNITS[layout.name])
    formats = exp.Array(expressions=[exp.Literal.string(f) for f in layout.formats])
    parsed = exp.Anonymous(this="try_strptime", expressions=[col, formats])
    if layout.name in _COMPACT_SHAPES:
        shape = exp.func("regexp_full_match", col.copy(), exp.Literal.string(_COMPACT_SHAPES[layout.name]))
        return exp.Case(ifs=[exp.If(this=shape, true=parsed)])
    return parsed


def _from_epoch(value: exp.Expression, micros_per_unit: int) -> exp.Expression:
    """Numbers since 1970-01-01 UTC as TIMESTAMP: in DOUBLE (exact to 2**53 microseconds, past 2100) and
    TRY_CAST, so a value added later that is out of any range reads as NULL rather than failing a query."""
    micros = exp.Mul(this=exp.cast(value, "DOUBLE"), expression=exp.Literal.number(micros_per_unit))
    whole = exp.TryCast(this=exp.func("round", micros), to=exp.DataType.build("BIGINT"))
    return exp.Anonymous(this="make_timestamp", expressions=[whole])


def _plausible(column: str, layout: Layout) -> exp.Expression:
    """``parse`` where the year is 1800-2199, else NULL: `%Y` takes one digit, and 1.2.3 is no date in year 3."""
    parsed = parse(column, layout)
    year = exp.func("year", parsed.copy())
    return exp.Case(ifs=[exp.If(this=exp.Between(this=year, low=exp.Literal.number(1800),
                                                 high=exp.Literal.number(2199)), true=parsed)])


def _all_layouts() -> list[Layout]:
    return [Layout(ISO), *(Layout(name, formats) for name, formats in LAYOUTS.items())]


def time_candidates(con, source: exp.Expression) -> tuple[list[str], list[str]]:
    """The text columns of ``source`` (may hold timestamps) and its TIMESTAMPTZ columns."""
    relation = con.sql(select_all_from(source).sql("duckdb"))
    types = [(c, str(t)) for c, t in zip(relation.columns, relation.types)]
    return [c for c, t in types if t == "VARCHAR"], [c for c, t in types if t == ZONED]


def epoch_candidates(con, source: exp.Expression) -> list[str]:
    """The number columns of ``source`` whose names say they hold a time (may hold epoch numbers)."""
    relation = con.sql(select_all_from(source).sql("duckdb"))
    return [c for c, t in zip(relation.columns, relation.types) if is_numeric(str(t)) and says_time(c)]


def find_in(con, table: str, source: exp.Expression, *, zoned: bool = True) -> TextTimestamps:
    """`find_text_timestamps` over every text column of ``source`` and its number columns named as times,
    and its TIMESTAMPTZ columns unless not ``zoned`` (a connection pql does not own reads those in UTC
    already)."""
    text, zoned_columns = time_candidates(con, source)
    return find_text_timestamps(con, table, source, text, zoned=zoned_columns if zoned else (),
                                epochs=epoch_candidates(con, source))


def find_text_timestamps(con, table: str, source: exp.Expression, columns: Sequence[str], *,
                         zoned: Sequence[str] = (), epochs: Sequence[str] = ()) -> TextTimestamps:
    """Which of the text ``columns`` of ``source`` (a table or scan expression) hold only timestamps, and
    which number columns ``epochs`` (`epoch_candidates`) hold only epoch times; ``zoned`` (its TIMESTAMPTZ
    columns) are passed through to be read as UTC.

    The probe (the first `PROBE_ROWS` rows) keeps the layouts that read all its values, each narrowed to
    the formats some value uses (a failed value costs every format tried); then one query per kept
    layout looks for a value anywhere that it does not read, and stops at the first.
    """
    probe = exp.select("*").from_(source).limit(PROBE_ROWS).subquery("probe")
    parsed, notes = {}, []
    for column, layouts in _probe(con, probe, columns).items():
        layouts = [layout for layout in layouts if layout.name != COMPACT_DATE or says_time(column)]
        if not layouts or not _has_values(con, source, column):
            continue
        fits = [layout for layout in layouts if not _misreads(con, source, column, layout)]
        if not fits:
            continue
        names = [layout.name for layout in fits]
        if ISO in names:
            parsed[column] = Layout(ISO_OFFSET) if _has_offsets(con, source, column) else fits[names.index(ISO)]
        elif all(name in names for name in _AMBIGUOUS):
            notes.append(f"{table}.{column}: text that reads as dates both month-first and day-first (no day "
                         "above 12); left as text: write it as YYYY-MM-DD to use it as a time")
        else:
            parsed[column] = fits[0]
    blanks = dict(zip(parsed, _counts(con, source, [_blank(c) for c in parsed])))
    for column, layout in parsed.items():
        how = "" if layout.name == ISO else f" ({layout.name})"
        notes.append(f"{table}.{column}: text column holding timestamps, read as TIMESTAMP{how}"
                     + _as_null(blanks[column], "''"))
    for column, (layout, zeros) in _epoch_layouts(con, source, epochs).items():
        parsed[column] = layout
        notes.append(f"{table}.{column}: numbers holding {layout.name} (all within {EPOCH_YEARS[0]}-"
                     f"{EPOCH_YEARS[1]}), read as TIMESTAMP (UTC){_as_null(zeros, '0')}")
    notes += [f"{table}.{column}: TIMESTAMP WITH TIME ZONE, read as TIMESTAMP in UTC" for column in zoned]
    return TextTimestamps(parsed, tuple(notes), tuple(zoned))


def _as_null(count: int, value: str) -> str:
    return f"; {count:,} value(s) {value} read as NULL" if count else ""


def _blank(column: str) -> exp.Expression:
    """TRUE where text ``column`` is empty or blank (a missing time), else NULL (for COUNT)."""
    col = exp.column(column, quoted=True)
    return exp.Case(ifs=[exp.If(this=exp.EQ(this=exp.func("trim", col), expression=exp.Literal.string("")),
                                true=exp.true())])


def _present(column: str) -> exp.Expression:
    """Text ``column`` with empty or blank values as NULL (they are read as NULL)."""
    col = exp.column(column, quoted=True)
    return exp.func("nullif", exp.func("trim", col), exp.Literal.string(""))


def _epoch_layouts(con, source: exp.Expression, columns: Sequence[str]) -> dict[str, tuple[Layout, int]]:
    """The epoch unit of each of the number ``columns`` whose every value but 0 (a placeholder, read as
    NULL) lies within `EPOCH_YEARS` in it, and how many zeros it holds (one MIN/MAX query); the units'
    ranges do not overlap, so magnitude alone decides."""
    if not columns:
        return {}
    refs = [exp.func("nullif", exp.column(c, quoted=True), exp.Literal.number(0)) for c in columns]
    zeros = [exp.func("count_if", exp.EQ(this=exp.column(c, quoted=True), expression=exp.Literal.number(0)))
             for c in columns]
    query = exp.select(*(f(this=r.copy()) for r in refs for f in (exp.Min, exp.Max)), *zeros).from_(source)
    bounds = con.sql(query.sql("duckdb")).fetchall()[0]
    first, last = (int(datetime(year, 1, 1, tzinfo=timezone.utc).timestamp()) for year in EPOCH_YEARS)
    found = {}
    for i, column in enumerate(columns):
        lo, hi = bounds[2 * i], bounds[2 * i + 1]
        if lo is None:
            continue
        for name, micros in EPOCH_UNITS.items():
            per_second = 1_000_000 // micros
            if first * per_second <= lo and hi < last * per_second:  # NaN fails both
                found[column] = (Layout(name), bounds[2 * len(columns) + i])
                break
    return found


def _counts(con, source: exp.Expression, expressions: list[exp.Expression]) -> list[int]:
    if not expressions:
        return []
    return list(con.sql(exp.select(*(exp.func("count", e) for e in expressions)).from_(source).sql("duckdb")).fetchall()[0])


def _probe(con, probe: exp.Expression, columns: Sequence[str]) -> dict[str, list[Layout]]:
    """Per column, the layouts (narrowed to the formats in use) that read every probe value; a column
    with no values in the probe keeps every layout whole. Empty or blank text counts as no value."""
    layouts = _all_layouts()
    whole = _counts(con, probe, [e for c in columns
                                 for e in (_present(c), *(_plausible(c, layout) for layout in layouts))])
    kept: dict[str, list[Layout]] = {}
    width = 1 + len(layouts)
    for i, column in enumerate(columns):
        seen, *read = whole[i * width:(i + 1) * width]
        if seen == 0:
            kept[column] = layouts
        elif any(n == seen for n in read):
            kept[column] = [layout for layout, n in zip(layouts, read) if n == seen]
    pairs = [(c, layout, f) for c, found in kept.items() for layout in found for f in layout.formats]
    used = _counts(con, probe, [_plausible(c, Layout(layout.name, (f,))) for c, layout, f in pairs])
    in_use = {(c, layout.name, f) for (c, layout, f), n in zip(pairs, used) if n > 0}
    # a column without probe values keeps its layouts' every format
    return {c: [layout if layout.name == ISO else
                Layout(layout.name, tuple(f for f in layout.formats if (c, layout.name, f) in in_use) or layout.formats)
                for layout in found]
            for c, found in kept.items()}


def _has_values(con, source: exp.Expression, column: str) -> bool:
    col = _present(column)
    query = exp.select(exp.Literal.number(1)).from_(source).where(col.is_(exp.null()).not_()).limit(1)
    return bool(con.sql(query.sql("duckdb")).fetchall())


def _has_offsets(con, source: exp.Expression, column: str) -> bool:
    """Whether some ISO value of ``column`` carries a UTC offset other than zero (stops at the first); the
    cheap test on `+`, `Z` or a `-` after the date skips the TIMESTAMPTZ parse for most values."""
    col = exp.column(column, quoted=True)
    maybe = exp.or_(exp.func("contains", col, exp.Literal.string("+")), exp.func("contains", col, exp.Literal.string("Z")),
                    exp.func("contains", exp.func("substr", col.copy(), exp.Literal.number(11)), exp.Literal.string("-")))
    shifted = exp.NullSafeNEQ(this=parse(column, Layout(ISO)), expression=parse(column, Layout(ISO_OFFSET)))
    query = exp.select(exp.Literal.number(1)).from_(source).where(exp.and_(maybe, shifted)).limit(1)
    return bool(con.sql(query.sql("duckdb")).fetchall())


def _misreads(con, source: exp.Expression, column: str, layout: Layout) -> bool:
    """Whether some non-null, non-blank value of ``column`` does not read in ``layout`` (stops at the first)."""
    col = _present(column)
    query = (exp.select(exp.Literal.number(1)).from_(source)
             .where(exp.and_(col.is_(exp.null()).not_(), _plausible(column, layout).is_(exp.null()))).limit(1))
    return bool(con.sql(query.sql("duckdb")).fetchall())
