"""Checkpoint errors: each names the file and says what was expected (torch-free)."""

from __future__ import annotations

from pathlib import Path

from odtrack_eval.errors import FormatError, OdtrackEvalError


class CheckpointError(FormatError):
    """A checkpoint file cannot be used (base class; message is ``path: problem (expected ...)``)."""


class CheckpointReadError(CheckpointError):
    """The file is missing, empty, truncated or not a torch checkpoint."""


class CheckpointUnsafeError(CheckpointError):
    """The file refers to code the safe loader refuses to even map (e.g. ``os``/``sys`` globals)."""


class CheckpointVariantError(CheckpointError):
    """The weights belong to another architecture (e.g. an ODTrack-L file for an ODTrack-B definition)."""


class CheckpointKeysError(CheckpointError):
    """Missing, unexpected or mis-shaped state-dict entries (all of them are listed)."""

    def __init__(
        self,
        path: str | Path,
        missing: list[str],
        unexpected: list[str],
        mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]],
        expected: str,
    ):
        self.missing, self.unexpected, self.mismatched = missing, unexpected, mismatched
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing key(s): {', '.join(missing)}")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected key(s): {', '.join(unexpected)}")
        if mismatched:
            shapes = ", ".join(f"{k} {tuple(got)} vs {tuple(want)}" for k, got, want in mismatched)
            parts.append(f"{len(mismatched)} shape mismatch(es) (checkpoint vs model): {shapes}")
        super().__init__(path, "state dict does not match the model: " + "; ".join(parts), expected=expected)


class TrackerInputError(OdtrackEvalError):
    """The tracker got an input it cannot process (e.g. an initial box with zero area)."""
