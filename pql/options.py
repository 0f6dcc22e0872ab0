"""`WITH name = value` options: their names, types, defaults and checks.

One table drives validation, REPL completion and the README's option table (a test keeps them in step),
so an option is declared exactly once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from pql.errors import did_you_mean
from pql.timestamps import naive_utc, parse_timestamp


@dataclass(frozen=True, kw_only=True)
class OptionSpec:
    name: str
    default: Any
    help: str
    check: Callable[[Any], Any]  # returns the normalised value or raises ValueError with a reason


def _choice(*allowed: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if not isinstance(v, str) or v.lower() not in allowed:
            hint = did_you_mean(v, allowed) if isinstance(v, str) else ""
            raise ValueError(f"must be one of {', '.join(repr(a) for a in allowed)}{hint}")
        return v.lower()

    return check


def _int(lo: int, hi: int | None = None) -> Callable[[Any], int]:
    def check(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or int(v) != v:
            raise ValueError("must be a whole number")
        if v < lo or (hi is not None and v > hi):
            raise ValueError(f"must be between {lo} and {hi}" if hi is not None else f"must be at least {lo}")
        return int(v)

    return check


def _float(lo: float, hi: float | None = None) -> Callable[[Any], float]:
    def check(v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError("must be a number")
        if v < lo or (hi is not None and v > hi):
            raise ValueError(f"must be between {lo} and {hi}" if hi is not None else f"must be at least {lo}")
        return float(v)

    return check


def _bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    raise ValueError("must be true or false")


def _timestamp(v: Any) -> datetime:
    if isinstance(v, datetime):
        return naive_utc(v)
    if isinstance(v, str):
        try:
            return parse_timestamp(v)
        except ValueError:
            pass
    raise ValueError("must be a timestamp such as '2010-01-01' or '2010-01-01 12:00:00'")


def _optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: None if v is None else check(v)


def _threshold(v: Any) -> str | float:
    """'f1', 'accuracy', or a cut-off strictly between 0 and 1 (written as a number or quoted)."""
    rules = ("f1", "accuracy")
    if isinstance(v, str) and v.strip().lower() in rules:
        return v.strip().lower()
    number = v
    if isinstance(v, str):
        try:
            number = float(v)
        except ValueError:
            hint = did_you_mean(v, rules)
            raise ValueError(f"must be one of 'f1', 'accuracy' or a number strictly between 0 and 1{hint}") from None
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 < number < 1:
        raise ValueError(f"must be one of 'f1', 'accuracy' or a number strictly between 0 and 1, not {_as_written(v)}")
    return float(number)


def _as_written(v: Any) -> str:
    """``v`` spelt as PQL writes it (``true``, not Python's ``True``), for an error's "not …"."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    return str(v)


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError("must be a string")
    return v


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(name="model", default="auto",
               help="'auto' trains LightGBM and the GNN and keeps the better on validation (LightGBM alone "
                    "when there are no validation rows, or too few to tell them apart: see How pql models), "
                    "warning when the heuristic scores better there; 'heuristic' is the persistence baseline",
               check=_choice("auto", "gnn", "lightgbm", "heuristic")),
    OptionSpec(name="metric", default=None,
               help="the validation metric that picks the model ('auto'), the GNN's epochs and a regression's "
                    "loss, scale and hurdle mix; one the task's EVALUATE reports (default: the first listed "
                    "under Results, e.g. 'mae' for a regression; 'spearman' when ranking matters more)",
               check=_optional(lambda v: _str(v).lower())),
    OptionSpec(name="threshold", default="f1",
               help="a yes/no target's cut-off, prediction = probability >= threshold: 'f1' is the one with the "
                    "best F1 on validation, which finds rare positives but may mark far more rows true than are; "
                    "'accuracy' the one with the best accuracy (fewer true, none when positives are rare and "
                    "hard to tell); a number strictly between 0 and 1 is the cut-off itself. EVALUATE's f1 and "
                    "accuracy score the same prediction. Other targets note it unused (multilabel predictions "
                    "stay cut at 0.5)",
               check=_threshold),
    OptionSpec(name="epochs", default=None, help="GNN training epochs (default: chosen by data size)",
               check=_optional(_int(1, 10_000))),
    OptionSpec(name="seed", default=0, help="random seed; a run is reproducible from query, data and options",
               check=_int(0)),
    OptionSpec(name="device", default="auto", help="'auto' uses CUDA when present",
               check=_choice("auto", "cpu", "cuda")),
    OptionSpec(name="anchor_time", default=None, help="prediction time (default: the data's last timestamp)",
               check=_optional(_timestamp)),
    OptionSpec(name="val_cutoff", default=None, help="anchors at or after this time are validation",
               check=_optional(_timestamp)),
    OptionSpec(name="test_cutoff", default=None, help="anchors at or after this time are test",
               check=_optional(_timestamp)),
    OptionSpec(name="train_start", default=None, help="no training anchors before this time",
               check=_optional(_timestamp)),
    OptionSpec(name="max_anchors", default=None, help="cap on the number of training anchor times",
               check=_optional(_int(1))),
    OptionSpec(name="max_eval_anchors", default=40,
               help="cap on anchor times per validation / test split (RelBench: 40)", check=_int(1)),
    OptionSpec(name="split", default="auto",
               help="'time' splits anchors by time; 'random' labels one cohort anchor and splits its entities "
                    "at random (seeded, stratified by treatment arm or binary label); 'auto' is 'time', falling "
                    "back to 'random' when the data is a single cohort",
               check=_choice("auto", "time", "random")),
    OptionSpec(name="anchor_stride", default=None,
               help="days between anchor times (default: the target window's length, shorter with overlapping "
                    "windows when the history holds few anchors)",
               check=_optional(_float(0.0001))),
    OptionSpec(name="retrain", default=False, help="train a new model even if a matching one is saved",
               check=_bool),
    OptionSpec(name="refit", default=None,
               help="after validation has chosen the model, its epochs or boosting rounds, train it again on "
                    "train + validation rows so it learns from the newest labels (test rows stay unseen); "
                    "default: on for a split by time, off for a random split (its validation rows are no newer)",
               check=_optional(_bool)),
    OptionSpec(name="batch_size", default=512, help="GNN seeds per batch", check=_int(1)),
    OptionSpec(name="lr", default=0.005, help="GNN learning rate (link ranking: 0.002)", check=_float(1e-7, 10.0)),
    OptionSpec(name="lr_decay", default=1.0,
               help="GNN: multiply the learning rate by this after every 2 epochs without a better validation "
                    "metric (1: constant); a refit replays the rates its fit used",
               check=_float(0.01, 1.0)),
    OptionSpec(name="weight_decay", default=0.0,
               help="GNN: decoupled weight decay (AdamW) per step, as a fraction of the learning rate's step "
                    "(0: plain Adam)",
               check=_float(0.0, 1.0)),
    OptionSpec(name="dropout", default=None,
               help="GNN: dropout on the entity's embedding before the task head and inside the tabular "
                    "features' MLP, while training (default: 0.2 for link ranking, 0 otherwise)",
               check=_optional(_float(0.0, 0.9))),
    OptionSpec(name="channels", default=None, help="GNN hidden size (default: 64 on a CPU, 128 on a GPU)",
               check=_optional(_int(4, 4096))),
    OptionSpec(name="layers", default=None,
               help="GNN message-passing layers (default: 2; link ranking: enough to reach the items, at most 3)",
               check=_optional(_int(1, 6))),
    OptionSpec(name="neighbors", default=16, help="sampled neighbours per edge type per hop", check=_int(1, 1000)),
    OptionSpec(name="tabular_features", default=None,
               help="GNN: also feed the entity's automatic history features (LightGBM's) into the head "
                    "(default: on, off for link ranking)",
               check=_optional(_bool)),
    OptionSpec(name="weight_average", default=None,
               help="GNN: validate, keep and predict with a moving average of the weights over about the last "
                    "epoch, instead of the last step's weights (default: on for link ranking and for more than 60,000 "
                    "training rows, off otherwise)",
               check=_optional(_bool)),
    OptionSpec(name="time_budget", default=None, help="seconds all training may take, every model and the refit together (not a hard limit: features "
                    "are built regardless, and each model trains at least one epoch)",
               check=_optional(_float(1.0))),
    OptionSpec(name="schema", default=None, help="schema overrides in the pql_schema.toml format", check=_optional(_str)),
)

OPTION_NAMES = tuple(o.name for o in OPTIONS)
# options that only shape the GNN: noted when LightGBM trains, and left out of its model fingerprint
GNN_ONLY_OPTIONS = ("epochs", "batch_size", "lr", "lr_decay", "weight_decay", "dropout", "channels", "layers",
                    "neighbors", "tabular_features", "weight_average", "device")

_BY_NAME = {o.name: o for o in OPTIONS}


def spec(name: str) -> OptionSpec | None:
    return _BY_NAME.get(name.lower())


def check_option(name: str, value: Any) -> tuple[str, Any]:
    """Validate one option; raises ValueError whose message is ready for the user."""
    s = spec(name)
    if s is None:
        raise ValueError(f"unknown option '{name}'{did_you_mean(name, OPTION_NAMES)}")
    try:
        return s.name, s.check(value)
    except ValueError as e:
        raise ValueError(f"option '{s.name}' {e}") from None


def defaults() -> dict[str, Any]:
    return {o.name: o.default for o in OPTIONS}
