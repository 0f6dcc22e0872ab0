"""A progress bar over LightGBM's boosting rounds, for the CLI's and REPL's ``show_progress``.

On a million entities boosting runs for many minutes (the LTV generator at 1M customers, 47M purchases:
1.2M training rows of 73 features, three boosters fitted in 939 s and refitted in 267 s on two shared
cores); without a bar the terminal sat silent between two log lines. The trainer opens `boosting_progress(enabled)` around its fits and refits;
every booster trained inside draws one transient bar (rounds done of the most, the validation metric
as it goes). As with the time budget (`engine.models.lightgbm_deadline`), a context variable keeps
the switch out of every head's signature and out of the saved configs. Off by default: the Python API
and the tests print nothing.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_ENABLED: ContextVar[bool] = ContextVar("pql_lightgbm_progress", default=False)


@contextmanager
def boosting_progress(enabled: bool) -> Iterator[None]:
    """Boosters trained inside this block show a progress bar when ``enabled``."""
    token = _ENABLED.set(bool(enabled))
    try:
        yield
    finally:
        _ENABLED.reset(token)


@contextmanager
def round_bar(total: int, desc: str = "lightgbm boosting") -> Iterator[Callable[[Any], None] | None]:
    """A LightGBM callback that advances a bar of ``total`` rounds, closed when the block ends
    (early stopping ends boosting before ``total``); None when progress is off."""
    if not _ENABLED.get():
        yield None
        return
    from tqdm.auto import tqdm

    bar = tqdm(total=int(total), desc=desc, unit="round", file=sys.stderr, leave=False)

    def callback(env: Any) -> None:
        bar.update(env.iteration + 1 - bar.n)
        results = env.evaluation_result_list or []
        if results:  # (dataset, metric, value, higher_better[, std])
            bar.set_postfix({f"val {results[0][1]}": f"{results[0][2]:.4g}"}, refresh=False)

    callback.order = 50  # after early stopping (30) and the deadline (40): count only rounds that ran on
    try:
        yield callback
    finally:
        bar.close()
