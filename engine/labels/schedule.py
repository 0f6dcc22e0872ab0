"""Which anchor times get training rows, and which split each belongs to.

RelBench's temporal split, generalised (relbench/base/task_base.py):

- train anchors step back from ``val_cutoff - horizon`` by the stride down to the data's first
  timestamp (or ``train_start``);
- validation anchors step forward from ``val_cutoff`` while their window ends by ``test_cutoff``;
- test anchors step forward from ``test_cutoff`` while their window ends by the data's last timestamp;
- each evaluation split holds at most ``max_eval_anchors`` anchors (RelBench's max_eval_time_frames=40).

Without cut-offs, anchors step back from the data's last timestamp (or ``anchor_time``) so that the
latest window ends exactly there; the latest tenth of them (1 to ``max_eval_anchors``) is test, the
tenth before validation, and the cut-offs are the first anchors of those splits. Any anchor whose
window would cross into the next split is dropped, so labels of one split never overlap the next.
The prediction anchor is ``anchor_time`` or the data's last timestamp.

``WITH split`` chooses between this temporal schedule (``'time'``) and a single cohort anchor whose
entities are split at random (``'random'``, see `engine.labels.cohort`); ``'auto'`` (the default) is
temporal, but trains on the cohort when no training anchor fits and the data holds exactly one label
window (a randomized experiment: `engine.labels.cohort.CohortWindow.fits_the_data`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from engine.labels.splits import describe_split
from engine.labels.windows import describe, shift_py, window_length
from pql.bound import BoundQuery
from pql.errors import OptionValueError, PQLInputError

DEFAULT_MAX_EVAL_ANCHORS = 40
SPLITS = ("train", "val", "test")
NO_WINDOW_FITS = "no complete window fits"  # ends the note that says why no anchor has a label


@dataclass(frozen=True, kw_only=True)
class AnchorSchedule:
    """Anchor times per split (each ascending), the cut-offs between splits and the prediction time."""

    train: tuple[datetime, ...] = ()
    val: tuple[datetime, ...] = ()
    test: tuple[datetime, ...] = ()
    prediction_time: datetime | None = None
    val_cutoff: datetime | None = None
    test_cutoff: datetime | None = None
    data_start: datetime | None = None
    data_end: datetime | None = None
    stride: str | None = None  # e.g. "30 days"
    horizon: str | None = None  # how far labels look ahead of an anchor, e.g. "30 days"
    static: bool = False  # static targets: no anchors, a seeded random split
    cohort: bool = False  # one labelled anchor (the only ``train`` time), its entities split at random
    stratify: tuple[str, ...] = ()  # cohort: training-table columns the random split is stratified by
    seed: int = 0  # seed of a static or cohort random split
    notes: tuple[str, ...] = field(default=())  # what the user should act on: logged as warnings
    info: tuple[str, ...] = field(default=())  # how the anchors were placed, as asked or as they must be: notes

    def anchors(self) -> list[tuple[datetime, str]]:
        """Every (anchor_time, split) pair, the prediction anchor under ``'predict'``."""
        rows = [(t, s) for s in SPLITS for t in getattr(self, s)]
        if self.prediction_time is not None:
            rows.append((self.prediction_time, "predict"))
        return rows

    def summary(self) -> str:
        if self.static:
            return f"static target: one row per entity as of {self.prediction_time}, seeded random split"
        if self.cohort:
            return self._cohort_summary()
        lines = [f"anchors every {self.stride}, labels over the next {self.horizon}; "
                 f"data {self.data_start} .. {self.data_end}"] if self.stride else ["anchors given explicitly"]
        for split in SPLITS:
            times = getattr(self, split)
            span = "none" if not times else str(times[0]) if len(times) == 1 else f"{times[0]} .. {times[-1]}"
            lines.append(f"{split:>5}: {len(times):4d} anchor{'s' if len(times) != 1 else ' '}  {span}")
        lines.append(f"cut-offs: val {self.val_cutoff}, test {self.test_cutoff}; predict at {self.prediction_time}")
        return "\n".join(lines + [f"note: {n}" for n in (*self.info, *self.notes)])

    def _cohort_summary(self) -> str:
        by = " and ".join({"treatment": "treatment arm"}.get(c, c) for c in self.stratify)
        lines = [f"cohort (split = 'random'): one labelled anchor at {self.prediction_time}, labels over the "
                 f"next {self.horizon}; data {self.data_start} .. {self.data_end}",
                 f"entities split at random (seed {self.seed}): {describe_split()}"
                 + (f", stratified by {by}" if by else ""),
                 f"predict at {self.prediction_time}; features see rows up to the anchor only"]
        return "\n".join(lines + [f"note: {n}" for n in (*self.info, *self.notes)])


MIN_HISTORY_ANCHORS = 12
_APPROX_DAYS = {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1, "weeks": 7, "months": 30.44, "years": 365.25}


def _finer_stride(stride: tuple[float, str], horizon: tuple[float, str], start: datetime,
                  end: datetime) -> tuple[float, str]:
    """A long window over a short history leaves a handful of anchors (12-month spend over 4 years: 3).
    Overlapping windows are standard practice there (RelBench steps many tasks by less than the
    window), so step by whole days often enough to get ``MIN_HISTORY_ANCHORS``; splits still never
    overlap (see build_schedule)."""
    span_days = (end - start).total_seconds() / 86_400 - horizon[0] * _APPROX_DAYS[horizon[1]]
    stride_days = stride[0] * _APPROX_DAYS[stride[1]]
    if span_days <= 0 or span_days / stride_days + 1 >= MIN_HISTORY_ANCHORS:
        return stride
    finer = max(1.0, float(int(span_days / (MIN_HISTORY_ANCHORS - 1))))
    if finer >= stride_days:
        return stride
    return (finer, "days")


def _step(base: datetime, k: int, stride: tuple[float, str]) -> datetime:
    return shift_py(base, k * stride[0], stride[1])


def build_schedule(bq: BoundQuery, *, data_start: datetime | None, data_end: datetime | None,
                   static: bool = False, steps: int = 1, target_start: datetime | None = None) -> AnchorSchedule:
    """The anchor schedule for ``bq`` over data spanning ``data_start .. data_end`` (see the module doc).

    ``steps`` is the number of consecutive windows one label covers (FORECAST n TIMEFRAMES).
    ``target_start`` is the first row of the target's tables: time anchors start at the earliest one
    window before it, since a window that ends before the table's first row labels what was not
    recorded, not what happened (a loyalty database whose referrals go back years before its purchase
    log would otherwise train on years of "nobody bought anything").
    """
    # cohort.py builds on AnchorSchedule, so it is imported here, not at the top
    from engine.labels.cohort import cohort_schedule, cohort_window, fallback_note

    mode = bq.option("split", "auto") or "auto"
    if static or bq.label_window is None:
        return _temporal(bq, data_start=data_start, data_end=data_end, static=static, steps=steps)
    window = bq.label_window
    horizon = (window.end + (steps - 1) * window_length(window), window.unit)
    if mode == "random":
        return cohort_schedule(bq, horizon, data_start=data_start, data_end=data_end)
    schedule = _temporal(bq, data_start=data_start, data_end=data_end, static=static, steps=steps,
                         target_start=target_start)
    time_cutoffs = bq.option("val_cutoff") or bq.option("test_cutoff")  # the user asked for a time split
    if schedule.train or time_cutoffs or data_start is None or data_end is None:
        return schedule
    cohort = cohort_window(bq, horizon, data_end=data_end)
    if cohort is None or not cohort.fits_the_data(data_start, data_end):
        return schedule
    if mode == "auto":
        return cohort_schedule(bq, horizon, data_start=data_start, data_end=data_end,
                               fallback_note=fallback_note(cohort, horizon, data_start, data_end))
    return replace(schedule, notes=(*schedule.notes, f"no training anchor fits, but the data holds one label "
                                    f"window, at {cohort.anchor}: if it is one cohort (an experiment), "
                                    "WITH split = 'random' trains on its entities split at random"))


def _check_times(opt: dict[str, Any], data_start: datetime, data_end: datetime) -> list[str]:
    """Cut-offs must fall inside the data (outside it, anchors would label years nobody recorded);
    a prediction time before the data has nothing to read, one after it only an empty recent past."""
    span = f"the data spans {data_start} .. {data_end}"
    for name in ("val_cutoff", "test_cutoff"):
        t = opt.get(name)
        if t is not None and not data_start < t <= data_end:
            side = "after the last" if t > data_end else "at or before the first"
            raise OptionValueError(f"{name} {t} is {side} timestamp the query reads ({span})", option=name)
    train_start = opt.get("train_start")
    if train_start is not None and train_start >= data_end:
        raise OptionValueError(f"train_start {train_start} is at or after the last timestamp the query reads ({span}): "
                               "no training anchor can start there", option="train_start")
    for name in ("val_cutoff", "test_cutoff"):  # training anchors end by the first cut-off
        t = opt.get(name)
        if train_start is not None and t is not None and train_start >= t:
            raise OptionValueError(f"train_start ({train_start}) must be before {name} ({t}): training anchors "
                                   f"come before the cut-off", option="train_start")
    anchor_time = opt.get("anchor_time")
    if anchor_time is not None and anchor_time < data_start:
        raise OptionValueError(f"anchor_time {anchor_time} is before the first timestamp the query reads ({span}): "
                               "there is nothing to predict from", option="anchor_time")
    if anchor_time is not None and anchor_time > data_end:
        return [f"anchor_time {anchor_time} is {(anchor_time - data_end).days} days after the last timestamp the "
                f"query reads ({data_end}): the features see that time as quiet"]
    return []


def _temporal(bq: BoundQuery, *, data_start: datetime | None, data_end: datetime | None,
              static: bool = False, steps: int = 1, refine_stride: bool = True,
              target_start: datetime | None = None) -> AnchorSchedule:
    """The temporal schedule (``split = 'time'``)."""
    opt: dict[str, Any] = dict(bq.options)
    anchor_time = opt.get("anchor_time")
    prediction_time = anchor_time or data_end
    if static:
        return AnchorSchedule(prediction_time=prediction_time, data_start=data_start, data_end=data_end, static=True)
    window = bq.label_window
    if window is None:
        raise PQLInputError("the target has aggregations but none has a time window")
    if data_end is None or data_start is None:
        return AnchorSchedule(prediction_time=prediction_time, data_start=data_start, data_end=data_end,
                              notes=("the tables the query reads hold no timestamps",))

    length = window_length(window)
    horizon = (window.end + (steps - 1) * length, window.unit)
    notes: list[str] = _check_times(opt, data_start, data_end)
    info: list[str] = []
    if shift_py(data_start, horizon[0], horizon[1]) > data_end:
        notes.append(f"the target looks {describe(*horizon)} ahead but the data spans only "
                     f"{data_start} .. {data_end}: {NO_WINDOW_FITS}")
    # the earliest anchor whose window reaches the target's first row (RelBench's first rows do too)
    history_start = data_start
    if target_start is not None:
        history_start = max(data_start, shift_py(target_start, -horizon[0], horizon[1]))
    lookback = bq.target_lookback
    if lookback is not None:  # the label compares with the past: only anchors with that past recorded
        first = target_start if target_start is not None else data_start
        history_start = max(data_start, shift_py(first, -lookback.start, lookback.unit))
        info.append(f"the target reads {describe(-lookback.start, lookback.unit)} before its anchor, so "
                     f"anchors start that long after the target's first row ({first})")
    elif shift_py(data_start, horizon[0], horizon[1]) < history_start:  # a whole window or more is cut: say so
        info.append(f"anchors start one window before the target's first row ({target_start}), not at the "
                     f"data's first timestamp ({data_start}): an earlier window would label what was not "
                     "recorded yet")
    stride_days = opt.get("anchor_stride")
    stride = (float(stride_days), "days") if stride_days else (length, window.unit)
    refined = False
    if refine_stride and not stride_days and not (opt.get("val_cutoff") or opt.get("test_cutoff")):
        refined = True
        stride = _finer_stride(stride, horizon, history_start, min(prediction_time, data_end))
    if stride[0] <= 0:
        raise PQLInputError("the target window has no length, so anchors cannot step through time")
    max_eval = int(opt.get("max_eval_anchors") or DEFAULT_MAX_EVAL_ANCHORS)
    max_train = opt.get("max_anchors")
    lowest = max(history_start, opt["train_start"]) if opt.get("train_start") else history_start
    ref = min(prediction_time, data_end)  # labels must be complete by then
    val_cutoff, test_cutoff = opt.get("val_cutoff"), opt.get("test_cutoff")
    if val_cutoff and test_cutoff and val_cutoff >= test_cutoff:
        raise OptionValueError(f"val_cutoff ({val_cutoff}) must be before test_cutoff ({test_cutoff})",
                               option="test_cutoff")

    def ends_by(t: datetime, limit: datetime | None) -> bool:
        return limit is None or shift_py(t, horizon[0], horizon[1]) <= limit

    def back_from(edge: datetime) -> list[datetime]:
        """Anchors whose window ends by ``edge``, latest first, stepping back to the first timestamp."""
        first = shift_py(edge, -horizon[0], horizon[1])
        out, k = [], 0
        while True:
            t = _step(first, -k, stride)
            if t < lowest:
                return out
            out.append(t)
            k += 1

    def forward_from(start: datetime, limit: datetime | None) -> list[datetime]:
        out = []
        while len(out) < max_eval:
            t = _step(start, len(out), stride)
            if not ends_by(t, limit) or not ends_by(t, ref):
                return out
            out.append(t)
        return out

    if val_cutoff or test_cutoff:
        if val_cutoff:
            train = back_from(val_cutoff)
            val = forward_from(val_cutoff, test_cutoff)
        else:  # only a test cut-off: train and validation share the time before it
            before = back_from(test_cutoff)
            n_val = min(max_eval, max(1, len(before) // 10)) if len(before) >= 2 else 0
            val = sorted(before[:n_val])
            val_cutoff = min(val) if val else None
            train = [t for t in before[n_val:] if ends_by(t, val_cutoff)]
        test = forward_from(test_cutoff, None) if test_cutoff else []
    else:
        history = back_from(ref)  # latest first
        n_eval = min(max_eval, max(1, len(history) // 10)) if len(history) >= 3 else 0
        if n_eval == 0 and history:
            notes.append(f"only {len(history)} anchor(s) fit in the history: all are used for training")
        # when the stride is shorter than the horizon, windows overlap: an anchor joins a split only
        # if its labels end by the next split's cut-off, so no label of one split overlaps the next
        test = history[:n_eval]
        test_cutoff = min(test) if test else None
        rest = [t for t in history[n_eval:] if ends_by(t, test_cutoff)]
        val = rest[:n_eval]
        val_cutoff = min(val) if val else None
        train = [t for t in rest[n_eval:] if ends_by(t, val_cutoff or test_cutoff)]
    if refined and not train and stride != (length, window.unit):
        # overlapping windows need room for three non-overlapping splits; without it, keep the plain stride
        return _temporal(bq, data_start=data_start, data_end=data_end, static=static, steps=steps,
                         refine_stride=False, target_start=target_start)
    if max_train is not None and len(train) > max_train:
        train = sorted(train)[-max_train:]
        info.append(f"training anchors capped at the latest {max_train} (WITH max_anchors)")
    return AnchorSchedule(
        train=tuple(sorted(train)), val=tuple(sorted(val)), test=tuple(sorted(test)),
        prediction_time=prediction_time, val_cutoff=val_cutoff, test_cutoff=test_cutoff,
        data_start=data_start, data_end=data_end, stride=describe(*stride) + (" (overlapping windows: the history is short; WITH anchor_stride sets it)"
                                     if refined and stride != (length, window.unit) else ""), horizon=describe(*horizon),
        notes=tuple(notes), info=tuple(info))


def no_training_anchor(schedule: AnchorSchedule) -> str | None:
    """Why a run of this schedule has no training rows before any row is built: no training anchor fits
    (also the words of `engine.run._no_training_rows`), or None when there is one or the target is static."""
    if schedule.static or schedule.train:
        return None
    why = next((n for n in schedule.notes if n.endswith(NO_WINDOW_FITS)),
               f"the target's windows do not fit in the data's history ({schedule.summary()})")
    return f"no training rows: {why}; a shorter target window needs less history"
