"""The tests of the compiled kernels run wherever a C compiler is: there a build that fails is a failure."""

from __future__ import annotations

import pytest


def require_kernels() -> None:
    """Skip without a C compiler (the numpy path is then the product); elsewhere the kernels must load."""
    from odtrack_eval import backend

    if backend._compiler() is None:
        pytest.skip("no C compiler here: the compiled kernels cannot be built", allow_module_level=True)
    error = backend.kernels_import_error()
    assert error is None, f"the compiled kernels do not load: {error}"
