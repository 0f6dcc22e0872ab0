"""Helpers shared by the real-data loaders: locating inputs, pandas → Arrow, the command line."""
from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pql.errors import ConnectorError

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def require_files(data_dir: str | Path, names: tuple[str, ...]) -> Path:
    """``data_dir`` as a Path, after checking every file in ``names`` is there."""
    folder = Path(data_dir)
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise ConnectorError(f"{folder} lacks {', '.join(missing)}; point --data-dir at the dataset folder")
    return folder


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """Arrow table without the pandas index; pandas nullable dtypes keep their NULLs."""
    return pa.Table.from_pandas(frame, preserve_index=False)


def cli(load: Callable[..., Path], *, description: str, default_data_dir: Path,
        argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", required=True, type=Path, help="DuckDB file to write (replaced)")
    parser.add_argument("--data-dir", type=Path, default=default_data_dir)
    args = parser.parse_args(argv)
    path = load(args.out, data_dir=args.data_dir)
    print(path)
    return path
