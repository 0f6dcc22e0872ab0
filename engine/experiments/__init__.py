"""Analysis of randomized experiments: per-arm rates, lifts with intervals, SRM check, CUPED."""
from engine.experiments.analysis import ExperimentAnalysis, analyze_experiment
from engine.experiments.cuped import CupedSummary, cuped_adjust
from engine.experiments.srm import SampleRatioCheck, sample_ratio_check
from engine.experiments.stats import ArmStats, Comparison, arm_stats, compare_means, compare_proportions

__all__ = [
    "ArmStats",
    "Comparison",
    "CupedSummary",
    "ExperimentAnalysis",
    "SampleRatioCheck",
    "analyze_experiment",
    "arm_stats",
    "compare_means",
    "compare_proportions",
    "cuped_adjust",
    "sample_ratio_check",
]
