"""Running a bound query: training table -> model (trained or reused) -> predictions or metrics.

    result = run(bound_query, db, con)
    result.table      # predictions (PREDICT) or metrics (EVALUATE), as Arrow
    result.summary    # one line: sizes, times, the validation metric, which model

`WITH model = 'auto'` trains LightGBM and the GNN and keeps the one with the better validation metric;
both scores are reported, and a warning says when the heuristic baseline scores better on validation
than the model kept. Without validation rows there is nothing to choose by, and on too few (see
`MIN_VAL_ROWS_TO_COMPARE`) nothing but noise: 'auto' then trains LightGBM only, and says so. A yes/no
``prediction`` is ``probability >= threshold``, the F1-optimal cut-off on validation unless `WITH threshold`
says otherwise, and EVALUATE's accuracy and F1 score that same column; a warning says when ``prediction``
is far off the validation labels (`engine.evaluate.prediction_warning`; a yes/no one's is a note, also
checked on the rows predicted, `predicted_rows_note`). Under a split by time the kept
model is then refitted on train + validation (`WITH refit = false` skips it), so predictions learn from
the newest labels. Models are saved in the registry under a fingerprint of the query, schema, data and
options, so the same query on unchanged data predicts without training.
"""
from __future__ import annotations

import importlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyarrow as pa

from engine import registry
from engine.baseline import NAME as BASELINE, baseline_metrics, validated
from engine.evaluate import (OnValidation, on_validation, predicted_rows_note, prediction_note, prediction_warning,
                             score, threshold_note, threshold_rule)
from engine.labels import TrainingTable, training_table
from engine.labels.absent_values import absent_values
from engine.labels.schedule import no_training_anchor
from engine.metrics import better, query_metric, shown, undefined
from engine.results import result_table
from engine.schema.model import Database
from engine.train.base import Trainer, TrainInputs
from pql.bound import BoundQuery, TaskType
from pql.errors import EngineError, PQLError

TRAINERS: dict[str, tuple[str, str]] = {
    "lightgbm": ("engine.train.lightgbm_trainer", "LightGBMTrainer"),
    "gnn": ("engine.train.gnn_trainer", "GNNTrainer"),
    "heuristic": ("engine.train.heuristic_trainer", "HeuristicTrainer"),
}
#: the families `WITH model = 'auto'` trains and chooses between (the heuristic is a baseline, not a candidate)
AUTO_FAMILIES: tuple[str, ...] = ("lightgbm", "gnn")
#: below these, validation cannot tell LightGBM from the GNN, so 'auto' trains LightGBM alone: on 200 rows, or on
#: 20 cases of a yes/no target's rarer answer, the validation metric's own noise (an AUROC's standard error is
#: then 0.05 or more) is as large as the gap between the two, and the GNN would cost minutes for a coin toss
MIN_VAL_ROWS_TO_COMPARE = 200
MIN_VAL_MINORITY_TO_COMPARE = 20


@dataclass(frozen=True, kw_only=True)
class RunResult:
    table: pa.Table  # predictions, or metrics for EVALUATE
    predictions: pa.Table | None  # the prediction table (also for EVALUATE, when computed)
    metrics: dict[str, dict[str, float]]  # split -> metric -> value, for the chosen model
    #: EVALUATE: the heuristic baseline's split -> metric -> value on the same rows (engine.baseline); {} otherwise
    baseline: dict[str, dict[str, float]] = field(default_factory=dict)
    candidates: dict[str, dict[str, Any]]  # family -> {"val": metrics, "seconds": s}
    chosen: str
    reused: bool
    fingerprint: str
    summary: str
    #: every warning the run logged (the training table's, absent WHERE values, the models', the allocation's),
    #: without the "warning: " prefix, in order, each once
    warnings: tuple[str, ...] = ()
    training: TrainingTable | None = field(default=None, repr=False)
    #: ALLOCATE's plan (engine.allocation.pql_bridge.QueryAllocation); ``table`` is then its assignment
    allocation: Any = None
    #: EVALUATE: the test rows' predictions (the PREDICT columns) with their true label as ``actual``
    test_predictions: pa.Table | None = None


