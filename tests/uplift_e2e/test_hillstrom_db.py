"""The Hillstrom e-mail experiment loaded as a database (customers + a dated e-mail log): the visit
rates per arm, computed from PQL outcomes per customer, match the published difference in means."""
from __future__ import annotations

import pytest

import pql
from examples.loaders import hillstrom


@pytest.fixture(scope="module")
def hillstrom_db(tmp_path_factory):
    if not (hillstrom.DEFAULT_DATA_DIR / "hillstrom.csv").exists():
        pytest.skip(f"Hillstrom data not present at {hillstrom.DEFAULT_DATA_DIR}")
    return hillstrom.load(tmp_path_factory.mktemp("hillstrom") / "hillstrom.duckdb")


def test_published_visit_rates_from_the_email_log(hillstrom_db):
    with pql.connect(str(hillstrom_db)) as session:
        report = session.analyze_experiment("email", "campaign", "COUNT(visit.*, 0, 14, days) > 0",
                                            control=hillstrom.CONTROL_ARM, covariate="customer.history")
    rates = {a.arm: round(a.mean, 4) for a in report.analysis.arms}
    assert rates == hillstrom.PUBLISHED_VISIT_RATES  # 18.28% mens, 15.14% womens, 10.62% no e-mail
    assert sum(a.n for a in report.analysis.arms) == 64_000
    lifts = {c.arm: round(c.absolute_lift, 4) for c in report.analysis.comparisons}
    assert lifts == {"Mens E-Mail": 0.0766, "Womens E-Mail": 0.0452}
    assert not report.analysis.srm.mismatch
    assert report.analysis.cuped is not None and report.analysis.cuped.variance_reduction > 0


def test_conversion_rates(hillstrom_db):
    with pql.connect(str(hillstrom_db)) as session:
        report = session.analyze_experiment("email", "campaign", "COUNT(conversion.*, 0, 14, days) > 0",
                                            control=hillstrom.CONTROL_ARM)
    rates = {a.arm: round(a.mean, 4) for a in report.analysis.arms}
    # MineThatData: conversion 1.25% mens, 0.88% womens, 0.57% no e-mail
    assert rates == {"Mens E-Mail": 0.0125, "Womens E-Mail": 0.0088, "No E-Mail": 0.0057}
