"""Loyalty-programme database: the schema of ``PREDICT incremental_purchase FOR customer …``.

Tables (all keys declared; timed tables carry a ``timestamp`` column)::

    tier(id, name, threshold, benefits)
    product(id, category, price, reward_eligible)
    reward(id, type, value, expiry, conditions)          expiry: days an earned reward stays valid
    promotion(id, type, discount, target_segment)
    customer(id, tier -> tier, points_balance, tenure, ltv)
    purchase(id, customer -> customer, product -> product, quantity, amount, timestamp)
    earned(id, customer -> customer, reward -> reward, points, timestamp)
    redeemed(id, customer -> customer, reward -> reward, points, timestamp)
    referred(id, referrer -> customer, referred -> customer, timestamp)
    targeted(id, promotion -> promotion, customer -> customer, channel, timestamp)

``customer``'s columns are a snapshot taken when the recorded history starts (tier, points and
lifetime value *before* the first recorded purchase), so they leak nothing about later windows.

Promotions are a randomised experiment: on each (monthly) campaign day every customer is targeted
with probability 0.4, independent of their state. The hidden schema ``truth`` holds, for the
moment right after the last recorded day (the natural anchor for predictions):

- ``truth.customer_uplift(customer_id, p_control, p_treated, uplift)``: probability of at least one
  purchase in the next 30 days if targeted by the reference promotion vs not, and their difference;
- ``truth.customer_future(customer_id, purchases_30d, purchases_90d, spend_90d, churned_by_90d)``:
  the realised next 90 days, simulated without promotions;
- ``truth.customer_latent``: the hidden drivers (community, activity, response, churn day, …);
- ``truth.targeted_effect(targeted_id, effect)``: each past targeting's true relative rate change.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from examples.generators._common import TRUTH, SizeError, arrow, cli, day_start, ids
from examples.generators.duckdb_writer import TableSpec, fk, write_database
from examples.generators.loyalty_sim import TREATMENT_DAYS, Campaign, LoyaltySimulation
from examples.generators.loyalty_world import (
    CATEGORIES, REWARD_CONDITIONS, REWARD_TYPES, TIER_BENEFITS, TIER_NAMES, TIER_THRESHOLDS, World,
    build_world, tier_of,
)

PROMOTION_TYPES = ("discount", "bonus_points", "free_shipping")
# Every campaign goes to a random 40% of all customers: segment-limited sends would make the
# treatment predictable from the tier, which uplift models rightly flag as a confounding risk.
TARGET_SEGMENT = "all"
CHANNELS = ("email", "sms", "app")
CAMPAIGN_EVERY_DAYS = 30
CAMPAIGN_LAG_DAYS = 3  # days between a 30-day anchor and the next send
FIRST_CAMPAIGN_DAY = 30  # a month of history before the first promotion
FUTURE_DAYS = 90


def _campaigns(rng: np.random.Generator, days: int, start_tier: np.ndarray) -> tuple[dict[int, Campaign], dict]:
    """A monthly promotion, sent ``CAMPAIGN_LAG_DAYS`` after each 30-day step back from the last day.

    pql anchors a 30-day target every 30 days back from the last recorded day, and
    ``incremental_purchase`` treats "targeted in the 7 days after the anchor" as the treatment, so
    this phase puts exactly one campaign in every anchor's treatment window (train, val and test
    alike) and none in the rest of its outcome window: control customers stay untreated.
    """
    last_day = days - 1
    campaign_days = np.arange(last_day - CAMPAIGN_EVERY_DAYS + CAMPAIGN_LAG_DAYS, FIRST_CAMPAIGN_DAY - 1,
                              -CAMPAIGN_EVERY_DAYS)[::-1]
    kind = rng.choice(len(PROMOTION_TYPES), size=len(campaign_days), p=[0.6, 0.25, 0.15])
    discount = np.where(kind == 0, rng.choice([0.05, 0.1, 0.15, 0.2, 0.25], size=len(campaign_days)), 0.0)
    strength = np.select([kind == 0, kind == 1], [np.clip(discount / 0.15, 0.5, 1.6), 1.0], 0.7)
    everyone = np.ones_like(start_tier, dtype=bool)
    campaigns = {
        int(day): Campaign(promotion=i, day=int(day), strength=float(strength[i]),
                           eligible=everyone)
        for i, day in enumerate(campaign_days)
    }
    promotion = {
        "id": ids(len(campaign_days)),
        "type": np.array(PROMOTION_TYPES)[kind] if len(kind) else np.array([], dtype=str),
        "discount": discount,
        "target_segment": np.full(len(campaign_days), TARGET_SEGMENT),
    }
    return campaigns, promotion


def _events(log: dict[str, np.ndarray], days: int, start: np.datetime64) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Keep the recorded history (day < days), sorted by time; returns (columns, timestamps)."""
    when = log["day"].astype(np.int64) * 86_400 + log["second"].astype(np.int64)
    keep = np.flatnonzero(log["day"] < days)
    keep = keep[np.argsort(when[keep], kind="stable")]
    return {k: v[keep] for k, v in log.items()}, start + when[keep].astype("timedelta64[s]")