def trainer_class(family: str) -> type[Trainer]:
    module, name = TRAINERS[family]
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError as e:  # a broken install must not surface as a raw traceback
        raise EngineError(f"the {family} model is not available in this installation ({e}); "
                          f"try WITH model = 'heuristic' or reinstall pql") from e


def resolve_device(requested: str, families: list[str]) -> str:
    if "gnn" not in families:
        return "cpu"
    import torch

    # Two OpenMP threads barely beat one on small machines and collapse when a core is busy; more
    # threads pay off only on bigger hosts, where PQL_TORCH_THREADS raises it.
    torch.set_num_threads(int(os.environ.get("PQL_TORCH_THREADS", "1")))
    if requested == "cpu":
        return "cpu"

    if requested == "cuda" and not torch.cuda.is_available():
        raise EngineError("WITH device = 'cuda' but no CUDA device is available; use 'auto' or 'cpu'")
    return "cuda" if torch.cuda.is_available() else "cpu"


def _fit_all(families: list[str], inputs: TrainInputs, log) -> dict[str, tuple[Trainer, dict, float]]:
    out = {}
    began = time.perf_counter()
    for family in families:
        log(f"training {family} …")
        start = time.perf_counter()
        trainer = trainer_class(family)()
        budget = inputs.time_budget  # WITH time_budget covers all the families together
        remaining = None if budget is None else max(budget - (start - began), 1.0)
        val = trainer.fit(replace(inputs, time_budget=remaining))
        seconds = time.perf_counter() - start
        metric, _ = query_metric(inputs.bq)
        log(f"{family}: validation {metric} = {shown(val.get(metric))} ({seconds:.1f}s)")
        out[family] = (trainer, val, seconds)
    spent = time.perf_counter() - began
    if inputs.time_budget is not None and spent > 1.1 * inputs.time_budget:
        log(f"note: training took {spent:.0f}s, over the {inputs.time_budget:.0f}s time_budget: every model "
            "trains at least one epoch, and the features are built whatever the budget")
    return out


def _choose(bq: BoundQuery, fitted: dict[str, tuple[Trainer, dict, float]]) -> str:
    metric, higher = query_metric(bq)
    chosen = None
    for family, (_, val, _) in fitted.items():
        if chosen is None or better(val.get(metric), fitted[chosen][1].get(metric), higher=higher):
            chosen = family
    assert chosen is not None
    return chosen


def _no_training_rows(bq: BoundQuery, tt: TrainingTable) -> str:
    """Why the training table is empty: no anchor fits, or no entity qualifies at the anchors that do."""
    schedule, entity = tt.schedule, bq.entity.table
    if schedule.static:
        passing = " that passes the WHERE filter" if bq.where is not None else ""
        return f"no training rows: no {entity}{passing} has a value for the target"
    if not schedule.train:
        return no_training_anchor(schedule)
    who = (f"the WHERE filter keeps no {entity} row" if bq.where is not None
           else f"no {entity} row exists yet or has a label")
    return f"no training rows: {who} at any of the {len(schedule.train)} training anchors ({schedule.summary()})"


MIN_TRAIN_ROWS = 10


def _validation_too_small(bq: BoundQuery, tt: TrainingTable) -> str | None:
    """What makes the validation split too small to choose between models on (`MIN_VAL_ROWS_TO_COMPARE`,
    `MIN_VAL_MINORITY_TO_COMPARE`), in words, or None when it is big enough."""
    val = tt.split("val")
    if val.num_rows < MIN_VAL_ROWS_TO_COMPARE:
        return f"{val.num_rows:,} rows (under {MIN_VAL_ROWS_TO_COMPARE})"
    if bq.task is not TaskType.BINARY:
        return None
    answers = Counter(v for v in val.column("label").to_pylist() if v is not None)
    rarer, count = min(((a, answers.get(a, 0)) for a in (True, False)), key=lambda pair: pair[1])
    if count < MIN_VAL_MINORITY_TO_COMPARE:
        labels = f"{count} {'true' if rarer else 'false'} label{'s' if count != 1 else ''}"
        return f"{labels} (under {MIN_VAL_MINORITY_TO_COMPARE})"
    return None


