"""Budget allocation: which entity gets which arm to maximise expected incremental value minus cost."""
from engine.allocation.problem import AllocationProblem
from engine.allocation.result import AllocationResult, AllocationSummary, PolicyOutcome
from engine.allocation.solve import allocate, solve

__all__ = ["AllocationProblem", "AllocationResult", "AllocationSummary", "PolicyOutcome", "allocate", "solve"]
