"""CSV dates: a layout DuckDB's sniffer guesses with the day or month first is left to pql's own check,
which keeps a column that reads both ways as text, with a note (as for JSON, Parquet and SQLite)."""
from __future__ import annotations

import connectors


def _types(source, table: str) -> dict[str, str]:
    return {r[0]: r[1] for r in source.connection.sql(f'DESCRIBE "{table}"').fetchall()}


def _open_csv(tmp_path, text: str):
    (tmp_path / "thing.csv").write_text(text)
    return connectors.open(tmp_path)


def test_dates_that_read_both_ways_stay_text_with_a_note(tmp_path):
    rows = "".join(f"{i},{d}\n" for i, d in enumerate(["06/01/2021", "04/12/2021", "04/08/2021", "10/04/2021"] * 20))
    with _open_csv(tmp_path, "thing_id,when\n" + rows) as source:
        assert _types(source, "thing")["when"] == "VARCHAR"
        assert source.connection.sql('SELECT "when" FROM thing LIMIT 1').fetchall() == [("06/01/2021",)]
        assert any(n.startswith("thing.when: text that reads as dates both month-first and day-first")
                   for n in source.notes)


def test_day_first_dates_are_read_day_first_with_a_note(tmp_path):
    with _open_csv(tmp_path, "thing_id,when,at\n1,06/01/2021,13/01/2021 10:00\n2,13/01/2021,06/01/2021 08:30\n") as source:
        assert _types(source, "thing") == {"thing_id": "BIGINT", "when": "TIMESTAMP", "at": "TIMESTAMP"}
        assert source.connection.sql('SELECT CAST("when" AS VARCHAR), CAST("at" AS VARCHAR) FROM thing '
                                     "ORDER BY thing_id").fetchall() == [
            ("2021-01-06 00:00:00", "2021-01-13 10:00:00"), ("2021-01-13 00:00:00", "2021-01-06 08:30:00")]
        assert "thing.when: text column holding timestamps, read as TIMESTAMP (day/month/year)" in source.notes


def test_month_first_dates_are_read_month_first(tmp_path):
    with _open_csv(tmp_path, "thing_id,when\n1,12/13/2021\n2,01/06/2021\n") as source:
        assert source.connection.sql('SELECT CAST("when" AS DATE) FROM thing ORDER BY thing_id').fetchall()[1][0].isoformat() \
            == "2021-01-06"
        assert "thing.when: text column holding timestamps, read as TIMESTAMP (month/day/year)" in source.notes


def test_year_first_dates_keep_the_sniffers_type(tmp_path):
    with _open_csv(tmp_path, "thing_id,iso,slashed,at\n1,2021-01-06,2021/01/06,2021-01-06 10:00:00\n"
                             "2,2021-02-07,2021/02/07,2021-02-07 11:00:00\n") as source:
        assert _types(source, "thing") == {"thing_id": "BIGINT", "iso": "DATE", "slashed": "DATE", "at": "TIMESTAMP"}
        assert source.notes == ()


def test_two_digit_years_are_not_guessed(tmp_path):
    with _open_csv(tmp_path, "thing_id,when\n1,06.01.21\n2,07.01.21\n") as source:  # DuckDB alone: 2006-01-21
        assert _types(source, "thing")["when"] == "VARCHAR"
