"""What counts as an in-memory table (checked without importing pandas or pyarrow)."""
from __future__ import annotations


def is_frame(obj: object) -> bool:
    """A pandas DataFrame, pyarrow Table/RecordBatch or polars DataFrame: what DuckDB can scan."""
    module = type(obj).__module__
    return module.startswith(("pandas", "pyarrow", "polars"))
