"""Showing results on a terminal (rich tables) or writing them to a file, for the CLI."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from pql.errors import PQLInputError

MAX_ROWS_SHOWN = 20
MAX_METRIC_ROWS_SHOWN = 200  # EVALUATE's (model, split, metric) rows: every one of them, in practice
OUTPUT_SUFFIXES = (".parquet", ".csv", ".json", ".jsonl")


def rows_text(n: int) -> str:
    """``1 row``, ``40 rows``, ``1,200 rows``."""
    return f"{n:,} row{'' if n == 1 else 's'}"


def check_output(path: str | Path) -> Path:
    """Validate an --output path up front, so a typo fails before minutes of training, not after."""
    path = Path(path)
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise PQLInputError(f"cannot write '{path.name}': use a .parquet, .csv, .json or .jsonl file")
    if not path.parent.is_dir():
        raise PQLInputError(f"cannot write {path}: folder {path.parent} does not exist")
    return path


def write_table(table: pa.Table, path: str | Path) -> Path:
    """Write ``table`` as Parquet, CSV, JSON (an array of objects) or JSON Lines, by the file's suffix."""
    path = check_output(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, path)
        elif suffix == ".csv":
            import pyarrow.csv as pcsv

            pcsv.write_csv(_flat_for_csv(table), path)
        elif suffix in (".json", ".jsonl"):  # .json one array of objects (json.load reads it), .jsonl one per line
            table.to_pandas().to_json(path, orient="records", lines=suffix == ".jsonl", date_format="iso",
                                      double_precision=15)  # pandas' default, 10 digits, does not round-trip
    except (OSError, pa.ArrowException) as e:
        raise PQLInputError(f"cannot write {path}: {e}") from e
    return path


def _flat_for_csv(table: pa.Table) -> pa.Table:
    """CSV has no lists: a list column (a ranking's or multilabel's label) is written as JSON text."""
    import json

    for i, field in enumerate(table.schema):
        if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            text = [None if v is None else json.dumps(v, default=str) for v in table.column(i).to_pylist()]
            table = table.set_column(i, field.name, pa.array(text, pa.string()))
    return table


def rich_table(table: pa.Table, title: str | None = None, *, save_hint: str = "--output FILE",
               max_rows: int = MAX_ROWS_SHOWN):
    from rich.table import Table

    out = Table(title=title, show_lines=False)
    for name in table.column_names:
        out.add_column(name, overflow="fold")
    for row in table.slice(0, max_rows).to_pylist():
        out.add_row(*(_cell(v) for v in row.values()))
    if table.num_rows > max_rows:
        out.caption = f"{max_rows} of {table.num_rows:,} rows shown; {save_hint} writes them all"
    return out


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "" if value is None else str(value)


def show_result(result, console, *, table: bool = True, save_hint: str = "--output FILE") -> None:
    """Print one statement's result: its text, its table (unless ``table`` is False) and its summary."""
    if result.text:  # EXPLAIN's SQL must stay copy-pasteable: never wrapped to the terminal's width
        console.print(result.text, markup=False, highlight=False, soft_wrap=True)
    if result.table is not None and table:
        metrics = result.bound is not None and result.bound.mode == "evaluate"  # a few dozen rows, all worth reading
        console.print(rich_table(result.table, save_hint=save_hint,
                                 max_rows=MAX_METRIC_ROWS_SHOWN if metrics else MAX_ROWS_SHOWN))
    if result.summary:
        console.print(result.summary, style="dim", markup=False, highlight=False, soft_wrap=True)


def output_paths(output: str | Path, count: int) -> list[Path]:
    """Where ``count`` result tables go for ``--output FILE``: FILE itself for one table; FILE's stem
    numbered (``out-1.parquet``, ``out-2.parquet``, …) for several."""
    path = Path(output)
    if count == 1:
        return [path]
    return [path.with_name(f"{path.stem}-{i}{path.suffix}") for i in range(1, count + 1)]


#: fingerprints are shown by their first characters (git-style): at least this many, more where two share them
SHORT_ID = 8


def short_ids(fingerprints) -> int:
    """The fewest characters (at least `SHORT_ID`) that tell every fingerprint in ``fingerprints`` apart."""
    names = sorted(set(fingerprints))
    width = SHORT_ID
    for a, b in zip(names, names[1:]):
        common = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        width = max(width, common + 1)
    return width


def _registry_names() -> list[str]:
    """Every entry folder's name (readable or not: `--remove` matches them all)."""
    from engine import registry

    root = registry.models_dir()
    if not root.is_dir():
        return []
    return [p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]


def remove_model(prefix: str) -> str:
    """Delete the saved model whose fingerprint is or starts with ``prefix``; its full fingerprint."""
    from engine import registry

    prefix = prefix.strip().lower()
    names = _registry_names()
    matches = [prefix] if prefix in names else [n for n in names if n.startswith(prefix)]
    if len(matches) == 1 and registry.remove(matches[0]):
        return matches[0]
    if not registry.remove(prefix):  # raises, naming them, when the start fits several
        raise PQLInputError(f"no saved model '{prefix}' (see `pql models`)")
    return prefix


