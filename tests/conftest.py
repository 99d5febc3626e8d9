"""Test-wide isolation: no test reads or writes the user's cache folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODTRACK_EVAL_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(params=["compiled", "numpy"])
def both_paths(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on both backends: the compiled kernels (forced, for every input size) and the numpy
    reference they must equal."""
    from odtrack_eval.backend import ENV_VAR, Backend, choose_backend

    if request.param == "compiled":
        from tests._kernels import require_kernels

        require_kernels()
    monkeypatch.setenv(ENV_VAR, "1" if request.param == "compiled" else "0")
    assert choose_backend(0) is (Backend.COMPILED if request.param == "compiled" else Backend.NUMPY)
    return request.param
