import numpy as np
import pytest
from scipy.stats import spearmanr

from examples.generators import loyalty
from examples_db_helpers import constraints, frame, rows, table_columns, table_contents

SIZE = {"n_customers": 600, "days": 360, "n_products": 60}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return loyalty.generate(tmp_path_factory.mktemp("loyalty") / "loyalty.duckdb", seed=3, **SIZE)


def test_schema_and_declared_keys(db):
    columns = table_columns(db)
    assert columns["customer"] == ["id", "tier", "points_balance", "tenure", "ltv"]
    assert columns["reward"] == ["id", "type", "value", "expiry", "conditions"]
    assert columns["tier"] == ["id", "name", "threshold", "benefits"]
    assert columns["product"] == ["id", "category", "price", "reward_eligible"]
    assert columns["promotion"] == ["id", "type", "discount", "target_segment"]
    assert columns["purchase"] == ["id", "customer", "product", "quantity", "amount", "timestamp"]
    assert columns["targeted"] == ["id", "promotion", "customer", "channel", "timestamp"]
    assert set(columns) == {"customer", "reward", "tier", "product", "promotion", "purchase", "earned",
                            "redeemed", "referred", "targeted"}
    keys = constraints(db)
    assert {(t, "PRIMARY KEY", ("id",), None) for t in columns} <= keys
    assert {
        ("customer", "FOREIGN KEY", ("tier",), "tier"),
        ("purchase", "FOREIGN KEY", ("customer",), "customer"),
        ("purchase", "FOREIGN KEY", ("product",), "product"),
        ("earned", "FOREIGN KEY", ("reward",), "reward"),
        ("redeemed", "FOREIGN KEY", ("customer",), "customer"),
        ("referred", "FOREIGN KEY", ("referrer",), "customer"),
        ("referred", "FOREIGN KEY", ("referred",), "customer"),
        ("targeted", "FOREIGN KEY", ("promotion",), "promotion"),
    } <= keys
    assert set(table_columns(db, "truth")) == {"customer_uplift", "customer_future", "customer_latent",
                                               "targeted_effect"}


def test_history_spans_the_requested_days(db):
    (first, last, n), = rows(db, "SELECT min(timestamp), max(timestamp), count(*) FROM purchase")
    assert (last - first).days >= SIZE["days"] - 3
    assert n > 5 * SIZE["n_customers"]


def test_same_seed_same_database_other_seed_differs(tmp_path):
    tiny = {"n_customers": 120, "days": 120, "n_products": 20}
    first = table_contents(loyalty.generate(tmp_path / "a.duckdb", seed=3, **tiny))
    assert table_contents(loyalty.generate(tmp_path / "b.duckdb", seed=3, **tiny)) == first
    assert table_contents(loyalty.generate(tmp_path / "c.duckdb", seed=4, **tiny))["main.purchase"] != first["main.purchase"]


def test_promotions_are_randomised_and_uplift_is_real(db):
    """Past campaigns: treated minus control purchase rate (30 days after the send) is clearly
    positive for customers whose true uplift is positive and lower for those whose is negative."""
    arms = frame(db, """
        WITH sends AS (SELECT p.id AS promotion, p.target_segment AS segment,
                              CAST(min(t.timestamp) AS DATE) AS send
                       FROM targeted t JOIN promotion p ON p.id = t.promotion GROUP BY ALL),
        eligible AS (SELECT s.promotion, s.send, c.id AS customer FROM sends s JOIN customer c
                     ON s.segment = 'all' OR (s.segment = 'bronze_silver' AND c.tier <= 2)
                                          OR (s.segment = 'gold_platinum' AND c.tier >= 3))
        SELECT e.customer, u.uplift,
               EXISTS (SELECT 1 FROM targeted t WHERE t.promotion = e.promotion AND t.customer = e.customer) AS treated,
               EXISTS (SELECT 1 FROM purchase p WHERE p.customer = e.customer AND p.timestamp > e.send
                       AND p.timestamp <= e.send + INTERVAL 30 DAY) AS bought
        FROM eligible e JOIN truth.customer_uplift u ON u.customer_id = e.customer
        JOIN truth.customer_latent l ON l.customer_id = e.customer WHERE l.alive_at_end""")
    assert 0.3 < arms["treated"].mean() < 0.5  # 40% assignment

    def effect(group):
        return group[group.treated].bought.mean() - group[~group.treated].bought.mean()

    positive = effect(arms[arms.uplift > 0.1])
    negative = effect(arms[arms.uplift < -0.05])
    assert positive > 0.08
    assert positive - negative > 0.1


def test_referral_neighbours_share_behaviour(db):
    """Homophily: a customer's purchase count tracks their referral neighbours' (and not a shuffled graph's)."""
    counts = dict(rows(db, "SELECT customer, count(*) FROM purchase GROUP BY 1"))
    n = SIZE["n_customers"]
    own = np.array([counts.get(i, 0) for i in range(1, n + 1)], dtype=float)
    edges = np.array(rows(db, "SELECT referrer, referred FROM referred")) - 1
    def neighbour_mean(edges):
        total, degree = np.zeros(n), np.zeros(n)
        for a, b in ((edges[:, 0], edges[:, 1]), (edges[:, 1], edges[:, 0])):
            np.add.at(total, a, own[b])
            np.add.at(degree, a, 1)
        has = degree > 0
        return own[has], total[has] / degree[has]
    real = spearmanr(*neighbour_mean(edges)).statistic
    shuffled = edges.copy()
    shuffled[:, 1] = np.random.default_rng(0).permutation(shuffled[:, 1])
    assert real > 0.25
    assert real > spearmanr(*neighbour_mean(shuffled)).statistic + 0.15


def test_churners_stop_buying(db):
    (churned, alive), = rows(db, """
        SELECT avg(CASE WHEN NOT l.alive_at_end THEN f.purchases_90d END),
               avg(CASE WHEN l.alive_at_end THEN f.purchases_90d END)
        FROM truth.customer_latent l JOIN truth.customer_future f USING (customer_id)""")
    assert churned == 0
    assert alive > 0.5
    share, = rows(db, "SELECT avg(CASE WHEN alive_at_end THEN 0 ELSE 1 END) FROM truth.customer_latent")[0]
    assert 0.05 < share < 0.6


def test_cli_writes_the_database(tmp_path):
    out = loyalty.main(["--out", str(tmp_path / "cli.duckdb"), "--customers", "50", "--days", "120"])
    assert rows(out, "SELECT count(*) FROM customer") == [(50,)]


def test_every_anchor_of_the_seed_uplift_query_has_treated_and_control_customers(tmp_path):
    """Campaigns are phased on pql's 30-day anchors (its stride once 12 or more anchors fit), so every
    anchor's 7-day treatment window holds one send, in validation and test too."""
    import pql

    db = loyalty.generate(tmp_path / "loyalty.duckdb", seed=5, n_customers=300, days=420, n_products=30)
    with pql.connect(db) as session:
        tt = session.training_table(
            "PREDICT incremental_purchase FOR customer USING customer, reward, tier, purchase, promotion")
    t = tt.table.to_pandas()
    share = t.groupby("anchor_time")["treatment"].mean()
    assert set(t["split"]) == {"train", "val", "test"}
    assert share.between(0.3, 0.5).all(), share  # 40% of customers, at random, every month