def _check_two_classes(bq: BoundQuery, tt: TrainingTable) -> None:
    """A yes/no target needs both answers among the training rows, whichever model trains."""
    if bq.task is not TaskType.BINARY:
        return
    train = tt.split("train").column("label")
    values = {v for v in train.to_pylist() if v is not None}
    if len(values) < 2:
        raise EngineError(f"every training label is {next(iter(values), None)!r}: a classifier needs both "
                          "answers; widen the target's window or loosen its condition")


def _check_arms_trained(bq: BoundQuery, tt: TrainingTable) -> None:
    """An uplift model compares each arm's outcomes with control's: an arm (control included) that no
    training row got is an error at ASSUMING, not a model's complaint after the features are built."""
    from pql.errors import PQLBindError

    if bq.task is not TaskType.UPLIFT or "treatment" not in tt.table.column_names:
        return
    arms = bq.treatment_arms or ("treated",)
    got = Counter("control" if t in (None, False) or (isinstance(t, str) and t not in arms)
                  else t if isinstance(t, str) else "treated"
                  for t in tt.split("train").column("treatment").to_pylist())
    empty = [a for a in ("control", *arms) if not got[a]]
    if not empty:
        return
    if empty == ["control"]:
        message = "every training row is treated under ASSUMING, so none is left as control to compare with"
    else:
        message = (f"no training row got {', '.join(repr(a) for a in empty)} under ASSUMING, so there is "
                   "nothing to compare with control")
    span = getattr(bq.assuming, "span", None)
    raise PQLBindError(message, text=bq.text if span is not None else None, span=span,
                       hint="check the treatment's condition and window against the data (pql explain shows "
                            "the training rows' anchors)")


def _interactive(show_progress: bool | None) -> bool:
    """Whether to draw progress bars: always when asked for by name (``True``: a notebook's stderr is no
    terminal, yet shows them), never for ``False``, and for ``None`` (auto, the CLI's) only for a person at
    a terminal, since bars redraw a line with ``\r``: noise in a log or CI."""
    import os
    import sys

    if show_progress is not None:
        return bool(show_progress)
    return sys.stderr.isatty() and not os.environ.get("CI")


