"""The graph and its sampler keep large edge arrays compact (they dominate memory at scale)."""
from __future__ import annotations

import torch

import graph_shop as shop
from engine.graph import build_graph
from engine.graph.neighbours import NeighbourIndex


def test_reverse_edges_share_storage_with_forward():
    data = build_graph(shop.connect(), shop.DB).data
    for et in data.edge_types:
        if et[1].startswith("rev_"):
            continue
        forward = data[et].edge_index
        backward = data[et[2], "rev_" + et[1], et[0]].edge_index
        assert torch.equal(backward, forward.flip(0))
        assert forward.is_contiguous() and backward.is_contiguous()
        assert backward.untyped_storage().data_ptr() == forward.untyped_storage().data_ptr()


def test_neighbour_index_entries_are_int32_and_read_back_as_int64():
    edge_index = torch.tensor([[0, 1, 2, 3], [1, 0, 1, 1]])
    index = NeighbourIndex.build(edge_index, num_dst=2, src_time=torch.tensor([5, 1, 3, 2]))
    assert index.entries.dtype == torch.int32 and index.edge_ids.dtype == torch.int32
    # dst 1's neighbours 0, 2, 3 in time order (5, 3, 2 -> 3, 2, 0)
    assert index.neighbour(torch.arange(1, 4)).tolist() == [3, 2, 0]
    assert index.neighbour(torch.tensor([0])).dtype == torch.int64
    assert index.edge_id(torch.arange(4)).tolist() == [1, 3, 2, 0]


def test_visible_counts_match_a_direct_count():
    g = torch.Generator().manual_seed(0)
    num_src, num_dst, num_edges = 200, 30, 2000
    src_time = torch.randint(0, 50, (num_src,), generator=g)
    src_time[:10] = torch.iinfo(torch.int64).min  # always visible
    edge_index = torch.stack([torch.randint(0, num_src, (num_edges,), generator=g),
                              torch.randint(0, num_dst, (num_edges,), generator=g)])
    index = NeighbourIndex.build(edge_index, num_dst=num_dst, src_time=src_time)
    dst = torch.randint(0, num_dst, (500,), generator=g)
    bound = torch.randint(-5, 60, (500,), generator=g)
    start, count = index.visible(dst, bound)
    for d, b, s, c in zip(dst.tolist(), bound.tolist(), start.tolist(), count.tolist()):
        mine = edge_index[0][edge_index[1] == d]
        assert c == int((src_time[mine] <= b).sum())
        assert s == int(index.rowptr[d])
        assert bool((src_time[index.neighbour(torch.arange(s, s + c))] <= b).all())
