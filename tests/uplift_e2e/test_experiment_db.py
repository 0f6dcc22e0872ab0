"""`Session.analyze_experiment` / `pql experiment`: outcomes as PQL per unit, from each unit's own
assignment time, checked against numbers worked out by hand on a tiny database."""
from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from click.testing import CliRunner

import pql
from pql.cli import main
from pql.errors import PQLError

SCHEMA = """
create table member(member_id bigint primary key, tenure double);
create table test_assignment(id bigint primary key, member_id bigint references member(member_id), variant varchar,
                             assigned_at timestamp);
create table mailing(id bigint primary key, member_id bigint references member(member_id), version varchar,
                     sent_at timestamp);
create table visit(id bigint primary key, member_id bigint references member(member_id), ts timestamp);
create table purchase(id bigint primary key, member_id bigint references member(member_id), amount double,
                      ts timestamp);
insert into member select i, i * 1.5 from range(1, 11) t(i);
insert into test_assignment values
  (1, 1, 'control', '2024-01-01'), (2, 2, 'control', '2024-01-05'), (3, 3, 'control', '2024-01-02'),
  (4, 4, 'control', '2024-01-10'), (5, 5, 'new', '2024-01-01'), (6, 6, 'new', '2024-01-03'),
  (7, 7, 'new', '2024-01-07'), (8, 8, 'new', '2024-01-04');
insert into visit values
  (1, 1, '2024-01-03'),                          -- m1: inside (01-01, 01-15]          -> 1
  (2, 2, '2024-01-04'), (3, 2, '2024-01-25'),    -- m2: before its anchor, after window -> 0
  (4, 4, '2024-01-10'), (5, 4, '2024-01-24'),    -- m4: at the anchor (out), at +14d exactly (in) -> 1
  (6, 5, '2024-01-02'),                          -- m5 -> 1
  (7, 6, '2024-01-10'), (8, 6, '2024-01-11'),    -- m6: two visits -> 1 (count 2)
  (9, 7, '2024-01-21'),                          -- m7: 01-07 + 14d = 01-21, inside -> 1
  (10, 8, '2024-01-19'),                         -- m8: 01-04 + 14d = 01-18, outside -> 0
  (11, 9, '2024-01-05'),                         -- m9 is in no test arm
  (12, 10, '2024-03-01');                        -- the data runs past every window (m10: in no arm, no window)
insert into purchase values
  (1, 1, 20, '2023-12-20'), (2, 1, 5, '2023-11-01'),   -- m1 pre-period (30 days): 20
  (3, 2, 10, '2024-01-01'), (4, 4, 7, '2024-01-09'),   -- m2: 10, m4: 7
  (5, 5, 30, '2023-12-15'), (6, 6, 12, '2024-01-02'),  -- m5: 30, m6: 12
  (7, 8, 3, '2024-01-04'),                             -- m8: at its anchor, counts (t <= anchor): 3
  (8, 6, 40, '2024-01-05'), (9, 1, 8, '2024-01-05'),   -- after assignment: outcome side only
  (10, 3, 6, '2024-01-03'), (11, 5, 9, '2024-01-10'),
  (12, 9, 1, '2024-03-01');                            -- m9, in no test arm: the data runs past every window
insert into mailing values (1, 1, 'a', '2024-02-01 09:00'), (2, 2, 'b', '2024-02-01 09:00'),
  (3, 3, 'a', '2024-02-01 09:00'), (4, 4, 'b', '2024-02-01 09:00');
"""
VISITED = "COUNT(visit.*, 0, 14, days) > 0"
PRE_SPEND = "SUM(purchase.amount, -30, 0, days)"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("experiment") / "tiny.duckdb"
    con = duckdb.connect(str(path))
    con.execute(SCHEMA)
    con.close()
    return path


def analyse(db: Path, *args, **kwargs):
    with pql.connect(str(db)) as session:
        return session.analyze_experiment(*args, **kwargs)


def test_binary_outcome_per_unit_from_its_own_assignment_time(tiny):
    report = analyse(tiny, "test_assignment", "variant", VISITED, control="control")
    units = {r["unit"]: r[VISITED] for r in report.units.to_pylist()}
    assert units == {1: True, 2: False, 3: False, 4: True, 5: True, 6: True, 7: True, 8: False}
    a = report.analysis
    assert a.outcome_type == "binary" and a.control == "control"
    assert [(s.arm, s.n, s.mean) for s in a.arms] == [("control", 4, 0.5), ("new", 4, 0.75)]
    (lift,) = a.comparisons
    assert lift.absolute_lift == pytest.approx(0.25)
    assert lift.relative_lift == pytest.approx(0.5)
    # unpooled standard error of the difference, by hand: sqrt(.5*.5/4 + .75*.25/4)
    se = np.sqrt(0.5 * 0.5 / 4 + 0.75 * 0.25 / 4)
    assert lift.absolute_ci[1] - lift.absolute_ci[0] == pytest.approx(2 * 1.959964 * se, rel=1e-4)
    assert "experiment on 'COUNT(visit.*, 0, 14, days) > 0' (binary)" in report.render()


