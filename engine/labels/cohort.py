"""Cohort schedules (``WITH split = 'random'``): one labelled anchor, its entities split at random.

A randomized experiment is one cohort: every unit is assigned at one time and observed over one
window, so there is no history to slide anchors back through. The cohort anchor is ``anchor_time``,
else the latest anchor whose label window ends by the data's last timestamp. Every entity gets one
labelled row there and the entities, not the times, are split (`engine.labels.splits`), stratified by
the treatment arm under ASSUMING and by the label when it is binary. Prediction rows sit at the same
anchor. Features still see only rows at or before the anchor, as for any anchor.

The window may end after the data's last timestamp (an experiment exported the moment its window
closed): that is allowed, with a note, as long as the window starts before the data ends.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.labels.schedule import AnchorSchedule
from engine.labels.windows import describe, shift_py
from pql.bound import BoundQuery, TaskType
from pql.errors import PQLInputError

#: how far (as a share of the window) the anchor may precede the data's first timestamp, and the window
#: outlast its last, for ``split = 'auto'`` to take the data for one cohort (Hillstrom: e-mails at 09:00
#: after a midnight anchor, data ending 3 hours before the window closes)
COHORT_SLACK = 0.1


@dataclass(frozen=True, kw_only=True)
class CohortWindow:
    """The cohort's anchor and its label window ``(start, end]``."""

    anchor: datetime
    start: datetime
    end: datetime

    def fits_the_data(self, data_start: datetime, data_end: datetime) -> bool:
        """Whether the data holds this whole window (history before the anchor is welcome), up to
        ``COHORT_SLACK`` of a window at either edge. A window much longer than the history (5 years
        over 2) is no cohort: its anchor would precede all data, or its labels run far past it."""
        slack = (self.end - self.start) * COHORT_SLACK
        return self.anchor >= data_start - slack and self.start < data_end and self.end <= data_end + slack


def cohort_window(bq: BoundQuery, horizon: tuple[float, str], *, data_end: datetime | None) -> CohortWindow | None:
    """The window at ``anchor_time`` or, without it, the one ending at the data's last timestamp."""
    window = bq.label_window
    anchor = bq.option("anchor_time") or (shift_py(data_end, -horizon[0], horizon[1]) if data_end else None)
    if anchor is None or window is None:
        return None
    start = shift_py(anchor, window.start, window.unit) if window.start and window.start > 0 else anchor
    return CohortWindow(anchor=anchor, start=start, end=shift_py(anchor, horizon[0], horizon[1]))


def strata(bq: BoundQuery) -> tuple[str, ...]:
    """Training-table columns to stratify the split by: the treatment, then a binary label."""
    binary = (bq.outcome_task if bq.task == TaskType.UPLIFT else bq.task) == TaskType.BINARY
    return (*(("treatment",) if bq.assuming is not None else ()), *(("label",) if binary else ()))


def cohort_schedule(bq: BoundQuery, horizon: tuple[float, str], *, data_start: datetime | None,
                    data_end: datetime | None, fallback_note: str | None = None) -> AnchorSchedule:
    """The single-anchor schedule; raises `PQLInputError` when the window cannot be labelled.

    ``fallback_note`` says why ``split = 'auto'`` chose this (kept first among the notes).
    """
    if bq.option("val_cutoff") or bq.option("test_cutoff"):
        raise PQLInputError("val_cutoff / test_cutoff split anchors by time; they do not apply to "
                            "WITH split = 'random', which splits one cohort's entities at random")
    cohort = cohort_window(bq, horizon, data_end=data_end)
    if cohort is None:
        raise PQLInputError("WITH split = 'random' needs a cohort anchor: give anchor_time, or data with timestamps")
    notes = [fallback_note] if fallback_note else []
    if data_end is not None and cohort.start >= data_end:
        raise PQLInputError(f"the cohort's label window starts at {cohort.start}, at or after the data's last "
                            f"timestamp ({data_end}): there is nothing to label; set anchor_time before {data_end}")
    if data_start is not None and cohort.end < data_start:
        raise PQLInputError(f"the cohort's label window ends at {cohort.end}, before the data's first timestamp "
                            f"({data_start}): every label would be empty; set anchor_time later")
    if data_end is not None and cohort.end > data_end:
        notes.append(f"the label window ends at {cohort.end}, after the data's last timestamp ({data_end}); "
                     "labels count the rows up to then: complete only if the data was exported after the experiment ended")
    # both cut-offs sit at the anchor: whatever is fitted on "the past" (the GNN's column encoders fit
    # rows up to val_cutoff) sees nothing after it, as for any anchor
    return AnchorSchedule(train=(cohort.anchor,), prediction_time=cohort.anchor, val_cutoff=cohort.anchor,
                          test_cutoff=cohort.anchor, data_start=data_start, data_end=data_end,
                          horizon=describe(*horizon), cohort=True, stratify=strata(bq),
                          seed=int(bq.option("seed", 0) or 0), notes=tuple(notes))


def fallback_note(cohort: CohortWindow, horizon: tuple[float, str], data_start: datetime,
                  data_end: datetime) -> str:
    """What ``split = 'auto'`` tells the user when it trains on one cohort instead of anchors over time."""
    return (f"no training anchor fits the temporal schedule (labels look {describe(*horizon)} ahead; data "
            f"{data_start} .. {data_end}), so the data is treated as one cohort: one labelled row per entity at "
            f"{cohort.anchor}, entities split at random; WITH split = 'random' asks for this explicitly, "
            "WITH split = 'time' refuses instead")
