"""What the ``show`` commands that draw on frames share: loading the named sequences with their frames and
the trackers' boxes, in CLI words when something is missing. Imported only when such a command runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.results.tracks import Tracks, load_tracks
from odtrack_eval.sequence import Dataset


@dataclass(frozen=True)
class Shown:
    """The dataset restricted to the sequences asked for (in that order), and the trackers' boxes."""

    dataset: Dataset
    tracks: Tracks
    root: Path


def load_shown(
    dataset: str, root: Path | None, results: Path, sequences: list[str], trackers: list[str] | None, command: str
) -> Shown:
    """Load ``sequences`` of ``dataset`` (root from --root or the catalog) and the trackers' boxes for them;
    a sequence without frames (an annotation-only root, a partial copy) is an error naming --root."""
    from odtrack_eval.catalog import resolve_root
    from odtrack_eval.datasets import load_dataset

    base = resolve_root(dataset, root)
    ds = load_dataset(dataset, base, sequences=list(dict.fromkeys(sequences)))
    for seq in ds:
        if seq.frames is None:
            raise OdtrackEvalError(
                f"--root {base}: sequence {seq.name!r} has annotations only (no frames); `odtrack-eval show "
                f"{command}` draws on the frames: give --root the dataset as distributed (with its image folders)"
            )
        paths = seq.frame_paths()
        if not paths or not paths[0].is_file():
            where = paths[0] if paths else seq.frames.root
            raise OdtrackEvalError(
                f"--root {base}: sequence {seq.name!r} has no frame {where}; `odtrack-eval show {command}` "
                "draws on the frames: give --root the dataset as distributed (with its image folders)"
            )
    tracks = load_tracks(results, ds, trackers)
    for note in tracks.notes:
        typer.secho(f"warning: {note}", err=True, fg=typer.colors.YELLOW)
    return Shown(ds, tracks, base)


def output_suffix(out: Path, allowed: tuple[str, ...]) -> str:
    """The output's format from its suffix, or a clear error listing the allowed ones."""
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in allowed:
        names = ["." + a for a in allowed]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        raise OdtrackEvalError(f"--out {out}: expected a file name ending in {listed}")
    return suffix
