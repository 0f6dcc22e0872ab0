"""`GNNSettings`: the GNN trainer's hyper-parameters, from `WITH` options and the data's size.

Defaults aim at about a minute on two CPU cores for 10k-50k training rows: 64 channels on CPU (128,
RelBench's width, on CUDA; per-batch CPU time grows about 3x from 64 to 128), 2 layers,
16 neighbours per edge type and hop, batches of 512 seeds, Adam at lr 0.005, at most
``max_train_rows`` seeds per epoch (a fresh seeded sample each epoch, so huge tables stay bounded),
at least ``min_train_rows`` (a small table is passed over several times, so that an epoch is
enough optimizer steps for early stopping to judge), and about ``TARGET_SEED_VISITS`` seed visits
in total (6 to 30 epochs) with early stopping on the validation metric. A large table gets at least
``MIN_PASSES`` passes over its training rows instead, in bigger epochs (still at most 30), within
the time budget: the fixed 240,000 visits had trained on a fifth of a 1M-customer shop's 1.2M rows,
once. On the 200,000-customer LTV shop (238k training rows, seed 0, fixed epochs) one pass, two and
four gave validation Spearman 0.671, 0.700 and 0.703 (LightGBM 0.695) and MAE 209.5, 205.8 and 198.6.
Such big epochs also validate and keep a moving average of the weights (as ranking does): with early
stopping, four passes gave validation MAE 203.3 / 204.2 / 209.1 over seeds 0-2 without it, one seed
stopping after 7 epochs on a noisy best, and 200.2 / 196.4 / 199.1 with it (LightGBM 196.9 / 195.6 /
195.0). ``WITH epochs = n`` fixes the number of epochs (the best epoch's weights are still kept, but
training does not stop early).

``WITH lr_decay = f`` multiplies the learning rate by ``f`` after every ``lr_patience`` (2) epochs without a
better validation metric, and a refit replays the rates its fit used for the epochs it chose. Off by
default: over two seeds of nine bench cases and three of LTV 3k/20k/200k (session 15, ``f = 0.25``) it
left five cases' validation metric unchanged to the digit (best epoch before any drop), moved f1
driver-position's validation MAE 2.780 -> 2.732, loyalty churn's AUROC 0.771 -> 0.768, retail spend's MAE
260.4 -> 261.6 and LTV's by less than its seed spread: no overall gain (README, How long the GNN trains).

Graphs differ widely in how many nodes one seed's subgraph holds (an order of magnitude between a
customer with 16 orders and one with 16 invoices of 16 lines each), so epochs alone do not bound the
time: without a caller's ``time_budget`` the loop stops at ``DEFAULT_TIME_BUDGET`` seconds (CPU) or
``DEFAULT_CUDA_TIME_BUDGET`` (CUDA), keeping the best epoch so far.

Link ranking has its own defaults. Its entity embedding meets a learned row per item in a dot
product, so the tabular history features (``tabular_features``) let it memorise which customer took
which item: on Online Retail next product they cost validation MAP (0.239 without, 0.236 with) and
made it overfit from the third epoch. The repeat signal they would add already reaches the ranking
through the pair features of `engine.graph.item_history`. And it learns at ``RANKING_LR`` (0.002)
for twice the seed visits (``RANKING_SEED_VISITS``): the item table moves slowly enough for early
stopping to find the best epoch (Online Retail validation MAP 0.239 -> 0.241), and the generated
cross-sell shop, still improving at its 12th epoch (0.324), gets there (0.337 by epoch 19). Its
validation MAP still moved by ±0.003 from one epoch to the next, so ranking validates and keeps a
moving average of the weights (``weight_average``; Online Retail over seeds 0-2: validation 0.2414 ->
0.2419, test 0.2260 -> 0.2275; on LTV regression it changed nothing, 0.711 -> 0.708 validation).
And it trains with dropout ``RANKING_DROPOUT`` on the entity embedding (session 19, seeds 0-2: cross-sell
validation MAP 0.346 -> 0.353, every seed higher, test 0.323 -> 0.331; Online Retail validation a tie,
0.2419 -> 0.2419, test 0.2275 -> 0.2284). Other tasks train without: on LTV regression it cost validation
Spearman (0.717 / 0.706 -> 0.712 / 0.700 at 3,000 / 20,000 customers).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

from engine.train.base import TrainInputs
from pql.bound import TaskType

TARGET_SEED_VISITS = 240_000
RANKING_SEED_VISITS = 2 * TARGET_SEED_VISITS  # the slower RANKING_LR needs more steps
MIN_EPOCHS, MAX_EPOCHS = 6, 30
MIN_PASSES = 4  # passes over the training rows, at least (matters above TARGET_SEED_VISITS / 4 rows)
CPU_CHANNELS = 64
DEFAULT_TIME_BUDGET, DEFAULT_CUDA_TIME_BUDGET = 300.0, 1800.0
RANKING_LR = 0.002
RANKING_DROPOUT = 0.2


@dataclass(frozen=True, kw_only=True)
class GNNSettings:
    channels: int = 128
    layers: int = 2
    aggr: str = "sum"  # RelBench's choice: sums let the model count a neighbourhood, means cannot
    neighbors: int = 16
    batch_size: int = 512
    lr: float = 0.005
    epochs: int = 10
    fixed_epochs: bool = False  # WITH epochs = n: train all n epochs
    patience: int = 6  # epochs without a better validation metric before stopping
    lr_decay: float = 1.0  # the learning rate is multiplied by this after every lr_patience epochs without a better one
    lr_patience: int = 2
    weight_decay: float = 0.0  # AdamW's decoupled decay; 0 keeps plain Adam
    dropout: float = 0.0  # on the entity embedding before the head and in the seed-feature MLP
    lr_schedule: tuple[float, ...] = ()  # per epoch, overriding lr and lr_decay: a refit replays its fit's rates
    max_train_rows: int = 20_000  # seeds per epoch, at most
    min_train_rows: int = 4_096  # seeds per epoch, at least: small tables are passed over several times
    max_val_rows: int = 10_000  # validation rows scored after each epoch
    calibration_rows: int = 5_000  # training rows a log-scale regression's output scale is fitted on
    temporal_strategy: str = "last"  # the same neighbours in training and prediction
    time_budget: float | None = None  # seconds of training, at most
    seed: int = 0
    tabular_features: bool = True  # the LightGBM history features also feed the head (seed_features.py)
    identity_max_rows: int = 5_000  # static tables up to this size get a learned embedding per row
    weight_average: bool = False  # validate and keep a moving average of the weights (loop.WeightAverage)

    @classmethod
    def from_inputs(cls, inputs: TrainInputs, num_train_rows: int) -> "GNNSettings":
        base = cls()
        ranking = inputs.bq.task is TaskType.LINK_RANKING
        channels = int(inputs.option("channels", base.channels if inputs.device == "cuda" else CPU_CHANNELS))
        epochs = inputs.epochs if inputs.epochs is not None else inputs.option("epochs")
        visits = max(RANKING_SEED_VISITS if ranking else TARGET_SEED_VISITS, MIN_PASSES * num_train_rows)
        max_rows = max(base.max_train_rows, math.ceil(visits / MAX_EPOCHS))  # bigger epochs, not more of them
        per_epoch = replace(base, max_train_rows=max_rows).rows_per_epoch(num_train_rows)
        large = max_rows > base.max_train_rows  # big epochs: validate a moving average of the weights
        auto_epochs = min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(visits / per_epoch)))
        return cls(channels=channels + channels % 2,  # the time encoder needs an even width
                   max_train_rows=max_rows,
                   layers=int(inputs.option("layers", _default_layers(inputs, base.layers))),
                   neighbors=int(inputs.option("neighbors", base.neighbors)),
                   batch_size=int(inputs.option("batch_size", base.batch_size)),
                   lr=float(inputs.option("lr", RANKING_LR if ranking else base.lr)),
                   lr_decay=float(inputs.option("lr_decay", base.lr_decay)),
                   weight_decay=float(inputs.option("weight_decay", base.weight_decay)),
                   dropout=float(inputs.option("dropout", RANKING_DROPOUT if ranking else base.dropout)),
                   epochs=int(epochs) if epochs is not None else auto_epochs,
                   fixed_epochs=epochs is not None, seed=int(inputs.seed),
                   tabular_features=bool(inputs.option("tabular_features", base.tabular_features and not ranking)),
                   weight_average=bool(inputs.option("weight_average", base.weight_average or ranking or large)),
                   time_budget=inputs.time_budget if inputs.time_budget is not None else (
                       DEFAULT_CUDA_TIME_BUDGET if inputs.device == "cuda" else DEFAULT_TIME_BUDGET))

    def rows_per_epoch(self, num_train_rows: int) -> int:
        """Seeds one epoch trains on: every row, within [min_train_rows, max_train_rows]."""
        return max(1, min(self.max_train_rows, max(num_train_rows, self.min_train_rows)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GNNSettings":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "lr_schedule" in known:
            known["lr_schedule"] = tuple(known["lr_schedule"])
        return cls(**known)


MAX_AUTO_LAYERS = 3


def _default_layers(inputs: TrainInputs, layers: int) -> int:
    """Link ranking: enough hops for the entity to reach the items it is ranked against.

    ``customers <- invoices <- invoice_lines -> products`` is three hops: with two layers a customer's
    subgraph never holds a product, so neither the item-history scores nor message passing can say
    which products it bought. Capped at ``MAX_AUTO_LAYERS`` (each hop multiplies the subgraph).
    """
    from pql.bound import TaskType, iter_aggregations

    bq = inputs.bq
    if bq.task is not TaskType.LINK_RANKING:
        return layers
    target = next(iter_aggregations(bq.target), None)
    if target is None:
        return layers
    return max(layers, min(MAX_AUTO_LAYERS, len(target.path) + 1))
