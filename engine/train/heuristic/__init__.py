"""Building blocks of the heuristic baseline (`engine.train.heuristic_trainer.HeuristicTrainer`).

    past.py         the target's own aggregations over a window that ends at the anchor
    orient.py       which way a binary condition's aggregation points ("more purchases -> true")
    calibration.py  a monotone map from one score to a probability, saved as JSON
    scalar.py       binary / regression / forecasting persistence
    categorical.py  multiclass / multilabel persistence, link-ranking popularity
    uplift.py       the constant treated-minus-control difference
"""
