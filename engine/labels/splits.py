"""Seeded random splits of labelled rows (static targets, cohorts), optionally stratified.

Within each stratum (one value combination of the ``strata`` columns) the rows are shuffled with one
generator seeded by ``seed`` and the first tenth becomes test, the next tenth validation, the rest
train, so every split holds each stratum (a treatment arm, a class) in the same proportion. Strata are
visited in a fixed order, and callers pass rows ordered by key: a rerun with the same seed agrees.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

RANDOM_SPLIT = (("test", 0.1), ("val", 0.1))  # the rest is train


def describe_split() -> str:
    """``80% train / 10% val / 10% test``."""
    shares = dict(RANDOM_SPLIT)
    train = 1 - sum(shares.values())
    return f"{train:.0%} train / {shares['val']:.0%} val / {shares['test']:.0%} test"


def _stratum_ids(table: pa.Table, strata: tuple[str, ...]) -> tuple[np.ndarray, int]:
    """Per row, the index of its stratum (strata ordered by their values' text, nulls included)."""
    if not strata:
        return np.zeros(table.num_rows, dtype=np.int64), 1
    keys = list(zip(*(table.column(c).to_pylist() for c in strata)))
    index = {k: i for i, k in enumerate(sorted(set(keys), key=repr))}
    return np.fromiter((index[k] for k in keys), dtype=np.int64, count=len(keys)), len(index)


def random_split(table: pa.Table, seed: int, *, strata: tuple[str, ...] = ()) -> pa.Table:
    """The rows of ``table`` with a label, their ``split`` column drawn at random (see the module doc)."""
    labelled = table.filter(pc.is_valid(table.column("label")))
    ids, n_strata = _stratum_ids(labelled, strata)
    split = np.full(labelled.num_rows, "train", dtype=object)
    rng = np.random.default_rng(seed)
    for stratum in range(n_strata):
        rows = np.flatnonzero(ids == stratum)
        order = rows[rng.permutation(len(rows))]
        at = 0
        for name, share in RANDOM_SPLIT:
            size = int(round(len(rows) * share))
            split[order[at:at + size]] = name
            at += size
    return labelled.set_column(labelled.schema.get_field_index("split"), "split", pa.array(split, pa.string()))
