"""Temporal sampler throughput: seeds per second at k=10, 2 hops on a generated ~100k-node graph.

    .venv/bin/python -m bench.sampler_bench [--users 10000] [--products 5000] [--events 85000]

Measures the sampler alone (``sample_from_nodes``) and the full ``NodeLoader`` batch (sampling plus
feature slicing), single-threaded, for both temporal strategies.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch_geometric.data import HeteroData
from torch_geometric.sampler import NodeSamplerInput

from engine.graph import ALWAYS_VISIBLE, TemporalSampler, temporal_loader

YEAR = 365 * 86_400


def generated_graph(users: int, products: int, events: int, seed: int = 0) -> HeteroData:
    """users ← events → products; events timed over one year, popularity skewed (Zipf-like)."""
    rng = np.random.default_rng(seed)
    data = HeteroData()
    for name, n in (("users", users), ("products", products)):
        data[name].x_num = torch.randn(n, 8)
        data[name].x_cat = torch.from_numpy(rng.integers(0, 20, size=(n, 2)))
        data[name].time = torch.full((n,), ALWAYS_VISIBLE, dtype=torch.long)
        data[name].num_nodes = n
    data["events"].x_num = torch.randn(events, 4)
    data["events"].x_cat = torch.zeros(events, 0, dtype=torch.long)
    data["events"].time = torch.from_numpy(rng.integers(0, YEAR, size=events))
    data["events"].num_nodes = events
    user = torch.from_numpy(rng.integers(0, users, size=events))
    product = torch.from_numpy(np.minimum(rng.zipf(1.3, size=events) - 1, products - 1))
    event = torch.arange(events)
    for parent, key in (("users", user), ("products", product)):
        data["events", f"to_{parent}", parent].edge_index = torch.stack([event, key])
        data[parent, f"rev_to_{parent}", "events"].edge_index = torch.stack([key, event])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=5_000)
    parser.add_argument("--events", type=int, default=85_000)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--seeds", type=int, default=20_000)
    args = parser.parse_args()
    torch.set_num_threads(1)

    data = generated_graph(args.users, args.products, args.events)
    total = sum(data[nt].num_nodes for nt in data.node_types)
    rng = np.random.default_rng(1)
    seeds = torch.from_numpy(rng.integers(0, args.users, size=args.seeds))
    anchors = torch.from_numpy(rng.integers(YEAR // 4, YEAR, size=args.seeds))
    print(f"graph: {total:,} nodes, {data.num_edges:,} edges; {args.seeds:,} seeds, batch {args.batch_size}")

    for strategy in ("last", "uniform"):
        start = time.perf_counter()
        sampler = TemporalSampler(data, num_neighbors=[10, 10], temporal_strategy=strategy)
        build_s = time.perf_counter() - start

        start, sampled = time.perf_counter(), 0
        for lo in range(0, args.seeds, args.batch_size):
            idx = torch.arange(lo, min(lo + args.batch_size, args.seeds))
            out = sampler.sample_from_nodes(NodeSamplerInput(input_id=idx, node=seeds[idx], time=anchors[idx],
                                                             input_type="users"))
            sampled += sum(v.numel() for v in out.node.values())
        sampler_s = time.perf_counter() - start

        loader = temporal_loader(data, "users", seeds, anchors, batch_size=args.batch_size, sampler=sampler)
        start = time.perf_counter()
        for _ in loader:
            pass
        loader_s = time.perf_counter() - start
        print(f"{strategy:>7}: index build {build_s:.2f}s | sampler {args.seeds / sampler_s:,.0f} seeds/s "
              f"({sampled / args.seeds:.1f} nodes/seed) | NodeLoader {args.seeds / loader_s:,.0f} seeds/s")


if __name__ == "__main__":
    main()
