"""The benchmark run's clock reads the fit's start and end and the GNN's device from progress messages."""
from bench.one_run import _Clock


def test_clock_reads_the_gnn_device_and_fit_marks():
    clock = _Clock()
    clock("training gnn …")
    clock("gnn: 1,000 training rows (1,000 per epoch), up to 40 epochs, 128 channels, 2 layers, 10 neighbours, device cuda")
    clock("gnn epoch 1/40: loss 4.6774 · val map 0.1422 · 2.3s")
    clock("gnn: validation map 0.3")
    assert clock.device == "cuda" and clock.epochs_s == [2.3]
    assert clock.marks["fit_start"] <= clock.marks["fit_end"]


def test_clock_without_a_gnn_line_has_no_device():
    clock = _Clock()
    clock("training lightgbm …")
    assert clock.device is None
