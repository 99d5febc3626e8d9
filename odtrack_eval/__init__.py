"""odtrack-eval: one toolkit for single-object tracking benchmarks.

Evaluation (datasets, results, metrics, reports) imports without torch; trackers that need
torch import it lazily.
"""

__version__ = "0.1.0"
