"""Day-by-day simulation of the loyalty programme, vectorised over customers.

Each day, per living customer: a purchase with probability ``p`` (log-rate = activity + habit from
the products bought + tier and near-threshold push + referral neighbours' recent activity +
promotion effect while targeted), points and reward unlocks, redemptions (driven by the customer's
and their products' response), and churn with a hazard that grows with recency, falls with tier and
rises with the share of churned referral neighbours. Promotions are randomised: on a campaign's
day each eligible customer is targeted with probability ``treat_share`` regardless of state.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from examples.generators.loyalty_world import (
    CONDITION_REDEEM_FACTOR, TIER_POINT_MULTIPLIER, TIER_THRESHOLDS, World, tier_of,
)

POINTS_PER_REWARD = 250.0
TREATMENT_DAYS = 30
REPEAT_LAST_PRODUCT = 0.35  # share of purchases that re-buy the customer's previous product
_FLOAT_COLUMNS = frozenset({"amount", "points", "strength"})  # EventLog columns that are not integers


@dataclass(frozen=True, kw_only=True)
class Campaign:
    promotion: int  # index into the promotion table
    day: int
    strength: float  # scales each customer's promotion effect (1.0 = the reference promotion)
    eligible: np.ndarray  # (N,) bool, fixed by the customer's starting tier


@dataclass(kw_only=True)
class EventLog:
    """Growing lists of per-day arrays, concatenated once at the end."""

    columns: tuple[str, ...]
    parts: list[tuple[np.ndarray, ...]] = field(default_factory=list)

    def add(self, *arrays: np.ndarray) -> None:
        if len(arrays[0]):
            self.parts.append(arrays)

    def finish(self) -> dict[str, np.ndarray]:
        if not self.parts:  # keep key columns integer, or an empty log breaks its foreign keys
            return {c: np.array([], dtype=float if c in _FLOAT_COLUMNS else np.int64) for c in self.columns}
        return {c: np.concatenate([p[i] for p in self.parts]) for i, c in enumerate(self.columns)}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class LoyaltySimulation:
    """Mutable simulation state; call :meth:`run` for consecutive day ranges."""

    def __init__(self, world: World, rng: np.random.Generator, *, treat_share: float = 0.4):
        self.world, self.rng, self.treat_share = world, rng, treat_share
        c = world.customers
        n = len(c.community)
        self.alive = np.ones(n, dtype=bool)
        self.churn_day = np.full(n, -1, dtype=np.int64)
        self.last_purchase = c.last_purchase_day.copy()
        self.last_product = np.full(n, -1, dtype=np.int64)
        self.habit = np.zeros(n)  # EMA of stickiness of products bought
        self.product_response = np.zeros(n)  # EMA of response of products bought
        self.status = c.status_points.astype(float).copy()
        self.active = np.full(n, float(np.exp(world.base_log_rate)))  # EMA of daily purchase indicator
        self.treated_until = np.full(n, -1, dtype=np.int64)
        self.treat_strength = np.zeros(n)
        self.pending_reward = np.full(n, -1, dtype=np.int64)
        self.pending_expiry = np.full(n, -1, dtype=np.int64)
        self.purchases = EventLog(columns=("customer", "product", "quantity", "amount", "day", "second"))
        self.earned = EventLog(columns=("customer", "reward", "points", "day", "second"))
        self.redeemed = EventLog(columns=("customer", "reward", "points", "day", "second"))
        self.targeted = EventLog(columns=("promotion", "customer", "day", "strength"))

    # --- the hidden drivers -----------------------------------------------------------------
    def _neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        r = self.world.referrals
        return (r.adjacency @ values) / np.maximum(r.degree, 1)

    def near_threshold(self) -> np.ndarray:
        """1.0 where the customer is within 20% of the next tier's threshold."""
        tier = tier_of(self.status)
        nxt = TIER_THRESHOLDS[np.minimum(tier + 1, len(TIER_THRESHOLDS) - 1)]
        gap = (nxt - self.status) / np.maximum(nxt, 1.0)
        return ((tier < len(TIER_THRESHOLDS) - 1) & (gap < 0.2)).astype(float)

    def promotion_effect(self) -> np.ndarray:
        """Relative change of the daily purchase rate while targeted by the reference promotion."""
        c = self.world.customers
        tier = tier_of(self.status)
        z = 0.8 + 0.8 * c.response + 0.9 * self.product_response + 0.9 * self.near_threshold() - 0.7 * (tier >= 2)
        return np.maximum(1.4 * np.tanh(z / 1.5), -0.75)

    def log_rate(self) -> np.ndarray:
        c, w = self.world.customers, self.world
        tier = tier_of(self.status)
        # referral neighbours' recent activity relative to everyone's: busy friends, busy customer
        typical = max(float(self.active[self.alive].mean()), 1e-4) if self.alive.any() else 1e-4
        ratio = self._neighbour_mean(self.active) / typical
        social = np.where(w.referrals.degree > 0, 0.45 * np.clip(np.log(ratio + 1e-3), -1.5, 1.0), 0.0)
        return w.base_log_rate + c.activity + 0.8 * self.habit + 0.35 * self.near_threshold() + 0.1 * tier + social

    def log_hazard(self, recency: np.ndarray) -> np.ndarray:
        c = self.world.customers
        tier = tier_of(self.status)
        churned_neighbours = self._neighbour_mean((~self.alive).astype(float))
        return (np.log(2e-4) + 0.45 * np.minimum(recency / 30.0, 5.0) - 0.35 * tier + c.churn_propensity
                + 2.0 * churned_neighbours - 0.4 * self.habit)

    # --- one day ----------------------------------------------------------------------------
    def _start_campaign(self, campaign: Campaign, day: int) -> None:
        treat = campaign.eligible & (self.rng.random(len(self.alive)) < self.treat_share)
        who = np.flatnonzero(treat)
        self.treated_until[who] = day + TREATMENT_DAYS
        self.treat_strength[who] = campaign.strength
        self.targeted.add(np.full(len(who), campaign.promotion), who, np.full(len(who), day),
                          np.full(len(who), campaign.strength))

    def _choose_products(self, buyers: np.ndarray) -> np.ndarray:
        p = self.world.products
        cdf = p.choice_cdf[self.world.customers.community[buyers]]
        fresh = (cdf < self.rng.random(len(buyers))[:, None]).sum(axis=1)
        fresh = np.minimum(fresh, cdf.shape[1] - 1)
        repeat = (self.last_product[buyers] >= 0) & (self.rng.random(len(buyers)) < REPEAT_LAST_PRODUCT)
        return np.where(repeat, self.last_product[buyers], fresh)

    def _buy(self, buyers: np.ndarray, day: int, treated: np.ndarray) -> None:
        p, w = self.world.products, self.world
        product = self._choose_products(buyers)
        quantity = 1 + self.rng.poisson(0.35, len(buyers))
        amount = np.round(p.price[product] * quantity, 2)
        second = self.rng.integers(7 * 3600, 22 * 3600, len(buyers))
        self.purchases.add(buyers, product, quantity, amount, np.full(len(buyers), day), second)

        self.habit[buyers] = 0.8 * self.habit[buyers] + 0.2 * p.stickiness[product]
        self.product_response[buyers] = 0.8 * self.product_response[buyers] + 0.2 * p.response[product]
        self.last_purchase[buyers] = day
        self.last_product[buyers] = product

        tier = tier_of(self.status[buyers])
        before = np.floor(self.status[buyers] / POINTS_PER_REWARD)
        self.status[buyers] += np.where(p.reward_eligible[product], amount * TIER_POINT_MULTIPLIER[tier], 0.0)
        unlocked = np.floor(self.status[buyers] / POINTS_PER_REWARD) - before

        # Redeem what was pending before today's unlocks.
        r = w.rewards
        pending = self.pending_reward[buyers]
        can = (pending >= 0) & (self.pending_expiry[buyers] >= day)
        logit = -0.6 + w.customers.response[buyers] + 1.2 * self.product_response[buyers] + 0.5 * treated[buyers]
        prob = _sigmoid(logit) * CONDITION_REDEEM_FACTOR[r.condition[np.maximum(pending, 0)]]
        redeem = can & (self.rng.random(len(buyers)) < prob)
        who = buyers[redeem]
        self.redeemed.add(who, pending[redeem], np.full(len(who), POINTS_PER_REWARD), np.full(len(who), day),
                          second[redeem] + 60)
        self.pending_reward[who] = -1

        earn = unlocked > 0
        who = buyers[earn]
        cdf = r.choice_cdf[w.customers.community[who]]
        reward = np.minimum((cdf < self.rng.random(len(who))[:, None]).sum(axis=1), cdf.shape[1] - 1)
        self.earned.add(who, reward, unlocked[earn] * POINTS_PER_REWARD, np.full(len(who), day), second[earn] + 1)
        self.pending_reward[who] = reward
        self.pending_expiry[who] = day + r.expiry[reward]

    def step(self, day: int, campaign: Campaign | None) -> None:
        if campaign is not None:
            self._start_campaign(campaign, day)
        treated = (self.treated_until >= day) & self.alive
        log_rate = self.log_rate() + np.where(treated, np.log1p(np.maximum(self.treat_strength * self.promotion_effect(), -0.9)), 0.0)
        prob = -np.expm1(-np.exp(log_rate))
        bought = self.alive & (self.rng.random(len(prob)) < prob)
        buyers = np.flatnonzero(bought)
        if len(buyers):
            self._buy(buyers, day, treated)
        self.active = 0.9 * self.active + 0.1 * bought
        hazard = -np.expm1(-np.exp(self.log_hazard(day - self.last_purchase)))
        churn = self.alive & ~bought & (self.rng.random(len(prob)) < hazard)
        self.alive[churn] = False
        self.churn_day[churn] = day

    def run(self, first_day: int, last_day: int, campaigns: dict[int, Campaign]) -> None:
        """Simulate days ``first_day .. last_day - 1``."""
        for day in range(first_day, last_day):
            self.step(day, campaigns.get(day))

    # --- truth ------------------------------------------------------------------------------
    def purchase_probability(self, day: int, *, window: int, treated: bool) -> np.ndarray:
        """P(at least one purchase in days ``day .. day+window-1``) from today's state, (N,).

        Rates are held at today's value (plus the reference promotion if ``treated``); the churn
        hazard grows with recency until the first purchase, exactly as in :meth:`step`.
        """
        log_rate = self.log_rate()
        if treated:
            log_rate = log_rate + np.log1p(self.promotion_effect())
        p_day = -np.expm1(-np.exp(log_rate))
        no_purchase_yet = self.alive.astype(float)  # P(alive and not bought yet) at day start
        bought = np.zeros(len(p_day))
        for d in range(window):
            bought += no_purchase_yet * p_day
            no_purchase_yet = no_purchase_yet * (1 - p_day)
            hazard = -np.expm1(-np.exp(self.log_hazard(day + d - self.last_purchase)))
            no_purchase_yet = no_purchase_yet * (1 - hazard)
        return bought
