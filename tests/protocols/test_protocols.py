"""protocols/: the threshold grids are the reference tools' exact floats, and every protocol is a cited
rule set of one kind in one registry."""

from __future__ import annotations

import numpy as np
import pytest

from odtrack_eval.errors import UnknownNameError
from odtrack_eval.protocols import PROTOCOLS, SUCCESS_GRID_TORCH, get_protocol, matlab_colon, mismatch


def test_the_torch_grid_is_torch_arange() -> None:
    torch = pytest.importorskip("torch")
    assert torch.arange(0.0, 1.05, 0.05, dtype=torch.float64).tolist() == list(SUCCESS_GRID_TORCH)


def test_matlab_colon_computes_the_second_half_from_the_end() -> None:
    """protocol-findings.md §4: MATLAB's 0:0.05:1 holds 0.6, 0.6499999999999999, 0.7, 0.85, 0.95."""
    grid = matlab_colon(0.0, 0.05, 1.0).tolist()
    assert len(grid) == 21 and grid[0] == 0.0 and grid[-1] == 1.0
    assert [grid[12], grid[13], grid[14], grid[17], grid[19]] == [0.6, 0.6499999999999999, 0.7, 0.85, 0.95]
    assert np.linspace(0.0, 1.0, 21)[13] == 0.65 != grid[13]  # (got10k's grid differs in the last bit)


def test_every_protocol_is_cited_and_of_one_kind() -> None:
    for name, protocol in PROTOCOLS.items():
        assert protocol.name == name and protocol.reference and protocol.description
        assert protocol.kind in ("one-pass", "multistart")
        assert protocol.for_benchmark("lasot").kind == protocol.kind


def test_protocols_refuse_benchmarks_of_the_other_kind() -> None:
    assert mismatch(get_protocol("odtrack"), "lasot", "lasot") is None
    assert mismatch(get_protocol("vot2020"), "vot2020", "vot2020") is None
    refusal = mismatch(get_protocol("odtrack"), "vot2020", "vot2020")
    assert "multistart (VOT) protocols (vot2020, vot2020-legacy)" in refusal
    assert "one-pass protocols" in mismatch(get_protocol("vot2020"), "lasot", "lasot")
    with pytest.raises(UnknownNameError, match="Did you mean 'odtrack'"):
        get_protocol("odtrak")
