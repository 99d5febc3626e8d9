"""Test-wide isolation: no test reads or writes the user's cache folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODTRACK_EVAL_CACHE", str(tmp_path_factory.mktemp("cache")))
