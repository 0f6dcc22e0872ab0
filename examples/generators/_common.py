"""Small helpers shared by the generators: timestamps, Arrow tables, the command line."""
from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

SECONDS_PER_DAY = 86_400
TRUTH = "truth"  # DuckDB schema for what the generator knows and pql must not see


def day_start(start: str) -> np.datetime64:
    return np.datetime64(start, "s")


def timestamps(start: np.datetime64, days: np.ndarray, rng: np.random.Generator,
               *, first_hour: int = 7, last_hour: int = 22) -> np.ndarray:
    """Random times of day (between ``first_hour`` and ``last_hour``) on day offsets ``days``.

    Returns datetime64[s] of the same length as ``days``.
    """
    seconds = rng.integers(first_hour * 3600, last_hour * 3600, size=len(days))
    return start + (np.asarray(days, dtype=np.int64) * SECONDS_PER_DAY + seconds).astype("timedelta64[s]")


def arrow(columns: dict[str, object]) -> pa.Table:
    """Arrow table from numpy columns; datetime64 columns become microsecond timestamps."""
    arrays = {}
    for name, values in columns.items():
        values = np.asarray(values)
        if np.issubdtype(values.dtype, np.datetime64):
            arrays[name] = pa.array(values.astype("datetime64[us]"))
        else:
            arrays[name] = pa.array(values)
    return pa.table(arrays)


def ids(n: int) -> np.ndarray:
    """1-based integer primary keys (0 reads like a missing value to people)."""
    return np.arange(1, n + 1, dtype=np.int64)


class SizeError(ValueError):
    """A generator asked for too small a database (too few customers or days): on the command line, a
    usage error (one line, exit status 2), not a traceback."""


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


_non_negative.__name__ = "non-negative int"  # argparse's words: "invalid non-negative int value: '-1'"


def cli(generate: Callable[..., Path], *, description: str, default_customers: int,
        argv: list[str] | None = None) -> Path:
    """``--out PATH --customers N --seed S [--days D]`` → ``generate(out, n_customers=N, ...)``."""
    days = inspect.signature(generate).parameters["days"].default
    module = generate.__module__
    if module == "__main__":  # run with python -m: the module's own name is in its spec
        module = getattr(sys.modules["__main__"].__spec__, "name", module)
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=description)
    parser.add_argument("--out", required=True, type=Path, help="DuckDB file to write (replaced)")
    parser.add_argument("--customers", type=int, default=default_customers,
                        help="number of customers (default: %(default)s)")
    parser.add_argument("--seed", type=_non_negative, default=0, help="random seed (default: %(default)s)")
    parser.add_argument("--days", type=int, default=days, help="days of history (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        path = generate(args.out, n_customers=args.customers, seed=args.seed, days=args.days)
    except SizeError as e:
        parser.error(str(e))
    print(path)
    return path
