"""`TrainingTable`: the labelled rows, the rows to predict, the schedule behind them and the warnings."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from engine.labels.schedule import SPLITS, AnchorSchedule
from pql.errors import EngineError


@dataclass(frozen=True, kw_only=True)
class TrainingTable:
    """Rows ``(entity key…, anchor_time, label, [treatment], split)`` plus prediction rows.

    ``label`` is a scalar per row, a list per row for LIST_DISTINCT (the distinct values, sorted) and
    for FORECAST (one value per step). ``treatment`` (ASSUMING) is a boolean, or the arm's name for a
    categorical treatment; it is never a feature. ``prediction`` holds the entities to predict at
    ``schedule.prediction_time`` (key…, anchor_time), without label.
    """

    table: pa.Table
    prediction: pa.Table
    entity_key: tuple[str, ...]
    schedule: AnchorSchedule
    sql: str
    label_columns: tuple[tuple[str, str], ...] = ()  # (table, column) a static target reads: hide from features
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # how the anchors were placed (`AnchorSchedule.info`): said, not warned

    def split(self, name: str) -> pa.Table:
        if name not in SPLITS:
            raise ValueError(f"split must be one of {', '.join(SPLITS)}")
        return self.table.filter(pc.equal(self.table.column("split"), name))

    def counts(self) -> dict[str, int]:
        """Rows per split."""
        return {s: self.split(s).num_rows for s in SPLITS}

    def positive_rate(self, split: str) -> float | None:
        """Share of true labels in ``split`` (binary labels only)."""
        label = self.split(split).column("label")
        if not pa.types.is_boolean(label.type) or len(label) == 0:
            return None
        return pc.mean(pc.cast(label, "double")).as_py()


def write_parquet(tt: TrainingTable, path: str | Path) -> Path:
    """Write the labelled rows to ``path`` (Parquet, the schedule's cut-offs in the file metadata)."""
    path = Path(path)
    meta = {b"pql.schedule": tt.schedule.summary().encode(), b"pql.warnings": "\n".join(tt.warnings).encode()}
    table = tt.table.replace_schema_metadata({**(tt.table.schema.metadata or {}), **meta})
    try:
        pq.write_table(table, path)
    except (OSError, pa.ArrowException) as e:
        raise EngineError(f"cannot write the training table to {path}: {e}") from e
    return path
