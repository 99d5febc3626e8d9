"""Spying on file reads: which files a piece of code reads, to test that caches spare them."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest


def count_reads(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> list[str]:
    """The names of the files read through ``module.read_bytes`` from now on, in order (the module's own
    reference is patched, so every caller that reads through it is seen)."""
    seen: list[str] = []
    real = module.read_bytes

    def counting(path: object) -> bytes:
        seen.append(Path(str(path)).name)
        return real(path)

    monkeypatch.setattr(module, "read_bytes", counting)
    return seen
