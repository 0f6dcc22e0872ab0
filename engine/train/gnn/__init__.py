"""Pieces of the GNN trainer (`engine.train.gnn_trainer.GNNTrainer`); they import torch.

- `settings`: hyper-parameters from WITH options and the data's size;
- `targets`: labels <-> tensors (class lists, vocabularies, item keys, log1p), JSON-serialisable;
- `context`: the graph, its sampler, seed lookup (entity node, anchor seconds) and batches;
- `loop`: the seeded training loop with early stopping on validation;
- `inference`: a trained model over rows -> `Predictions`.
"""
