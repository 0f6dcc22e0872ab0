"""Float columns made to repeat from run to run despite DuckDB's parallel summation order.

Used on the relational features (`engine.features.relational`), the target's own history
(`engine.train.lgbm.features`) and float labels (`engine.labels.run`): a label that is a sum of +a and -a
must be 0, not 1e-14, or a hurdle model counts it as "spent something".
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

STEADY_BITS = 36  # about 11 significant digits: far finer than any feature means, far coarser than the noise


def steady_floats(table: pa.Table, *, skip: set[str] = frozenset(), only: set[str] | None = None) -> pa.Table:
    """Float columns (all but ``skip``, or only those in ``only``) rounded to ``STEADY_BITS`` of mantissa, and
    residues of cancellation (below ``2**-STEADY_BITS`` of the column's largest value) set to 0.

    DuckDB sums in parallel, in an order that changes from run to run, so a mean can come out as 4.937 one
    run and 4.937 + 1e-15 the next, a sum of +a and -a as 0 or 1e-14 (on Online Retail, 50 of 211
    features differed so between two identical runs). LightGBM bins on exact values, so the same query
    and seed trained different models. Rounding far below any meaningful digit makes the features, and
    with them the models, repeat (but for a value whose noise straddles a rounding step: rare).
    """
    scale = 2.0 ** STEADY_BITS
    for i, field in enumerate(table.schema):
        chosen = field.name not in skip and (only is None or field.name in only)
        if not chosen or not pa.types.is_floating(field.type):
            continue
        column = table.column(i)
        values = column.to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
        finite = np.isfinite(values)
        if not finite.any():
            continue
        largest = np.abs(values[finite]).max()
        mantissa, exponent = np.frexp(values)
        steady = np.ldexp(np.round(mantissa * scale) / scale, exponent)
        steady[finite & (np.abs(values) < largest / scale)] = 0.0
        steady[~finite] = values[~finite]
        mask = column.is_null().to_numpy(zero_copy_only=False) if column.null_count else None
        table = table.set_column(i, field, pa.array(steady, type=pa.float64(), mask=mask).cast(field.type))
    return table
