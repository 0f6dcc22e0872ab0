"""Showing results on a terminal (rich tables) or writing them to a file, for the CLI."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from pql.errors import PQLInputError

MAX_ROWS_SHOWN = 20
OUTPUT_SUFFIXES = (".parquet", ".csv", ".json", ".jsonl")


def check_output(path: str | Path) -> Path:
    """Validate an --output path up front, so a typo fails before minutes of training, not after."""
    path = Path(path)
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise PQLInputError(f"cannot write '{path.name}': use a .parquet, .csv or .json file")
    if not path.parent.is_dir():
        raise PQLInputError(f"cannot write {path}: folder {path.parent} does not exist")
    return path


def write_table(table: pa.Table, path: str | Path) -> Path:
    """Write ``table`` as Parquet, CSV or JSON (one object per line), by the file's suffix."""
    path = check_output(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, path)
        elif suffix == ".csv":
            import pyarrow.csv as pcsv

            pcsv.write_csv(table, path)
        elif suffix in (".json", ".jsonl"):
            table.to_pandas().to_json(path, orient="records", lines=True, date_format="iso")
    except (OSError, pa.ArrowException) as e:
        raise PQLInputError(f"cannot write {path}: {e}") from e
    return path


def rich_table(table: pa.Table, title: str | None = None, *, save_hint: str = "--output FILE"):
    from rich.table import Table

    out = Table(title=title, show_lines=False)
    for name in table.column_names:
        out.add_column(name, overflow="fold")
    for row in table.slice(0, MAX_ROWS_SHOWN).to_pylist():
        out.add_row(*(_cell(v) for v in row.values()))
    if table.num_rows > MAX_ROWS_SHOWN:
        out.caption = f"{MAX_ROWS_SHOWN} of {table.num_rows:,} rows shown; {save_hint} writes them all"
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
        console.print(rich_table(result.table, save_hint=save_hint))
    if result.summary:
        console.print(result.summary, style="dim", markup=False, highlight=False, soft_wrap=True)


def output_paths(output: str | Path, count: int) -> list[Path]:
    """Where ``count`` result tables go for ``--output FILE``: FILE itself for one table; FILE's stem
    numbered (``out-1.parquet``, ``out-2.parquet``, …) for several."""
    path = Path(output)
    if count == 1:
        return [path]
    return [path.with_name(f"{path.stem}-{i}{path.suffix}") for i in range(1, count + 1)]


def show_models(remove: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from engine import registry

    console = Console()
    if remove:
        if not registry.remove(remove):
            raise PQLInputError(f"no saved model '{remove}' (see `pql models`)")
        console.print(f"removed {remove}", markup=False, highlight=False)
        return
    entries = registry.list_entries()
    if not entries:
        console.print(f"no saved models under {registry.models_dir()}", markup=False, highlight=False, soft_wrap=True)
        return
    out = Table(title=f"saved models ({registry.models_dir()})")
    for col in ("fingerprint", "saved", "model", "task", "refit"):
        out.add_column(col, no_wrap=True)  # a fingerprint is copied into `--remove`: never split it
    out.add_column("query", overflow="fold")
    for e in entries:
        refit = "yes" if e.meta.get("refit") else "no"  # trained again on train + validation (WITH refit)
        out.add_row(e.fingerprint, e.meta.get("saved_at", ""), e.meta.get("chosen", ""), e.meta.get("task", ""),
                    refit, e.meta.get("query", ""))
    console.print(out)