def folder_bytes(path) -> int:
    """Bytes of the files under ``path`` (a saved model's folder); 0 where it cannot be read."""
    try:
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    except OSError:
        return 0


def human_size(n: int) -> str:
    """``n`` bytes as ``"512 B"``, ``"34.1 KiB"``, ``"1.2 MiB"`` or ``"3.0 GiB"``."""
    if n < 1024:
        return f"{n} B"
    for unit in ("KiB", "MiB", "GiB"):
        n /= 1024
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}"
    raise AssertionError("unreachable")


def remove_old_models(console=None) -> int:
    """Delete every saved model this pql would never reuse (`engine.registry.is_current`: an older pql
    saved it, or its meta.json cannot be read); how many."""
    from rich.console import Console

    from engine import registry

    console = console or Console()
    old = [e for e in registry.list_entries() if not registry.is_current(e)]
    size = sum(folder_bytes(e.path) for e in old)
    removed = sum(registry.remove(e.fingerprint) for e in old)
    why = "an older pql saved" + (" or that cannot be read" if any(e.unreadable for e in old) else "")
    console.print(f"removed {removed} saved model{'s' if removed != 1 else ''} {why} "
                  f"({size / 2**20:.1f} MiB)", markup=False, highlight=False)
    return removed


def show_models(remove: str | None = None, *, here=None, console=None) -> None:
    """List the saved models, or remove one (``remove``: its fingerprint or a unique start of it).

    Each model takes two lines or more, so the listing fits an 80-column terminal: its short id (enough
    of the fingerprint for ``--remove``), when it was saved, the model, the task and whether it was
    refit, and under them its query, wrapped. ``here(entry)``: list only the entries it accepts (the
    REPL's current database) and count the others."""
    import textwrap

    from rich.console import Console

    from engine import registry

    console = console or Console()

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    if remove:
        prefix = remove.strip().lower()
        before = {e.fingerprint: e for e in registry.list_entries() if e.fingerprint.startswith(prefix)}
        fingerprint = remove_model(remove)
        entry = before.get(fingerprint)
        what = f" ({entry.meta.get('chosen', '?')}, {entry.meta.get('task', '?')})" if entry is not None else ""
        say(f"removed {fingerprint}{what}")
        return
    everything = registry.list_entries()
    entries = [e for e in everything if here(e)] if here is not None else everything
    others = len(everything) - len(entries)
    if not entries:
        where = "for this database" if here is not None else f"under {registry.models_dir()}"
        say(f"no saved models {where}" + (f" ({others} for other databases or data: .models all lists them)"
                                          if others else ""))
        return
    width = short_ids([*_registry_names(), *(e.fingerprint for e in everything)])
    sizes = [folder_bytes(e.path) for e in entries]
    rows = [("id", "saved", "model", "task", "refit", "size")]
    rows += [(e.fingerprint[:width], e.meta.get("saved_at", ""), e.meta.get("chosen", ""), e.meta.get("task", ""),
              "" if e.unreadable else "yes" if e.meta.get("refit") else "no", human_size(size))
             for e, size in zip(entries, sizes)]
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    # left-aligned columns; the size right-aligned, so its units line up
    line = lambda r: "  ".join(str(v).rjust(w) if i == len(widths) - 1 else str(v).ljust(w)  # noqa: E731
                               for i, (v, w) in enumerate(zip(r, widths))).rstrip()
    title = "saved models for this database" if here is not None else f"saved models ({registry.models_dir()})"
    say(f"{title}: {len(entries)}")
    say(line(rows[0]))
    indent = " " * (width + 2)
    wrap = max(console.width, 40)
    for entry, row in zip(entries, rows[1:]):
        say(line(row))
        if entry.unreadable is not None:
            say(f"{indent}(unreadable, {entry.unreadable}; never reused, retrained when asked again; "
                "`pql models --remove-old` deletes it)")
            continue
        for text in (entry.meta.get("query") or "").strip().splitlines() or [""]:
            say(textwrap.fill(text.strip(), wrap, initial_indent=indent, subsequent_indent=indent + "  ",
                              break_long_words=False, break_on_hyphens=False) or indent.rstrip())
        if entry.meta.get("source"):  # models saved before pql recorded it have none
            say(f"{indent}on {entry.meta['source']}")  # a path stays whole, to copy
        if not registry.is_current(entry):
            say(f"{indent}(saved by an older pql: never reused, retrained when asked again; `pql models --remove-old` deletes it)")
    say(f"total: {len(entries)} saved model{'s' if len(entries) != 1 else ''}, {human_size(sum(sizes))} on disk")
    if others:
        say(f"({others} saved model{'s' if others != 1 else ''} for other databases or data: .models all lists them)")
    say("`pql models --remove ID` deletes one")
