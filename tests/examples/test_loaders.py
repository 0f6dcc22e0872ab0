"""Loaders on the real data in ../shared/data (skipped, with the reason, where it is absent)."""
from datetime import datetime

import duckdb
import pandas as pd
import pytest

from examples.loaders import completejourney, f1, hillstrom, online_retail
from examples_db_helpers import constraints, rows, table_columns
from pql.errors import ConnectorError


def _needs(module):
    if not module.DEFAULT_DATA_DIR.is_dir():
        pytest.skip(f"real data not present at {module.DEFAULT_DATA_DIR}")


def test_missing_data_is_a_connector_error(tmp_path):
    with pytest.raises(ConnectorError, match="races.csv"):
        f1.load(tmp_path / "f1.duckdb", data_dir=tmp_path)


def test_f1_follows_the_relbench_recipe(tmp_path):
    _needs(f1)
    db = f1.load(tmp_path / "f1.duckdb")
    columns = table_columns(db)
    assert set(columns) == {"races", "circuits", "drivers", "results", "standings", "constructors",
                            "constructor_results", "constructor_standings", "qualifying"}
    assert columns["drivers"] == ["driverId", "dob", "nationality"]
    assert "url" not in columns["circuits"] and "positionText" not in columns["results"]
    keys = constraints(db)
    assert ("results", "PRIMARY KEY", ("resultId",), None) in keys
    assert {("results", "FOREIGN KEY", (c,), t) for c, t in
            [("raceId", "races"), ("driverId", "drivers"), ("constructorId", "constructors")]} <= keys
    assert ("races", "FOREIGN KEY", ("circuitId",), "circuits") in keys
    # race time joined into the date; qualifying the day before; \N became NULL
    assert rows(db, "SELECT date FROM races WHERE raceId = 1") == [(datetime(2009, 3, 29, 6, 0),)]
    assert rows(db, """SELECT count(*) FROM qualifying q JOIN races r USING (raceId)
                       WHERE q.date <> r.date - INTERVAL 1 DAY""") == [(0,)]
    assert rows(db, "SELECT count(*) FROM results WHERE position IS NULL")[0][0] > 1000
    assert rows(db, "SELECT count(*) FROM results") == [(25_860,)]
    # the unraced rest of the 2023 calendar is dropped
    (last,), = rows(db, "SELECT max(date) FROM races")
    assert rows(db, "SELECT max(date) FROM results") == [(last,)]


def test_hillstrom_reproduces_the_published_visit_rates(tmp_path):
    _needs(hillstrom)
    db = hillstrom.load(tmp_path / "hillstrom.duckdb")
    rates = dict(rows(db, hillstrom.VISIT_RATE_SQL))
    assert rates.keys() == hillstrom.PUBLISHED_VISIT_RATES.keys()
    for arm, published in hillstrom.PUBLISHED_VISIT_RATES.items():
        assert rates[arm] == pytest.approx(published, abs=5e-5)
    assert rows(db, "SELECT count(*), count(DISTINCT sent_at) FROM email") == [(42_694, 1)]
    (first, last), = rows(db, "SELECT min(timestamp), max(timestamp) FROM conversion")
    assert hillstrom.ANCHOR < first and last <= hillstrom.ANCHOR + pd.Timedelta(days=14)
    assert ("visit", "FOREIGN KEY", ("customer_id",), "customer") in constraints(db)


def test_online_retail_combines_both_years_without_the_overlap(tmp_path):
    _needs(online_retail)
    db = online_retail.load(tmp_path / "retail.duckdb", start="2010-11-28", end="2010-12-04")
    assert set(table_columns(db)) == {"customers", "products", "invoices", "invoice_lines"}
    keys = constraints(db)
    assert {("invoice_lines", "FOREIGN KEY", ("invoice_no",), "invoices"),
            ("invoice_lines", "FOREIGN KEY", ("stock_code",), "products"),
            ("invoices", "FOREIGN KEY", ("customer_id",), "customers")} <= keys
    # the days both files hold come from the 2010-11 file alone, so they are not doubled
    with duckdb.connect() as con:
        (expected,), = con.execute("""
            SELECT count(*) FROM read_parquet(?) WHERE "CustomerID" IS NOT NULL
            AND "InvoiceDate" >= TIMESTAMP '2010-12-01' AND "InvoiceDate" < TIMESTAMP '2010-12-04'""",
            [str(online_retail.DEFAULT_DATA_DIR / online_retail.FILE_2010)]).fetchall()
    (before, after), = rows(db, """SELECT count(*) FILTER (WHERE invoice_date < '2010-12-01'),
                                          count(*) FILTER (WHERE invoice_date >= '2010-12-01') FROM invoice_lines""")
    assert before > 0 and after == expected
    cancelled = rows(db, """SELECT bool_and(quantity <= 0), bool_and(invoice_no LIKE 'C%'), count(*)
                            FROM invoice_lines WHERE is_cancellation""")
    assert cancelled[0][:2] == (True, True) and cancelled[0][2] > 0
    assert rows(db, "SELECT count(*) FROM invoice_lines WHERE customer_id IS NULL") == [(0,)]


def test_completejourney_is_keyed(tmp_path):
    _needs(completejourney)
    db = completejourney.load(tmp_path / "cj.duckdb")
    assert set(table_columns(db)) == {"households", "products", "transactions", "campaigns", "campaign_recipients",
                                      "coupons", "coupon_products", "coupon_redemptions"}
    keys = constraints(db)
    assert {("transactions", "FOREIGN KEY", ("household_id",), "households"),
            ("transactions", "FOREIGN KEY", ("product_id",), "products"),
            ("coupon_redemptions", "FOREIGN KEY", ("coupon_id",), "coupons"),
            ("coupon_redemptions", "FOREIGN KEY", ("household_id",), "households"),
            ("campaign_recipients", "FOREIGN KEY", ("campaign_id",), "campaigns")} <= keys
    assert rows(db, "SELECT count(*) FROM transactions") == [(75_000,)]
    assert rows(db, "SELECT count(*), count(coupon_id) FROM coupon_redemptions") == [(2_102, 2_102)]
    assert rows(db, "SELECT count(*) FROM households WHERE age IS NOT NULL") == [(801,)]