def test_count_outcome_and_cuped_on_a_pre_period_aggregation(tiny):
    report = analyse(tiny, "test_assignment", "variant", "COUNT(visit.*, 0, 14, days)", control="control",
                     covariate=PRE_SPEND)
    rows = {r["unit"]: (r["COUNT(visit.*, 0, 14, days)"], r[PRE_SPEND]) for r in report.units.to_pylist()}
    assert rows == {1: (1, 20.0), 2: (0, 10.0), 3: (0, 0.0), 4: (1, 7.0), 5: (1, 30.0), 6: (2, 12.0),
                    7: (1, 0.0), 8: (0, 3.0)}
    a = report.analysis
    assert a.outcome_type == "continuous"
    assert [s.mean for s in a.arms] == [0.5, 1.0]
    y = np.array([1, 0, 0, 1, 1, 2, 1, 0], dtype=float)
    x = np.array([20, 10, 0, 7, 30, 12, 0, 3], dtype=float)
    assert a.cuped is not None
    assert a.cuped.theta == pytest.approx(np.cov(y, x)[0, 1] / np.var(x, ddof=1))


def test_empty_windows_drop_units_for_avg(tiny):
    report = analyse(tiny, "test_assignment", "variant", "AVG(purchase.amount, 0, 14, days)", control="control")
    outcome = {r["unit"]: r["AVG(purchase.amount, 0, 14, days)"] for r in report.units.to_pylist()}
    assert outcome == {1: 8.0, 3: 6.0, 5: 9.0, 6: 40.0}  # m8's purchase is at its anchor: outside
    assert report.warnings == ("4 units dropped: no outcome (an empty window for AVG/MIN/MAX/FIRST/LAST)",)
    assert [s.mean for s in report.analysis.arms] == [7.0, 24.5]


def test_control_is_everyone_without_an_assignment_row(tiny):
    report = analyse(tiny, "mailing", "version", VISITED, control="holdout")
    arms = {s.arm: s.n for s in report.analysis.arms}
    assert arms == {"holdout": 6, "a": 2, "b": 2}  # members 5..10 were never mailed
    assert any("control arm 'holdout' = the units of 'member' with no row in 'mailing'" in n for n in report.notes)
    # every outcome window starts at the one send time, 2024-02-01 09:00: no visit falls in it
    assert set(report.units.column(VISITED).to_pylist()) == {False}


def test_staggered_assignments_need_a_control_time(tiny):
    with pytest.raises(PQLError, match="control_at"):
        analyse(tiny, "test_assignment", "variant", VISITED, control="holdout")
    report = analyse(tiny, "test_assignment", "variant", VISITED, control="holdout", control_at="2024-01-01")
    assert {s.arm: s.n for s in report.analysis.arms} == {"holdout": 2, "control": 4, "new": 4}
    holdout = {r["unit"]: r[VISITED] for r in report.units.to_pylist() if r["arm"] == "holdout"}
    assert holdout == {9: True, 10: False}  # m9 visited on 01-05, inside (01-01, 01-15]


def test_errors_name_the_problem(tiny):
    with pytest.raises(PQLError, match="has no column 'varient'; did you mean 'variant'"):
        analyse(tiny, "test_assignment", "varient", VISITED)
    with pytest.raises(PQLError, match="unknown table 'vist'; did you mean 'visit'"):
        analyse(tiny, "test_assignment", "variant", "COUNT(vist.*, 0, 14, days) > 0", control="control")
    with pytest.raises(PQLError, match="window looks back"):
        analyse(tiny, "test_assignment", "variant", VISITED, control="control", covariate="SUM(purchase.amount, 0, 5)")
    with pytest.raises(PQLError, match="an outcome window looks forward"):
        analyse(tiny, "test_assignment", "variant", "COUNT(visit.*, -7, 0, days) > 0", control="control")
    with pytest.raises(PQLError, match="no arm is called 'Control'; did you mean 'control'"):
        analyse(tiny, "test_assignment", "variant", VISITED, control="Control")


def test_outcome_errors_point_into_the_outcome_text(tiny):
    outcome = "COUNT(vist.*, 0, 14, days) > 0"
    with pytest.raises(PQLError) as info:
        analyse(tiny, "test_assignment", "variant", outcome, control="control")
    assert info.value.message.startswith("in the outcome: unknown table 'vist'")
    assert outcome[info.value.span.start:info.value.span.end] == "vist"
    assert info.value.text == outcome


def test_cli(tiny, tmp_path):
    out_file = tmp_path / "lift.csv"
    result = CliRunner().invoke(main, ["experiment", "--db", str(tiny), "--assignments", "test_assignment",
                                       "--arm", "variant", "--outcome", VISITED, "--control", "control",
                                       "--covariate", PRE_SPEND, "-o", str(out_file)])
    assert result.exit_code == 0, result.output
    assert "CUPED on 'SUM(purchase.amount, -30, 0, days)'" in result.output
    assert "sample ratio: chi2 0.00 (df 1)" in result.output
    assert out_file.read_text().count("\n") == 5  # header + (none, cuped) × (control, new)
    bad = CliRunner().invoke(main, ["experiment", "--db", str(tiny), "--assignments", "test_assignment",
                                    "--arm", "variant", "--outcome", "COUNT(vist.*, 0, 14) > 0"])
    assert bad.exit_code == 1 and "did you mean 'visit'" in bad.output and "Traceback" not in bad.output


def test_a_unit_assigned_twice_is_named_with_its_table(tiny, tmp_path):
    import shutil

    copy = tmp_path / "twice.duckdb"
    shutil.copy(tiny, copy)
    con = duckdb.connect(str(copy))
    con.execute("insert into test_assignment values (9, 1, 'new', '2024-01-06')")
    con.close()
    with pytest.raises(PQLError, match=r"1 member units have more than one row in 'test_assignment' "
                                        r"\(1 extra rows; e\.g\. 1 has 2\)"):
        analyse(copy, "test_assignment", "variant", VISITED, control="control")
