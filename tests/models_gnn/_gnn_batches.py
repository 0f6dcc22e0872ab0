"""Hand-made batches that follow the temporal NodeLoader contract (disjoint sampling).

Schema: ``customer`` (entity, untimed, 1 numerical + 1 categorical column), ``order`` (timed,
2 numerical + 1 categorical), ``product`` (untimed, no features). Per seed: the customer, its
1..3 orders (placed before the seed time) and each order's product, all copied per seed.
"""
from __future__ import annotations

import torch
from torch_geometric.data import HeteroData

from engine.models.gnn import UNTIMED, GraphMetadata, NodeFeatures

DAY = 86_400
PLACED_BY = ("order", "placed_by", "customer")
REV_PLACED_BY = ("customer", "rev_placed_by", "order")
CONTAINS = ("order", "contains", "product")
REV_CONTAINS = ("product", "rev_contains", "order")
EDGE_TYPES = (PLACED_BY, REV_PLACED_BY, CONTAINS, REV_CONTAINS)
CUSTOMER_SEGMENTS = 5
ORDER_CHANNELS = 3


def metadata() -> GraphMetadata:
    return GraphMetadata(
        nodes=(
            NodeFeatures(name="customer", num_numerical=1, cat_cardinalities=(CUSTOMER_SEGMENTS + 1,)),
            NodeFeatures(name="order", num_numerical=2, cat_cardinalities=(ORDER_CHANNELS + 1,)),
            NodeFeatures(name="product"),
        ),
        edge_types=EDGE_TYPES,
        entity_type="customer",
    )


def make_batch(batch_size: int, *, seed: int, max_orders: int = 3) -> tuple[HeteroData, torch.Tensor]:
    """A batch and its planted binary label ``[B]``: 1 when the mean of the seed's orders' first
    numerical feature is positive -- only learnable by looking at the neighbours."""
    g = torch.Generator().manual_seed(seed)
    seed_time = torch.randint(1_000 * DAY, 2_000 * DAY, (batch_size,), generator=g)
    counts = torch.randint(1, max_orders + 1, (batch_size,), generator=g)
    n_orders = int(counts.sum())
    order_seed = torch.repeat_interleave(torch.arange(batch_size), counts)  # which seed each order is for

    data = HeteroData()
    data["customer"].x_num = torch.randn(batch_size, 1, generator=g)
    data["customer"].x_cat = torch.randint(0, CUSTOMER_SEGMENTS + 1, (batch_size, 1), generator=g)
    data["customer"].time = torch.full((batch_size,), UNTIMED, dtype=torch.long)
    data["customer"].batch = torch.arange(batch_size)
    data["customer"].seed_time = seed_time
    data["customer"].batch_size = batch_size

    data["order"].x_num = torch.randn(n_orders, 2, generator=g)
    data["order"].x_cat = torch.randint(0, ORDER_CHANNELS + 1, (n_orders, 1), generator=g)
    age = torch.randint(0, 365 * DAY, (n_orders,), generator=g)
    data["order"].time = seed_time[order_seed] - age
    data["order"].batch = order_seed

    data["product"].x_num = torch.empty(n_orders, 0)
    data["product"].x_cat = torch.empty(n_orders, 0, dtype=torch.long)
    data["product"].time = torch.full((n_orders,), UNTIMED, dtype=torch.long)
    data["product"].batch = order_seed.clone()

    orders = torch.arange(n_orders)
    data[PLACED_BY].edge_index = torch.stack([orders, order_seed])
    data[REV_PLACED_BY].edge_index = torch.stack([order_seed, orders])
    data[CONTAINS].edge_index = torch.stack([orders, orders])  # one product copy per order
    data[REV_CONTAINS].edge_index = torch.stack([orders, orders])

    sums = torch.zeros(batch_size).index_add_(0, order_seed, data["order"].x_num[:, 0])
    label = (sums / counts > 0).float()
    return data, label