def run(bq: BoundQuery, db: Database, con, *, log: Callable[[str], None] | None = None,
        show_progress: bool | None = False) -> RunResult:
    """Train (or reuse) a model for ``bq`` and return predictions, or test metrics for EVALUATE.
    ``show_progress``: True, False, or None for bars only at a terminal (`_interactive`)."""
    warned: list[str] = []
    log = _recording_warnings(log or (lambda msg: None), warned)
    show_progress = _interactive(show_progress)
    started = time.perf_counter()
    tt = training_table(con, db, bq)
    for note in tt.notes:
        log(f"note: {note}")
    for warning in tt.warnings:
        log(f"warning: {warning}")
    absent = absent_values(con, bq)
    counts = tt.counts()
    if counts["train"] == 0 and absent:  # more likely the cause than the data's history
        raise absent[0].error(bq.text, "no training rows")
    for value in absent:
        log(f"warning: {value.message()}")
    if counts["train"] == 0:
        raise EngineError(_no_training_rows(bq, tt))
    learns = bq.option("model", "auto") != "heuristic"  # the persistence baseline learns nothing from labels
    if learns and counts["train"] < MIN_TRAIN_ROWS:
        raise EngineError(f"only {counts['train']} training rows: too few for any model to learn from; loosen the "
                          "WHERE, or let more history in (an earlier train_start or anchor_time, a shorter "
                          "anchor_stride)")
    if learns:
        _check_two_classes(bq, tt)
        _check_arms_trained(bq, tt)
    family_option = bq.option("model", "auto")
    families = list(AUTO_FAMILIES) if family_option == "auto" else [family_option]
    auto = family_option == "auto" and counts["val"] > 0  # no validation rows: nothing to choose models by
    if family_option == "auto" and not auto:
        families = ["lightgbm"]  # the cheaper model, and the sturdier without validation to stop it early
    too_small = _validation_too_small(bq, tt) if auto and len(families) > 1 and "lightgbm" in families else None
    if too_small:
        families = ["lightgbm"]
    inputs = TrainInputs(con=con, db=db, bq=bq, tt=tt, seed=int(bq.option("seed", 0)),
                         device=resolve_device(bq.option("device", "auto"), families),
                         epochs=bq.option("epochs"), time_budget=bq.option("time_budget"), log=log,
                         show_progress=show_progress)
    fp = registry.fingerprint(bq, db, con, model=family_option)
    entry = None if bq.option("retrain", False) else registry.lookup(fp, log)

    trainer = None
    if entry is not None and entry.meta.get("chosen") in TRAINERS:
        chosen = entry.meta["chosen"]
        trainer = registry.load_saved(entry, lambda: trainer_class(chosen).load(entry.path / chosen, inputs), log)
    if trainer is not None:
        candidates = entry.meta.get("candidates", {})
        found = OnValidation.from_meta(entry.meta)
        heuristic_val = entry.meta.get("heuristic_val", {})
        refitted = bool(entry.meta.get("refit", False))
        reused = True
        log(f"reusing saved model {fp} ({chosen}); WITH retrain = true trains a new one")
    else:
        if family_option == "auto" and not auto:
            log("warning: no validation rows, so model = 'auto' cannot compare models: training LightGBM only "
                "(WITH model = 'gnn' trains the GNN); an earlier val_cutoff, or a shorter anchor_stride or "
                "target window (more anchors fit in the history), makes a validation split")
        if too_small:
            log(f"note: model = 'auto' trains LightGBM only: validation has {too_small}, too few to tell it from "
                "the GNN (WITH model = 'gnn' trains the GNN)")
        fitted = _fit_all(families, inputs, log)
        chosen = _choose(bq, fitted)
        trainer = fitted[chosen][0]
        candidates = {f: {"val": v, "seconds": round(s, 2)} for f, (_, v, s) in fitted.items()}
        spent = sum(seconds for _, _, seconds in fitted.values())
        fitted.clear()  # the families not kept (their graphs, LightGBM's refit material) can go now
        # from the model validation scored, before any refit; its validation F1 and accuracy at that cut-off
        found = on_validation(bq, inputs, trainer)
        candidates[chosen]["val"] = {**candidates[chosen]["val"], **found.at_threshold}
        heuristic_val = _heuristic_val(inputs) if auto else {}
        refitted = inputs.wants_refit and _refit(chosen, trainer, inputs, spent=spent, log=log)
        meta = {"query": registry.query_text(bq), "source": db.source, "task": str(bq.task), "chosen": chosen, "candidates": candidates,
                "threshold": found.threshold, "on_validation": found.to_meta(), "heuristic_val": heuristic_val,
                "rows": counts, "schedule": tt.schedule.summary(), "refit": refitted}
        registry.save(fp, meta, lambda d: trainer.save(_mkdir(d / chosen)))
        reused = False

    threshold = found.threshold
    metrics: dict[str, dict[str, float]] = {"val": candidates.get(chosen, {}).get("val", {})}
    _warn_below_heuristic(bq, chosen, metrics["val"], heuristic_val, log)
    share_noted = _warn_misleading_prediction(bq, chosen, found, log)
    baseline: dict[str, dict[str, float]] = {}
    predictions = test_predictions = None
    if bq.mode == "evaluate":
        test = tt.split("test")
        test_preds = trainer.predict(inputs, test.select([*bq.entity.key, "anchor_time"]))
        metrics["test"] = score(bq, test, test_preds, threshold=threshold)
        baseline = baseline_metrics(inputs, test, log) if chosen != BASELINE else {}
        table = metrics_table(chosen, metrics, candidates, baseline, first=query_metric(bq)[0])
        test_predictions = _beside_labels(
            result_table(bq, test, test_preds, threshold=threshold, item_key=_item_key(db, bq)), test)
    else:
        rows = tt.prediction
        preds = trainer.predict(inputs, rows)
        predictions = result_table(bq, rows, preds, threshold=threshold, item_key=_item_key(db, bq))
        table = predictions
        if not share_noted:
            _note_predicted_rows(bq, threshold, predictions, log)
    allocation = None
    if bq.allocate is not None and predictions is not None:
        from engine.allocation.pql_bridge import allocate_query

        allocation = allocate_query(bq, db, con, predictions, seed=int(bq.option("seed", 0)))
        for warning in allocation.warnings:
            log(f"warning: {warning}")
        table = allocation.assignment
    seconds = time.perf_counter() - started
    metric, _ = query_metric(bq)
    val_value = metrics["val"].get(metric)
    cut_off = _cut_off_shown(bq, threshold)
    summary = (f"{chosen} · {bq.task} · rows train {counts['train']:,} / val {counts['val']:,} / test "
               f"{counts['test']:,}{'' if bq.mode == 'evaluate' else f' · predicted {tt.prediction.num_rows:,}'} · val {metric} "
               f"{shown(val_value)}{cut_off} · "
               f"{'reused model' if reused else 'trained'}{' (refit on train + val)' if refitted else ''} · "
               f"{seconds:.1f}s")
    if len(candidates) > 1:
        summary += " · " + ", ".join(f"{f} {shown(c['val'].get(metric))}" for f, c in candidates.items())
    if "test" in metrics:
        summary += f" · test {metric} {shown(metrics['test'].get(metric))}"
        if baseline:
            summary += f" (heuristic baseline {shown(baseline['test'].get(metric))})"
    if allocation is not None:
        summary += "\n" + allocation.render()
    warnings = tuple(dict.fromkeys(warned))
    return RunResult(table=table, predictions=predictions, metrics=metrics, baseline=baseline,
                     candidates=candidates, chosen=chosen,
                     reused=reused, fingerprint=fp, summary=summary, warnings=warnings, training=tt,
                     allocation=allocation, test_predictions=test_predictions)


