"""Cohort training (WITH split = 'random' | 'auto' | 'time') on a tiny randomized e-mail experiment."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pyarrow as pa
import pytest

from engine.features import relational_features
from pql.errors import EngineError, PQLError, PQLInputError
from tests.labels.cohort import ANCHOR, N, OUTCOME, SEND, TREATED, emails, session, with_options


def _rows(tt) -> list[dict]:
    return tt.table.to_pylist()


def test_auto_falls_back_to_one_cohort_and_says_so():
    tt = session().training_table(with_options(TREATED, anchor_time="2024-05-01"))
    schedule = tt.schedule
    assert schedule.cohort and schedule.train == (ANCHOR,) and not schedule.val and not schedule.test
    assert schedule.prediction_time == ANCHOR and schedule.stratify == ("treatment", "label")
    fallback = next(w for w in tt.warnings if "no training anchor fits" in w)
    assert "WITH split = 'random'" in fallback and "WITH split = 'time'" in fallback
    assert "cohort (split = 'random'): one labelled anchor at 2024-05-01 00:00:00" in schedule.summary()
    # one labelled row per customer, all at the anchor; prediction rows: every customer at the anchor
    rows = _rows(tt)
    assert len(rows) == N and {r["anchor_time"] for r in rows} == {ANCHOR}
    assert sorted(r["customer_id"] for r in rows) == list(range(1, N + 1))
    assert tt.prediction.num_rows == N and set(tt.prediction.column("anchor_time").to_pylist()) == {ANCHOR}
    assert tt.counts() == {"train": 96, "val": 12, "test": 12}


def test_auto_without_anchor_time_uses_the_latest_window_that_ends_by_the_data():
    # without the purchase history the data spans less than one window, as in Hillstrom
    tt = session().training_table(TREATED + " USING customer, email, visit")
    assert tt.schedule.cohort and tt.schedule.data_start == SEND
    assert tt.schedule.prediction_time == tt.schedule.data_end - timedelta(days=14)
    assert not any("after the data's last timestamp" in w for w in tt.warnings)


def test_random_split_is_seeded_and_stable():
    s = session()

    def splits(seed):
        tt = s.training_table(with_options(TREATED, anchor_time="2024-05-01", split="random", seed=seed))
        assert not any("no training anchor fits" in w for w in tt.warnings)  # asked for: no fallback note
        return {r["customer_id"]: r["split"] for r in _rows(tt)}

    first = splits(0)
    assert splits(0) == first
    assert splits(1) != first
    assert Counter(first.values()) == {"train": 96, "val": 12, "test": 12}


def test_split_is_stratified_by_treatment_arm_and_label():
    tt = session().training_table(with_options(TREATED, anchor_time="2024-05-01", split="random", seed=3))
    by_split = Counter((r["split"], r["treatment"], r["label"]) for r in _rows(tt))
    # each arm has 10 visitors and 30 others: every split holds 10% / 10% / 80% of each
    for arm in (None, "Mens E-Mail", "Womens E-Mail"):
        for split, share in (("test", 0.1), ("val", 0.1), ("train", 0.8)):
            assert by_split[(split, arm, True)] == 10 * share
            assert by_split[(split, arm, False)] == 30 * share


def test_binary_target_without_assuming_is_stratified_by_label():
    tt = session().training_table(with_options(OUTCOME, anchor_time="2024-05-01", split="random"))
    assert tt.schedule.stratify == ("label",)
    for split in ("train", "val", "test"):
        assert tt.positive_rate(split) == pytest.approx(0.25)


def test_regression_target_is_split_without_strata():
    tt = session().training_table(with_options("PREDICT COUNT(visit.*, 0, 14, days) FOR EACH customer",
                                               anchor_time="2024-05-01", split="random"))
    assert tt.schedule.stratify == () and tt.counts() == {"train": 96, "val": 12, "test": 12}


def test_time_split_refuses_and_points_at_random():
    s = session()
    tt = s.training_table(with_options(TREATED, anchor_time="2024-05-01", split="time"))
    assert not tt.schedule.cohort and tt.schedule.train == () and tt.counts()["train"] == 0
    assert any("WITH split = 'random'" in w for w in tt.warnings)
    from engine.run import run

    with pytest.raises(EngineError, match="no training rows"):
        run(s.bind(with_options(TREATED, anchor_time="2024-05-01", split="time")), s.db, s.con)


def test_window_ending_after_the_data_is_allowed_with_a_note():
    tt = session().training_table(with_options(TREATED, anchor_time="2024-05-01", split="random"))
    (note,) = [w for w in tt.warnings if "after the data's last timestamp" in w]
    assert "2024-05-15 00:00:00" in note and "2024-05-14 12:00:00" in note
    assert "note: the label window ends at 2024-05-15 00:00:00" in tt.schedule.summary()


@pytest.mark.parametrize("anchor", ["2024-05-14 12:00:00", "2024-06-01"])
def test_window_starting_at_or_after_the_data_end_is_an_error(anchor):
    with pytest.raises(PQLInputError, match="starts at .* after the data's last timestamp"):
        session().training_table(with_options(TREATED, anchor_time=anchor, split="random"))


def test_window_ending_before_the_data_is_an_error():
    with pytest.raises(PQLInputError, match="before the data's first timestamp"):
        session().training_table(with_options(TREATED, anchor_time="2024-01-01", split="random"))


def test_time_cut_offs_do_not_mix_with_a_random_split():
    with pytest.raises(PQLInputError, match="val_cutoff / test_cutoff"):
        session().training_table(with_options(TREATED, anchor_time="2024-05-01", split="random",
                                              test_cutoff="2024-04-25"))


def test_a_misspelt_split_suggests_the_value():
    with pytest.raises(PQLError, match="option 'split' must be one of 'auto', 'time', 'random'; did you mean 'random'"):
        session().bind(with_options(TREATED, split="randon"))


def test_auto_does_not_take_a_window_the_data_does_not_hold_for_a_cohort():
    # labels running 2.5 days past the data: no cohort, and no training anchor
    tt = session().training_table(with_options(TREATED, anchor_time="2024-05-03"))
    assert not tt.schedule.cohort and tt.counts()["train"] == 0


def test_an_anchor_before_the_data_is_an_error():
    with pytest.raises(PQLError, match="anchor_time 2024-04-01 00:00:00 is before the first timestamp"):
        session().training_table(with_options(TREATED, anchor_time="2024-04-01"))


def test_history_long_enough_keeps_the_temporal_schedule():
    # a 2-day window fits the 11 days of purchase history before the anchor: anchors step through time
    tt = session().training_table("PREDICT COUNT(purchase.*, 0, 2, days) > 0 FOR EACH customer "
                                  "WITH anchor_time = '2024-05-01'")
    assert not tt.schedule.cohort and len(tt.schedule.train) > 1


# ---- no leakage: the treatment is sent after the anchor, so features never see it ---------------


def _features(s, tt) -> pa.Table:
    seeds = tt.table.select(["customer_id", "anchor_time"])
    return relational_features(s.con, s.db, "customer", seeds, horizon=timedelta(days=14))


def test_treatment_rows_are_invisible_to_features_at_the_anchor():
    query = with_options(TREATED, anchor_time="2024-05-01", split="random")
    s = session()
    tt = s.training_table(query)
    features = _features(s, tt)
    assert "treatment" not in features.column_names and "label" not in features.column_names
    history = [c for c in features.column_names if "purchase" in c]
    assert history and any(v for c in history for v in features.column(c).to_pylist())  # features see the past
    # the same experiment with e-mails to other customers and other arms, still after the anchor: same features
    other = session(emails(send=SEND + timedelta(days=2), shift=7))
    assert _features(other, other.training_table(query)).equals(features)
    # ... while the same e-mails sent before the anchor do change them (the check can fail)
    early = session(emails(send=ANCHOR - timedelta(hours=1)))
    assert not _features(early, tt).equals(features)


@pytest.mark.parametrize("option,value,message", [
    ("test_cutoff", "2099-01-01", "test_cutoff 2099-01-01 00:00:00 is after the last timestamp"),
    ("val_cutoff", "1900-01-01", "val_cutoff 1900-01-01 00:00:00 is at or before the first timestamp"),
])
def test_cutoffs_outside_the_data_are_errors(option, value, message):
    with pytest.raises(PQLInputError, match=message):
        session().training_table(with_options("PREDICT COUNT(purchase.*, 0, 2, days) > 0 FOR EACH customer",
                                              **{option: value}))


def test_an_anchor_after_the_data_is_a_note():
    tt = session().training_table(with_options("PREDICT COUNT(purchase.*, 0, 2, days) > 0 FOR EACH customer",
                                               anchor_time="2030-01-01"))
    assert any("days after the last timestamp the query reads" in n for n in tt.schedule.notes)
