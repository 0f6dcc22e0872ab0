"""Anchor schedules: RelBench's construction with cut-offs, the default one without, and their edges."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.labels import build_schedule
from pql.errors import PQLInputError
from tests.labels.builders import agg, query

D = timedelta(days=1)
START, END = datetime(2020, 1, 1), datetime(2022, 1, 1)


def schedule(target=None, steps=1, **options):
    bq = query(target or agg("COUNT", "orders", None, 0, 30), **options)
    return build_schedule(bq, data_start=START, data_end=END, steps=steps)


def test_relbench_construction_with_both_cutoffs():
    s = schedule(val_cutoff=datetime(2021, 1, 1), test_cutoff=datetime(2021, 7, 1))
    assert s.train[-1] == datetime(2021, 1, 1) - 30 * D and s.train[0] >= START
    assert s.train[0] - 30 * D < START  # as far back as the data goes
    assert all(b - a == 30 * D for a, b in zip(s.train, s.train[1:]))
    assert s.val[0] == datetime(2021, 1, 1) and s.val[-1] + 30 * D <= datetime(2021, 7, 1) < s.val[-1] + 60 * D
    assert s.test[0] == datetime(2021, 7, 1) and s.test[-1] + 30 * D <= END
    assert (s.val_cutoff, s.test_cutoff) == (datetime(2021, 1, 1), datetime(2021, 7, 1))


def test_eval_splits_are_capped():
    s = schedule(val_cutoff=datetime(2020, 6, 1), test_cutoff=datetime(2021, 6, 1), max_eval_anchors=3)
    assert len(s.val) == 3 and len(s.test) == 3


def test_default_schedule_ends_at_the_last_timestamp_and_splits_latest_windows():
    s = schedule()
    every = [*s.train, *s.val, *s.test]
    assert s.test[-1] == END - 30 * D  # the latest complete window ends at the data's end
    assert every == sorted(every) and len(set(every)) == len(every)
    assert len(s.test) == len(s.val) == len(every) // 10
    assert s.val_cutoff == s.val[0] and s.test_cutoff == s.test[0]
    assert s.train[-1] + 30 * D <= s.val_cutoff and s.val[-1] + 30 * D <= s.test_cutoff
    assert s.prediction_time == END


def test_shorter_stride_never_lets_labels_cross_a_cutoff():
    s = schedule(anchor_stride=7)
    assert len(s.val) == len(s.test) > 1
    assert all(t + 30 * D <= s.val_cutoff for t in s.train)
    assert all(t + 30 * D <= s.test_cutoff for t in s.val)
    assert s.train[1] - s.train[0] == 7 * D


def test_shorter_stride_with_only_a_test_cutoff():
    s = schedule(anchor_stride=7, test_cutoff=datetime(2021, 7, 1))
    assert s.val and s.train and s.test[0] == datetime(2021, 7, 1)
    assert all(t + 30 * D <= s.val_cutoff for t in s.train) and s.val[-1] + 30 * D <= s.test_cutoff


def test_options_cap_start_and_move_the_prediction_time():
    s = schedule(max_anchors=5, train_start=datetime(2020, 6, 1), anchor_time=datetime(2021, 10, 1))
    assert len(s.train) == 5 and s.prediction_time == datetime(2021, 10, 1)
    assert s.test[-1] + 30 * D <= datetime(2021, 10, 1)  # no label reaches past the prediction time
    assert any("max_anchors" in n for n in s.info)


def test_month_windows_step_by_calendar_months():
    s = schedule(agg("COUNT", "orders", None, 0, 1, "months"))
    assert s.test[-1] == datetime(2021, 12, 1)
    assert all(t.day == 1 for t in (*s.train, *s.val, *s.test))


def test_forecast_horizon_covers_every_step():
    s = schedule(steps=3)
    assert s.test[-1] + 90 * D <= END < s.test[-1] + 120 * D
    assert s.horizon == "90 days"


def test_window_longer_than_the_history_is_reported():
    s = schedule(agg("COUNT", "orders", None, 0, 5, "years"))
    assert not s.train and any("no complete window fits" in n for n in s.notes)


def test_cutoffs_in_the_wrong_order_are_an_error():
    with pytest.raises(PQLInputError, match="before test_cutoff"):
        schedule(val_cutoff=datetime(2021, 7, 1), test_cutoff=datetime(2021, 1, 1))


def test_long_window_over_short_history_steps_finer_without_overlapping_splits():
    s = schedule(agg("SUM", "orders", "amount", 0, 6, "months"))  # 2 years of data: 4 six-month steps
    every = [*s.train, *s.val, *s.test]
    assert len(every) >= 6 and "overlapping windows" in s.stride
    assert s.test[-1] == datetime(2021, 7, 1)  # the latest complete window still ends at the data's end
    assert all(t + 184 * D <= s.val_cutoff for t in s.train) and s.val[-1] + 184 * D <= s.test_cutoff


def test_explicit_stride_or_cutoffs_keep_the_window_stride():
    s = schedule(agg("SUM", "orders", "amount", 0, 6, "months"), anchor_stride=182)
    assert "overlapping" not in s.stride


def test_anchors_start_one_window_before_the_targets_first_row():
    """Another table's years of older rows (referrals before the purchase log began) must not put
    anchors where every label window lies before the target table's first row."""
    bq = query(agg("COUNT", "orders", None, 0, 30))
    first_order = datetime(2021, 3, 1)
    s = build_schedule(bq, data_start=START, data_end=END, target_start=first_order)
    assert s.train[0] >= first_order - 30 * D and s.train[0] - 30 * D < first_order - 30 * D
    assert any("one window before the target's first row" in n for n in s.info)  # a note: nothing to act on
    assert not any("one window before" in n for n in s.notes)
    # a target table that starts with the data changes nothing, and says nothing
    same = build_schedule(bq, data_start=START, data_end=END, target_start=START + D)
    assert same == build_schedule(bq, data_start=START, data_end=END)


