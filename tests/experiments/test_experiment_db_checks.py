"""`pql experiment` / `Session.analyze_experiment` on a holdout test whose purchases end 14 days after the
last assignment: windows past the data, the designed split, and errors in the user's own words."""
from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import pql
from pql.cli import main
from pql.errors import PQLError

# 600 customers: 1..500 assigned (every 10th to the holdout), 2024-01-01 .. 01-05; 501..600 never assigned.
# Purchases run 2023-12-01 .. 2024-01-19 (14 days after the last assignment); `note` has no time column.
SCHEMA = """
create table customer(customer_id bigint primary key, region varchar);
create table assignment(id bigint primary key, customer_id bigint references customer(customer_id), arm varchar,
                        assigned_at timestamp);
create table purchase(id bigint primary key, customer_id bigint references customer(customer_id), amount double,
                      ts timestamp);
create table note(id bigint primary key, customer_id bigint references customer(customer_id), body varchar);
insert into customer select i, 'north' from range(1, 601) t(i);
insert into assignment select i, i, case when i % 10 = 0 then 'holdout' else 'treatment' end,
  timestamp '2024-01-01' + (i % 5) * interval 1 day from range(1, 501) t(i);
insert into purchase select i, 1 + (i * 7919) % 600, 10 + i % 50, timestamp '2023-12-01' + (i % 50) * interval 1 day
  from range(1, 1501) t(i);
insert into note select i, i, 'hi' from range(1, 11) t(i);
"""
BOUGHT = "COUNT(purchase.*, 0, 14, days) > 0"
BASE = ["experiment", "--assignments", "assignment", "--arm", "arm"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("holdout") / "exp.duckdb"
    con = duckdb.connect(str(path))
    con.execute(SCHEMA)
    con.close()
    return path


def analyse(db: Path, outcome: str = BOUGHT, **kwargs):
    with pql.connect(str(db)) as session:
        return session.analyze_experiment("assignment", "arm", outcome, **kwargs)


def cli(db: Path, *args: str):
    return CliRunner().invoke(main, [*BASE, "--db", str(db), *args])


def test_windows_past_the_data_warn_and_count_the_units(shop):
    assert not any("outcome windows" in w for w in analyse(shop).warnings)  # 14 days fit every unit
    report = analyse(shop, "COUNT(purchase.*, 0, 16, days) > 0")
    # windows end 01-17 .. 01-21; a tenth of 16 days' slack keeps 01-20, so only the units assigned 01-05
    # (i % 5 == 4: 100 units, none of them in the holdout) run past the last purchase, 01-19
    assert ("100 of 500 units' outcome windows end after the last timestamp the outcome reads "
            "(2024-01-19 00:00:00)") in report.render()
    assert "(by arm: treatment 100)" in report.render()


def test_windows_wholly_past_the_data_are_an_error(shop):
    with pytest.raises(PQLError, match=r"every unit's outcome window ends after the last timestamp the outcome "
                                       r"reads \(2024-01-19 00:00:00\).*has 18 days of data"):
        analyse(shop, "COUNT(purchase.*, 0, 60, days) > 0")
    # the never-assigned customers as a holdout anchored in 2030: nothing they did can be seen
    with pytest.raises(PQLError, match="every outcome window of arm 'rest' starts at or after the last timestamp"):
        analyse(shop, control="rest", control_at="2030-01-01")


def test_expected_split_on_the_command_line(shop):
    equal = cli(shop, "--outcome", BOUGHT)
    assert equal.exit_code == 0, equal.output
    assert "assuming equal arms -> MISMATCH" in equal.output and "--expected-split" in equal.output
    designed = cli(shop, "--outcome", BOUGHT, "--expected-split", "holdout=0.1,treatment=0.9")
    assert designed.exit_code == 0, designed.output
    assert "assuming holdout=0.1, treatment=0.9 -> ok" in designed.output
    assert "sample ratio mismatch" not in designed.output


@pytest.mark.parametrize("split, message", [
    ("holdout=0.1,treatmnt=0.9", "missing ['treatment'], unknown ['treatmnt']; did you mean 'treatment'?"),
    ("holdout=0.1,treatment=0.8", "the shares must add up to 1, they add up to 0.9"),
    ("holdout:0.1,treatment=0.9", "cannot read 'holdout:0.1'"),
])
def test_a_bad_expected_split_names_the_option(shop, split, message):
    result = cli(shop, "--outcome", BOUGHT, "--expected-split", split)
    assert result.exit_code == 1 and "--expected-split" in result.output and message in result.output
    assert "Traceback" not in result.output


def test_control_at_that_is_no_time(shop):
    result = cli(shop, "--outcome", BOUGHT, "--control", "rest", "--control-at", "notatime")
    assert result.exit_code == 1
    assert "control_at (--control-at) 'notatime' is not a time" in result.output
    assert "internal error" not in result.output


def test_at_must_name_a_time_column(shop):
    with pytest.raises(PQLError, match=r"must be a timestamp column, but 'assignment.arm' is VARCHAR.*"
                                       r"did you mean 'assigned_at'"):
        analyse(shop, at="arm")
    result = cli(shop, "--outcome", BOUGHT, "--at", "id")
    assert result.exit_code == 1 and "'assignment.id' is BIGINT" in result.output and "SELECT" not in result.output


def test_an_id_as_the_arm_is_named_not_listed(shop):
    result = CliRunner().invoke(main, ["experiment", "--db", str(shop), "--assignments", "assignment", "--arm",
                                       "customer_id", "--control", "1", "--outcome", BOUGHT])
    assert result.exit_code == 1
    assert "500 distinct values" in result.output and "… 490 more" in result.output
    assert "looks like an id" in result.output and len(result.output) < 400


def test_an_unfinished_outcome_points_at_its_own_end(shop):
    outcome = "COUNT(purchase.*, 0, 14, days) >"
    with pytest.raises(PQLError) as info:
        analyse(shop, outcome)
    error = info.value
    assert error.message.startswith("in the outcome: unexpected end of the outcome; expected")
    assert "FOR" not in str(error)
    assert error.text == outcome and error.span.start == len(outcome)


def test_a_covariate_that_looks_forward_is_told_so_as_a_covariate(shop):
    with pytest.raises(PQLError) as info:
        analyse(shop, covariate="COUNT(purchase.*, 0, 14, days)")
    error = info.value
    assert error.message.startswith("in the covariate: a covariate window looks back")
    assert "WHERE" not in str(error) and "ASSUMING" not in str(error)
    assert error.hint.startswith("e.g. COUNT(purchase.*, -90, 0, days)")


def test_a_table_without_time_hints_at_this_command(shop):
    result = cli(shop, "--outcome", "COUNT(note.*, 0, 14, days) > 0")
    assert result.exit_code == 1 and "has no time column" in result.output
    assert "WITH schema" not in result.output and "--override 'time note = <column>'" in result.output
    assert "pql_schema.toml" in result.output


def test_override_reaches_the_schema(shop):
    result = cli(shop, "--outcome", BOUGHT, "--override", "time purchase = none")
    assert result.exit_code == 1 and "cannot aggregate 'purchase' over time" in result.output
    assert "--override 'time purchase = ts'" in result.output


def test_an_absent_control_arm_needs_units_without_a_row(tmp_path, shop):
    import shutil

    every = tmp_path / "every.duckdb"
    shutil.copy(shop, every)
    con = duckdb.connect(str(every))
    con.execute("delete from purchase where customer_id > 500; delete from customer where customer_id > 500")
    con.close()
    with pytest.raises(PQLError, match=r"control arm 'foo' is not among the arms \('holdout', 'treatment'\), and "
                                       r"it cannot stand for the units with no row in 'assignment': every customer "
                                       r"unit has one"):
        analyse(every, control="foo")


def test_output_file_keeps_the_srm_verdict_and_cuped_fit(shop, tmp_path):
    out = tmp_path / "e.csv"
    result = cli(shop, "--outcome", BOUGHT, "--covariate", "SUM(purchase.amount, -30, 0, days)",
                 "--expected-split", "holdout=0.1,treatment=0.9", "-o", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 4
    assert {r["srm_mismatch"] for r in rows} == {"false"}
    assert [float(r["srm_expected_share"]) for r in rows] == [0.1, 0.9, 0.1, 0.9]
    report = analyse(shop, covariate="SUM(purchase.amount, -30, 0, days)")
    assert float(rows[0]["cuped_theta"]) == pytest.approx(report.analysis.cuped.theta)
    assert float(rows[0]["cuped_variance_reduction"]) == pytest.approx(report.analysis.cuped.variance_reduction)
    assert float(rows[0]["srm_p_value"]) == pytest.approx(1.0)
