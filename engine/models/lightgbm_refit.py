"""What a `LightGBMModel` keeps from its fit so that it can be refitted on train + validation.

The trainer opens `keep_fit_material()` around a head's fit when the run will refit; every
`LightGBMModel.fit` inside with validation rows then keeps its training and validation tables and
encoded labels (`FitMaterial`). After the head has made its choices on validation (loss, scale, hurdle,
which sub-models to keep) the trainer calls `LightGBMModel.refit` on the models it kept: each trains
again on both splits for the rounds early stopping chose. Models the head threw away take their
material with them. A context variable, as for the deadline, keeps this out of every head's signature.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

_KEEP: ContextVar[bool] = ContextVar("pql_lightgbm_keep_material", default=False)


@dataclass(frozen=True, kw_only=True)
class FitMaterial:
    X_train: pa.Table
    y_train: np.ndarray  # encoded as the booster saw it (class codes, log1p, …)
    X_val: pa.Table
    y_val: np.ndarray
    loss: str
    val_range: tuple[float, float] | None  # regression: the raw validation labels' range


@contextmanager
def keep_fit_material(keep: bool = True) -> Iterator[None]:
    token = _KEEP.set(keep)
    try:
        yield
    finally:
        _KEEP.reset(token)


def keeping_material() -> bool:
    return _KEEP.get()
