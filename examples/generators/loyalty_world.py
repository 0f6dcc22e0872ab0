"""The static half of the loyalty world: tiers, products, rewards, customers and who referred whom.

Hidden latents (community, activity, response, …) are drawn here and drive the simulation in
:mod:`examples.generators.loyalty_sim`. The graph carries signal a flat model lacks: communities
are visible only through referral links (homophily), and a product's stickiness and promotion
response are visible only through the other customers who bought it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

TIER_NAMES = ("bronze", "silver", "gold", "platinum")
TIER_THRESHOLDS = np.array([0.0, 300.0, 1_000.0, 3_000.0])  # lifetime status points
TIER_POINT_MULTIPLIER = np.array([1.0, 1.25, 1.5, 2.0])
TIER_BENEFITS = ("1x points", "1.25x points, birthday gift", "1.5x points, free delivery",
                 "2x points, free delivery, priority support")

CATEGORIES = ("grocery", "beauty", "electronics", "apparel", "home", "toys", "sports", "books")
CATEGORY_LOG_PRICE = np.array([1.8, 2.8, 4.2, 3.4, 3.3, 2.9, 3.5, 2.5])
CATEGORY_STICKINESS = np.array([0.5, 0.25, -0.4, 0.0, -0.15, -0.1, 0.1, 0.2])  # repeat-buying drive
CATEGORY_RESPONSE = np.array([0.3, 0.6, -0.5, 0.4, 0.0, 0.2, -0.2, -0.3])  # reaction to promotions

REWARD_TYPES = ("discount_voucher", "free_product", "bonus_points", "experience")
REWARD_CONDITIONS = ("none", "min_spend_20", "weekend_only", "app_only")
CONDITION_REDEEM_FACTOR = np.array([1.0, 0.7, 0.8, 0.9])


@dataclass(frozen=True, kw_only=True)
class Products:
    category: np.ndarray  # (P,) index into CATEGORIES
    price: np.ndarray  # (P,)
    reward_eligible: np.ndarray  # (P,) bool
    stickiness: np.ndarray  # (P,) hidden: buying it raises the buyer's future purchase rate
    response: np.ndarray  # (P,) hidden: buying it raises the buyer's response to promotions
    choice_cdf: np.ndarray  # (K, P) per-community cumulative product choice distribution


@dataclass(frozen=True, kw_only=True)
class Rewards:
    type: np.ndarray  # (R,) index into REWARD_TYPES
    value: np.ndarray  # (R,) currency value
    expiry: np.ndarray  # (R,) days an earned reward stays redeemable
    condition: np.ndarray  # (R,) index into REWARD_CONDITIONS
    choice_cdf: np.ndarray  # (K, R) per-community cumulative reward choice distribution


@dataclass(frozen=True, kw_only=True)
class Customers:
    community: np.ndarray  # (N,) hidden
    activity: np.ndarray  # (N,) hidden log-rate offset
    response: np.ndarray  # (N,) hidden promotion/reward response
    churn_propensity: np.ndarray  # (N,) hidden log-hazard offset
    tenure_days: np.ndarray  # (N,) membership age at the start of history
    status_points: np.ndarray  # (N,) lifetime points at the start of history (sets the tier)
    points_balance: np.ndarray  # (N,) spendable points at the start of history
    ltv: np.ndarray  # (N,) spend before the recorded history began
    last_purchase_day: np.ndarray  # (N,) day offset (negative: before history)


@dataclass(frozen=True, kw_only=True)
class Referrals:
    referrer: np.ndarray  # (E,) customer index
    referred: np.ndarray  # (E,) customer index
    day: np.ndarray  # (E,) day offset of the referral (the referred customer's join day)
    adjacency: sp.csr_matrix  # (N, N) symmetric 0/1
    degree: np.ndarray  # (N,)


@dataclass(frozen=True, kw_only=True)
class World:
    products: Products
    rewards: Rewards
    customers: Customers
    referrals: Referrals
    base_log_rate: float  # log daily purchase probability of an average customer


def tier_of(status_points: np.ndarray) -> np.ndarray:
    return np.searchsorted(TIER_THRESHOLDS, status_points, side="right") - 1


def _cdf(weights: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(weights, axis=-1)
    return cdf / cdf[..., -1:]


def _products(rng: np.random.Generator, n_products: int, community_pref: np.ndarray) -> Products:
    category = rng.integers(0, len(CATEGORIES), size=n_products)
    price = np.round(np.exp(CATEGORY_LOG_PRICE[category] + rng.normal(0, 0.45, n_products)), 2)
    popularity = rng.lognormal(0, 0.8, n_products)
    weights = community_pref[:, category] * popularity[None, :]  # (K, P)
    return Products(
        category=category,
        price=price,
        reward_eligible=rng.random(n_products) < 0.7,
        stickiness=CATEGORY_STICKINESS[category] + rng.normal(0, 0.45, n_products),
        response=CATEGORY_RESPONSE[category] + rng.normal(0, 0.7, n_products),
        choice_cdf=_cdf(weights),
    )


def _rewards(rng: np.random.Generator, n_rewards: int, n_communities: int) -> Rewards:
    kind = rng.integers(0, len(REWARD_TYPES), size=n_rewards)
    type_pref = rng.dirichlet(np.full(len(REWARD_TYPES), 0.6), size=n_communities)  # (K, types)
    weights = type_pref[:, kind] * rng.lognormal(0, 0.5, n_rewards)[None, :]
    return Rewards(
        type=kind,
        value=np.round(rng.choice([2.0, 5.0, 10.0, 15.0, 25.0], size=n_rewards), 2),
        expiry=rng.choice([14, 30, 60, 90], size=n_rewards).astype(np.int64),
        condition=rng.choice(len(REWARD_CONDITIONS), size=n_rewards, p=[0.4, 0.25, 0.15, 0.2]),
        choice_cdf=_cdf(weights),
    )


def _referrals(rng: np.random.Generator, community: np.ndarray, join_day: np.ndarray,
               *, referred_share: float = 0.75, same_community: float = 0.85) -> Referrals:
    """Each referred customer names an earlier member, mostly from their own community."""
    n = len(community)
    order = np.argsort(join_day, kind="stable")
    members_by_community: dict[int, list[int]] = {}
    joined: list[int] = []
    referrer, referred = [], []
    is_referred = rng.random(n) < referred_share
    coin = rng.random(n)
    pick = rng.random(n)
    for i in order:
        c = int(community[i])
        if is_referred[i] and joined:
            pool = members_by_community.get(c) if coin[i] < same_community else None
            pool = pool or joined
            referrer.append(pool[int(pick[i] * len(pool))])
            referred.append(int(i))
        joined.append(int(i))
        members_by_community.setdefault(c, []).append(int(i))
    referrer_arr, referred_arr = np.array(referrer, dtype=np.int64), np.array(referred, dtype=np.int64)
    ones = np.ones(2 * len(referrer_arr))
    rows = np.concatenate([referrer_arr, referred_arr])
    cols = np.concatenate([referred_arr, referrer_arr])
    adjacency = sp.csr_matrix((ones, (rows, cols)), shape=(n, n))
    adjacency.data[:] = 1.0
    return Referrals(referrer=referrer_arr, referred=referred_arr, day=join_day[referred_arr],
                     adjacency=adjacency, degree=np.asarray(adjacency.sum(axis=1)).ravel())


def build_world(rng: np.random.Generator, *, n_customers: int, n_products: int, n_rewards: int) -> World:
    n_communities = max(4, n_customers // 150)
    community_pref = rng.dirichlet(np.full(len(CATEGORIES), 0.4), size=n_communities)  # (K, C)
    community_activity = rng.normal(0, 0.45, n_communities)
    community_response = rng.normal(0, 0.9, n_communities)
    community_churn = rng.normal(0, 0.5, n_communities)

    products = _products(rng, n_products, community_pref)
    rewards = _rewards(rng, n_rewards, n_communities)

    community = rng.integers(0, n_communities, size=n_customers)
    activity = community_activity[community] + rng.normal(0, 0.3, n_customers)
    response = community_response[community] + rng.normal(0, 0.45, n_customers)
    churn_propensity = community_churn[community] + rng.normal(0, 0.3, n_customers)
    tenure_days = np.minimum(rng.exponential(420, n_customers), 2_500).astype(np.int64) + 1
    base_log_rate = float(np.log(0.022))
    daily_spend = np.exp(base_log_rate + activity) * 30.0
    ltv = np.round(tenure_days * daily_spend * rng.lognormal(0, 0.35, n_customers), 2)
    status_points = np.round(ltv * rng.uniform(0.6, 1.1, n_customers))
    points_balance = np.round(status_points * rng.uniform(0.05, 0.4, n_customers))
    last_purchase_day = -np.minimum(rng.exponential(1 / np.exp(base_log_rate + activity)), tenure_days)

    customers = Customers(
        community=community, activity=activity, response=response, churn_propensity=churn_propensity,
        tenure_days=tenure_days, status_points=status_points, points_balance=points_balance,
        ltv=ltv, last_purchase_day=last_purchase_day.astype(np.int64),
    )
    referrals = _referrals(rng, community, -tenure_days)
    return World(products=products, rewards=rewards, customers=customers, referrals=referrals,
                 base_log_rate=base_log_rate)
