"""Locating ../shared (the project's real data) for tests; absent -> the test skips with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The repository's root (tests/ is one level below it, whatever subfolder a test sits in).
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL = SHARED / "data" / "real"


def require_shared(*parts: str) -> Path:
    """Path under ../shared, or skip the test when the shared material is not beside the repo."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the project's shared material at {path} (not present in this checkout)")
    return path
