import numpy as np
import pytest
from scipy.stats import spearmanr

from examples.generators import ltv
from examples_db_helpers import constraints, frame, rows, table_columns, table_contents

SIZE = {"n_customers": 800, "days": 540, "n_products": 80}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return ltv.generate(tmp_path_factory.mktemp("ltv") / "ltv.duckdb", seed=1, **SIZE)


def test_schema_and_declared_keys(db):
    assert table_columns(db) == {
        "category": ["id", "name", "avg_basket_size"],
        "product": ["id", "category", "price", "margin"],
        "customer": ["id", "signup_date", "channel", "geo"],
        "purchase": ["id", "customer", "product", "qty", "amount", "timestamp"],
    }
    assert {
        ("product", "FOREIGN KEY", ("category",), "category"),
        ("purchase", "FOREIGN KEY", ("customer",), "customer"),
        ("purchase", "FOREIGN KEY", ("product",), "product"),
        ("customer", "PRIMARY KEY", ("id",), None),
    } <= constraints(db)


def test_deterministic_under_seed(tmp_path):
    tiny = {"n_customers": 100, "days": 150, "n_products": 20}
    first = table_contents(ltv.generate(tmp_path / "a.duckdb", seed=5, **tiny))
    assert table_contents(ltv.generate(tmp_path / "b.duckdb", seed=5, **tiny)) == first
    assert table_contents(ltv.generate(tmp_path / "c.duckdb", seed=6, **tiny))["main.purchase"] != first["main.purchase"]


def test_no_purchase_before_signup(db):
    assert rows(db, """SELECT count(*) FROM purchase p JOIN customer c ON c.id = p.customer
                       WHERE CAST(p.timestamp AS DATE) < c.signup_date""") == [(0,)]


def test_spend_is_heavy_tailed(db):
    spend = frame(db, "SELECT sum(amount) AS s FROM purchase GROUP BY customer")["s"].to_numpy()
    top_decile = np.sort(spend)[-len(spend) // 10:].sum() / spend.sum()
    assert top_decile > 0.35  # a uniform spread would give 0.1


def test_future_value_depends_on_products_bought(db):
    """The hidden quality of a customer's last three products predicts how much they buy next year
    (products are chosen independently of a customer's own value, so this is the products' doing)."""
    data = frame(db, """
        WITH ranked AS (
            SELECT p.customer, q.quality,
                   row_number() OVER (PARTITION BY p.customer ORDER BY p.timestamp DESC) AS k
            FROM purchase p JOIN truth.product_latent q ON q.product_id = p.product)
        SELECT r.customer, avg(r.quality) AS recent_quality, any_value(f.purchases_12m) AS future
        FROM ranked r JOIN truth.customer_future f ON f.customer_id = r.customer
        WHERE r.k <= 3 GROUP BY r.customer""")
    assert spearmanr(data.recent_quality, data.future).statistic > 0.12


def test_similar_customers_share_a_trend(db):
    """Customers of a growing hidden segment grow: next year's purchases vs the last year's."""
    data = frame(db, """
        SELECT l.segment_trend, f.purchases_12m AS future, coalesce(p.n, 0) AS past
        FROM truth.customer_latent l JOIN truth.customer_future f USING (customer_id)
        LEFT JOIN (SELECT customer, count(*) AS n FROM purchase
                   WHERE timestamp >= (SELECT max(timestamp) FROM purchase) - INTERVAL 365 DAY
                   GROUP BY customer) p ON p.customer = l.customer_id""")
    growth = np.log1p(data.future) - np.log1p(data.past)
    assert spearmanr(data.segment_trend, growth).statistic > 0.12