def _static_tables(world: World) -> list:
    p, r, c = world.products, world.rewards, world.customers
    return [
        (TableSpec(name="tier", primary_key="id"), arrow({
            "id": ids(len(TIER_NAMES)), "name": np.array(TIER_NAMES), "threshold": TIER_THRESHOLDS,
            "benefits": np.array(TIER_BENEFITS)})),
        (TableSpec(name="product", primary_key="id"), arrow({
            "id": ids(len(p.price)), "category": np.array(CATEGORIES)[p.category], "price": p.price,
            "reward_eligible": p.reward_eligible})),
        (TableSpec(name="reward", primary_key="id"), arrow({
            "id": ids(len(r.value)), "type": np.array(REWARD_TYPES)[r.type], "value": r.value,
            "expiry": r.expiry, "conditions": np.array(REWARD_CONDITIONS)[r.condition]})),
    ]


def generate(path: str | os.PathLike, *, n_customers: int = 3_000, seed: int = 0, days: int = 540,
             n_products: int = 150, n_rewards: int = 24, start: str = "2023-01-01") -> Path:
    """Simulate ``days`` of a loyalty programme for ``n_customers`` and write it to ``path``.

    Defaults give ~3,000 customers and a few tens of thousands of purchases over 18 months.
    """
    if n_customers < 10 or days < 2 * CAMPAIGN_EVERY_DAYS:
        raise SizeError("need at least 10 customers and 90 days of history")
    rng = np.random.default_rng(seed)
    t0 = day_start(start)
    world = build_world(rng, n_customers=n_customers, n_products=n_products, n_rewards=n_rewards)
    c = world.customers
    start_tier = tier_of(c.status_points)
    campaigns, promotion = _campaigns(rng, days, start_tier)

    sim = LoyaltySimulation(world, rng)
    effect_at = {}
    for day in range(days):
        if day in campaigns:
            effect_at[day] = sim.promotion_effect() * campaigns[day].strength
        sim.step(day, campaigns.get(day))
    p_control = sim.purchase_probability(days, window=TREATMENT_DAYS, treated=False)
    p_treated = sim.purchase_probability(days, window=TREATMENT_DAYS, treated=True)
    effect_now, alive_now, churn_day = sim.promotion_effect(), sim.alive.copy(), sim.churn_day.copy()
    sim.run(days, days + FUTURE_DAYS, {})

    all_purchases = sim.purchases.finish()
    purchases, purchase_ts = _events(all_purchases, days, t0)
    earned, earned_ts = _events(sim.earned.finish(), days, t0)
    redeemed, redeemed_ts = _events(sim.redeemed.finish(), days, t0)
    targeted_log = sim.targeted.finish()
    targeted_log["second"] = rng.integers(8 * 3600, 11 * 3600, len(targeted_log["day"]))
    targeted, targeted_ts = _events(targeted_log, days, t0)
    targeted_effect = np.array([effect_at[int(d)][int(i)] for d, i in zip(targeted["day"], targeted["customer"])])
    ref = world.referrals
    ref_order = np.argsort(ref.day, kind="stable")
    ref_ts = t0 + (ref.day[ref_order] * 86_400 + rng.integers(9 * 3600, 21 * 3600, len(ref_order))).astype("timedelta64[s]")

    future = all_purchases["day"] >= days
    in_30 = future & (all_purchases["day"] < days + 30)
    buyer = all_purchases["customer"].astype(np.int64)

    tables = _static_tables(world) + [
        (TableSpec(name="promotion", primary_key="id"), arrow(promotion)),
        (TableSpec(name="customer", primary_key="id", foreign_keys=(fk("tier", "tier"),)), arrow({
            "id": ids(n_customers), "tier": start_tier + 1, "points_balance": c.points_balance,
            "tenure": c.tenure_days // 30, "ltv": c.ltv})),
        (TableSpec(name="purchase", primary_key="id", foreign_keys=(fk("customer", "customer"), fk("product", "product"))),
         arrow({"id": ids(len(purchase_ts)), "customer": purchases["customer"] + 1, "product": purchases["product"] + 1,
                "quantity": purchases["quantity"], "amount": purchases["amount"], "timestamp": purchase_ts})),
        (TableSpec(name="earned", primary_key="id", foreign_keys=(fk("customer", "customer"), fk("reward", "reward"))),
         arrow({"id": ids(len(earned_ts)), "customer": earned["customer"] + 1, "reward": earned["reward"] + 1,
                "points": earned["points"], "timestamp": earned_ts})),
        (TableSpec(name="redeemed", primary_key="id", foreign_keys=(fk("customer", "customer"), fk("reward", "reward"))),
         arrow({"id": ids(len(redeemed_ts)), "customer": redeemed["customer"] + 1, "reward": redeemed["reward"] + 1,
                "points": redeemed["points"], "timestamp": redeemed_ts})),
        (TableSpec(name="referred", primary_key="id", foreign_keys=(fk("referrer", "customer"), fk("referred", "customer"))),
         arrow({"id": ids(len(ref_order)), "referrer": ref.referrer[ref_order] + 1,
                "referred": ref.referred[ref_order] + 1, "timestamp": ref_ts})),
        (TableSpec(name="targeted", primary_key="id", foreign_keys=(fk("promotion", "promotion"), fk("customer", "customer"))),
         arrow({"id": ids(len(targeted_ts)), "promotion": targeted["promotion"] + 1, "customer": targeted["customer"] + 1,
                "channel": np.array(CHANNELS)[rng.integers(0, len(CHANNELS), len(targeted_ts))],
                "timestamp": targeted_ts})),
        (TableSpec(name="customer_uplift", schema=TRUTH), arrow({
            "customer_id": ids(n_customers), "p_control": p_control, "p_treated": p_treated,
            "uplift": p_treated - p_control})),
        (TableSpec(name="customer_future", schema=TRUTH), arrow({
            "customer_id": ids(n_customers),
            "purchases_30d": np.bincount(buyer[in_30], minlength=n_customers),
            "purchases_90d": np.bincount(buyer[future], minlength=n_customers),
            "spend_90d": np.round(np.bincount(buyer[future], weights=all_purchases["amount"][future], minlength=n_customers), 2),
            "churned_by_90d": ~sim.alive})),
        (TableSpec(name="customer_latent", schema=TRUTH), arrow({
            "customer_id": ids(n_customers), "community": c.community, "activity": c.activity,
            "response": c.response, "churn_propensity": c.churn_propensity, "alive_at_end": alive_now,
            "churn_day": churn_day, "promotion_effect_at_end": effect_now})),
        (TableSpec(name="targeted_effect", schema=TRUTH), arrow({
            "targeted_id": ids(len(targeted_ts)), "effect": targeted_effect})),
    ]
    return write_database(path, tables)


def main(argv: list[str] | None = None) -> Path:
    return cli(generate, description=__doc__.splitlines()[0], default_customers=3_000, argv=argv)


if __name__ == "__main__":
    main()