def test_older_rows_of_another_table_do_not_place_anchors_before_the_target_through_the_api():
    import pandas as pd

    import pql

    days = pd.date_range("2023-01-01", periods=150, freq="D")
    tables = {
        "customers": pd.DataFrame({"customer_id": range(20)}),
        "purchases": pd.DataFrame({"purchase_id": range(300), "customer_id": [i % 20 for i in range(300)],
                                   "ts": [days[i % 150] for i in range(300)]}),
        "referrals": pd.DataFrame({"referral_id": range(20), "customer_id": range(20),  # from 2018 on
                                   "ts": pd.date_range("2018-01-01", periods=20, freq="90D")}),
    }
    with pql.connect(tables) as s:
        tt = s.training_table("PREDICT COUNT(purchases.*, 0, 30, days) > 0 FOR EACH customers")
    assert tt.schedule.data_start == datetime(2018, 1, 1)  # the data still starts with the referrals
    assert tt.schedule.train[0] >= datetime(2023, 1, 1) - 30 * D
    labels = [r["label"] for r in tt.table.to_pylist() if r["split"] == "train"]
    assert sum(labels) > 0.5 * len(labels)  # anchors from 2018 would make nearly every label "no purchase"
    assert any("one window before" in n for n in tt.notes) and not any("one window before" in w for w in tt.warnings)


@pytest.mark.parametrize("options", [
    {"train_start": datetime(2030, 1, 1)},  # after the data's end
    {"train_start": END},  # at it
    {"train_start": datetime(2021, 3, 1), "val_cutoff": datetime(2021, 1, 1)},  # after a cut-off
    {"train_start": datetime(2021, 9, 1), "test_cutoff": datetime(2021, 7, 1)},
])
def test_a_train_start_no_anchor_can_follow_is_an_error_at_the_option(options):
    from pql.errors import OptionValueError

    with pytest.raises(OptionValueError, match="train_start") as e:
        schedule(**options)
    assert e.value.option == "train_start"


def test_a_train_start_inside_the_data_only_trims_training():
    s = schedule(train_start=datetime(2021, 1, 1))
    assert s.train and min(s.train) >= datetime(2021, 1, 1)