def _recording_warnings(log: Callable[[str], None], warned: list[str]) -> Callable[[str], None]:
    """``log``, also keeping each ``"warning: …"`` line in ``warned``: the models warn through the log
    (a confounded treatment, rows left out, a time budget that cut training), and a caller reading
    ``RunResult.warnings`` must see those too, not only the training table's."""
    def recording(message: str) -> None:
        if message.startswith("warning:"):
            warned.append(message.removeprefix("warning:").strip())
        log(message)

    return recording


def _beside_labels(table: pa.Table, rows: pa.Table) -> pa.Table:
    """The prediction table with each row's label as ``actual`` (one label per prediction row; tasks
    that spread a row over several, ranking and multilabel, get theirs repeated per row)."""
    if "actual" in table.column_names or not rows.num_rows or not table.num_rows or table.num_rows % rows.num_rows:
        return table
    per_row = table.num_rows // rows.num_rows  # result_table repeats each row consecutively
    return table.append_column("actual", rows.column("label").take(np.arange(table.num_rows) // per_row))


def _refit(family: str, trainer: Trainer, inputs: TrainInputs, *, spent: float, log) -> bool:
    """The chosen model learns from the validation rows too (``WITH refit``; by default for a time split).

    Validation has done its jobs by now: choosing the family, the epochs or boosting rounds, the
    threshold, and the metrics reported for it. Its labels are the newest the model could learn from,
    so the final model trains on train + validation with those choices fixed. Test rows stay unseen:
    EVALUATE's test metric measures exactly this procedure, one step back in time.
    """
    if inputs.tt.counts()["val"] == 0:
        return False
    budget = inputs.time_budget
    remaining = None if budget is None else max(budget - spent, 1.0)  # WITH time_budget covers the refit too
    log(f"refitting {family} on train + validation rows …")
    start = time.perf_counter()
    done = trainer.refit(replace(inputs, time_budget=remaining))
    log(f"{family}: refit {'done' if done else 'skipped (nothing to refit)'} ({time.perf_counter() - start:.1f}s)")
    return done


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _heuristic_val(inputs: TrainInputs) -> dict[str, float]:
    """The heuristic baseline's validation metrics (one aggregation, no training), for `model = 'auto'` to
    hold its pick against; ``{}`` where the heuristic cannot be computed."""
    try:
        return validated(replace(inputs, log=lambda _: None))[2]
    except PQLError:
        return {}


def _warn_below_heuristic(bq: BoundQuery, chosen: str, val: dict[str, float], heuristic_val: dict[str, float],
                          log: Callable[[str], None]) -> None:
    """Warn when the heuristic baseline beats the model `model = 'auto'` kept on validation. The heuristic
    stays a yardstick, not a candidate (`AUTO_FAMILIES`): switching to it silently would hide that neither
    model learnt more than the target's own history says."""
    metric, higher = query_metric(bq)
    kept, heuristic = val.get(metric), heuristic_val.get(metric)
    if undefined(kept) or not better(heuristic, kept, higher=higher):
        return
    log(f"warning: the heuristic baseline beats the kept {chosen} on validation ({metric} {shown(heuristic)} vs "
        f"{shown(kept)}); WITH model = 'heuristic' predicts with it")


def _warn_misleading_prediction(bq: BoundQuery, chosen: str, found: OnValidation,
                                log: Callable[[str], None]) -> bool:
    """Warn when a regression's ``prediction`` is far off the validation labels (`prediction_warning`), note a
    yes/no ``prediction`` that marks far more or fewer rows true than are (`prediction_note`), and note a
    ``WITH threshold`` that has no yes/no prediction to cut (`threshold_note`). A regression's warning
    explains a learned loss, so the heuristic (last window's value, whatever the metric) gets none. True when
    the yes/no note was logged."""
    unused = threshold_note(bq)
    if unused:
        log(f"note: {unused}")
    note = prediction_note(bq, found)
    if note:
        log(f"note: {note}")
        return True
    if bq.task is TaskType.REGRESSION and chosen == BASELINE:
        return False
    warning = prediction_warning(bq, found)
    if warning:
        log(f"warning: {warning}")
    return False


def _note_predicted_rows(bq: BoundQuery, threshold: float, predictions: pa.Table, log: Callable[[str], None]) -> None:
    """Note a yes/no ``prediction`` whose share of true rows among the returned predictions is far off their
    mean probability (`predicted_rows_note`): the cut-off was found on validation, before the refit."""
    if bq.task is not TaskType.BINARY or not {"prediction", "probability"} <= set(predictions.column_names):
        return
    note = predicted_rows_note(bq, threshold, np.array(predictions.column("prediction").to_pylist(), dtype=bool),
                               np.array(predictions.column("probability").to_pylist(), dtype=float))
    if note:
        log(f"note: {note}")


def _cut_off_shown(bq: BoundQuery, threshold: float) -> str:
    """The summary's note of a binary prediction's cut-off, and its rule when not the default F1."""
    if bq.task is not TaskType.BINARY:
        return ""
    rule = threshold_rule(bq)
    how = "" if rule == "f1" else " (accuracy-optimal)" if rule == "accuracy" else " (as set)"
    return f" · threshold {threshold:.4f}{how}"


def _item_key(db: Database, bq: BoundQuery) -> str | None:
    if bq.item_table is None:
        return None
    table = db.table(bq.item_table)
    return table.primary_key[0] if table is not None and len(table.primary_key) == 1 else None


def metrics_table(chosen: str, metrics: dict[str, dict[str, float]],
                  candidates: dict[str, dict[str, Any]],
                  baseline: dict[str, dict[str, float]] | None = None, *, first: str | None = None) -> pa.Table:
    """EVALUATE's result: one row per (model, split, metric): the chosen model's test metrics, every
    candidate's validation metrics, then the heuristic baseline's test and validation metrics; ``first``
    (the metric validation selects by) leads each block."""
    rows: list[tuple[str, str, str, float]] = []
    # every split lists its metrics in one order: the selection metric first, then the test split's order
    order: list[str] = [first] if first else []
    for split, values in metrics.items():
        if split != "val":
            order += [k for k in values if k not in order]
    rank = {k: i for i, k in enumerate(order)}
    for split, values in metrics.items():
        if split != "val":
            rows += [(chosen, split, k, float(v)) for k, v in sorted(values.items(), key=lambda kv: rank[kv[0]])]
    for family, info in candidates.items():
        val = sorted(info.get("val", {}).items(), key=lambda kv: rank.get(kv[0], len(rank)))
        rows += [(family, "val", k, float(v)) for k, v in val]
    for split in ("test", "val"):
        values = sorted((baseline or {}).get(split, {}).items(), key=lambda kv: rank.get(kv[0], len(rank)))
        rows += [(BASELINE, split, k, float(v)) for k, v in values]
    return pa.table({"model": [r[0] for r in rows], "split": [r[1] for r in rows],
                     "metric": [r[2] for r in rows], "value": [r[3] for r in rows]})
