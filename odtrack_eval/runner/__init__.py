"""Running trackers over datasets: planning, execution backends, atomic result files, manifests."""

from odtrack_eval.runner.runner import (
    ResultsWriteError,
    RunConfig,
    RunInterrupted,
    RunReport,
    exit_status,
    run_tracker,
)

__all__ = ["ResultsWriteError", "RunConfig", "RunInterrupted", "RunReport", "exit_status", "run_tracker"]
