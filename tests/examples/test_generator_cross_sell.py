import numpy as np
import pytest
from scipy.stats import spearmanr

from examples.generators import cross_sell
from examples_db_helpers import constraints, frame, rows, table_columns, table_contents

SIZE = {"n_customers": 800, "days": 400}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return cross_sell.generate(tmp_path_factory.mktemp("xs") / "xs.duckdb", seed=2, **SIZE)


def test_schema_and_declared_keys(db):
    columns = table_columns(db)
    assert set(columns) == {"category", "product", "product_link", "customer", "purchase"}
    assert columns["product"] == ["id", "category", "price", "product_line"]
    assert columns["purchase"] == ["id", "customer", "product", "amount", "timestamp", "channel"]
    assert columns["product_link"] == ["id", "product", "related_product", "kind"]
    assert {
        ("product", "FOREIGN KEY", ("category",), "category"),
        ("product_link", "FOREIGN KEY", ("product",), "product"),
        ("product_link", "FOREIGN KEY", ("related_product",), "product"),
        ("purchase", "FOREIGN KEY", ("customer",), "customer"),
        ("purchase", "FOREIGN KEY", ("product",), "product"),
    } <= constraints(db)
    assert {k for k, in rows(db, "SELECT DISTINCT kind FROM product_link")} == {"cross_sell", "upsell"}


def test_deterministic_under_seed(tmp_path):
    tiny = {"n_customers": 100, "days": 120, "n_lines": 10}
    first = table_contents(cross_sell.generate(tmp_path / "a.duckdb", seed=9, **tiny))
    assert table_contents(cross_sell.generate(tmp_path / "b.duckdb", seed=9, **tiny)) == first
    assert table_contents(cross_sell.generate(tmp_path / "c.duckdb", seed=8, **tiny))["main.purchase"] != first["main.purchase"]


def test_next_purchase_follows_the_links(db):
    """Most of a customer's next line purchases are the cross-sell successor of the previous one."""
    (linked, n), = rows(db, """
        WITH seq AS (
            SELECT p.customer, p.product, lead(p.product) OVER w AS next_product
            FROM purchase p JOIN product pr ON pr.id = p.product
            WHERE pr.product_line <> 'accessories'
            WINDOW w AS (PARTITION BY p.customer ORDER BY p.timestamp))
        SELECT avg(CASE WHEN l.id IS NULL THEN 0 ELSE 1 END), count(*) FROM seq
        LEFT JOIN product_link l ON l.product = seq.product AND l.related_product = seq.next_product
        WHERE seq.next_product IS NOT NULL""")
    n_products, = rows(db, "SELECT count(*) FROM product")[0]
    assert n > 500
    assert linked > 0.4 > 20 / n_products  # far above picking any product at random


def test_delays_are_link_specific(db):
    """The typical gap between a link's two purchases tracks that link's hidden delay."""
    gaps = frame(db, """
        SELECT l.id, any_value(b.delay_days) AS true_delay,
               median(date_diff('second', a.timestamp, n.timestamp) / 86400.0) AS gap
        FROM product_link l JOIN truth.link_behaviour b ON b.link_id = l.id
        JOIN purchase a ON a.product = l.product
        JOIN LATERAL (SELECT min(x.timestamp) AS timestamp FROM purchase x WHERE x.customer = a.customer
                      AND x.product = l.related_product AND x.timestamp > a.timestamp) n ON n.timestamp IS NOT NULL
        WHERE l.kind = 'cross_sell' GROUP BY l.id HAVING count(*) >= 5""")
    assert len(gaps) >= 20
    assert spearmanr(gaps.true_delay, gaps.gap).statistic > 0.7
    assert np.median(np.abs(np.log(gaps.gap / gaps.true_delay))) < 0.35
