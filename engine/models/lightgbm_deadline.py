"""A wall-clock deadline for LightGBM boosting (``WITH time_budget``).

The trainer opens `training_deadline(seconds)` around its fits; every `LightGBMModel.fit` inside adds
`deadline_callback()`, which stops boosting once the deadline passes and keeps the best iteration seen
on validation so far (the last one without validation). A context variable keeps the deadline out of
every head's signature and of the saved configs.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_DEADLINE: ContextVar[float | None] = ContextVar("pql_lightgbm_deadline", default=None)


@contextmanager
def training_deadline(seconds: float | None) -> Iterator[None]:
    """Boosting inside this block stops ``seconds`` from now (None: no limit)."""
    token = _DEADLINE.set(None if seconds is None else time.monotonic() + float(seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def deadline_passed() -> bool:
    deadline = _DEADLINE.get()
    return deadline is not None and time.monotonic() > deadline


def deadline_callback() -> Callable[[Any], None] | None:
    """A LightGBM callback for the active deadline, or None when there is none."""
    if _DEADLINE.get() is None:
        return None
    import lightgbm as lgb

    best: dict[str, Any] = {"iteration": -1, "score": None, "results": []}

    def callback(env: Any) -> None:
        results = env.evaluation_result_list or []
        if results:
            _, _, score, higher_better = results[0][:4]
            if best["score"] is None or (score > best["score"] if higher_better else score < best["score"]):
                best.update(iteration=env.iteration, score=score, results=results)
        else:
            best.update(iteration=env.iteration, results=results)
        if deadline_passed() and env.iteration > 0:
            raise lgb.callback.EarlyStopException(best["iteration"], best["results"])

    callback.order = 40  # after LightGBM's own early stopping (order 30)
    return callback
