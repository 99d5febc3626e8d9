"""Running trackers over datasets: planning, execution backends, atomic result files, manifests."""

from odtrack_eval.runner.runner import RunConfig, RunReport, run_tracker

__all__ = ["RunConfig", "RunReport", "run_tracker"]
