"""Small helpers shared by the TrackingNet, GOT-10k, VOT and folder adapters.

The ``errors`` protocol: an adapter that accepts ``errors: list | None`` raises the first
per-sequence :class:`~odtrack_eval.errors.OdtrackEvalError` when it is None (normal loading) and
otherwise appends it, skips that sequence and goes on, so ``odtrack-eval datasets check`` can
report every problem in one pass.
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TypeVar

from odtrack_eval.errors import FormatError, OdtrackEvalError

T = TypeVar("T")

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple:
    """Sort key that orders ``2.jpg`` before ``10.jpg`` (digit runs compare as numbers)."""
    return tuple(int(t) if t.isdigit() else t.lower() for t in _DIGITS.split(name))


def read_names(path: Path) -> list[str]:
    """One name per line (CRLF allowed, blank lines and surrounding spaces ignored)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FormatError(path, "file not found", expected="one sequence name per line") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(path, f"not UTF-8 text ({exc.reason})", expected="one sequence name per line") from None
    return [s.strip() for s in text.splitlines() if s.strip()]


def package_text(*parts: str) -> str:
    """Text of a file shipped in ``odtrack_eval/data`` (``.gz`` files are decompressed)."""
    ref = resources.files("odtrack_eval").joinpath("data", *parts)
    data = ref.read_bytes()
    if parts[-1].endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8")


def package_names(*parts: str) -> list[str]:
    return [s.strip() for s in package_text(*parts).splitlines() if s.strip()]


def list_images(folder: Path, extensions: tuple[str, ...] = IMAGE_EXTENSIONS) -> list[str]:
    """File names (not paths) of the images directly in ``folder``; [] if it does not exist."""
    try:
        with os.scandir(folder) as it:
            return [e.name for e in it if e.name.lower().endswith(extensions) and e.is_file()]
    except (FileNotFoundError, NotADirectoryError):
        return []


def collect(errors: list[OdtrackEvalError] | None, func: Callable[[], T], name: str | None = None) -> T | None:
    """Run ``func``; on an OdtrackEvalError raise it (``errors`` None) or record it and return None.

    A recorded error carries ``sequence_name`` so the checker does not also call it "missing".
    """
    try:
        return func()
    except OdtrackEvalError as exc:
        if errors is None:
            raise
        exc.sequence_name = name  # type: ignore[attr-defined]
        errors.append(exc)
        return None
