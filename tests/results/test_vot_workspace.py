"""vot-toolkit results layout: our binary/text trajectories are byte-identical to / read back by the toolkit."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.errors import FormatError
from odtrack_eval.regions import region as rg
from odtrack_eval.results import vot_workspace as ws

vot_io = pytest.importorskip("vot.region.io", reason="vot-toolkit (reference) not installed")
from vot.region import Special as VSpecial  # noqa: E402
from vot.region.shapes import Mask as VMask  # noqa: E402
from vot.region.shapes import Polygon as VPolygon  # noqa: E402
from vot.region.shapes import Rectangle as VRectangle  # noqa: E402


def _regions() -> list[rg.Region]:
    rng = np.random.default_rng(0)
    big = np.zeros((300, 400), bool)
    big[290:, 390:] = True  # a zero run of > 65025 pixels (split by the toolkit's writer)
    return [
        rg.Special(1),
        rg.Rectangle(1.5, -2.25, 10.0, 3.75),
        rg.Polygon(np.array([[0.5, 1.0], [4.0, 1.5], [3.0, 6.0]])),
        rg.Mask(rng.random((5, 7)) < 0.5, (-3, 12)),
        rg.Mask(np.ones((2, 2), bool), (4, 5)),  # first pixel set: runs start with 0
        rg.Mask(big, (0, 0)),
        rg.Mask(np.zeros((0, 0), bool), (0, 0)),
        rg.Special(0),
    ]


def _to_vot(r: rg.Region):
    if isinstance(r, rg.Special):
        return VSpecial(r.code)
    if isinstance(r, rg.Rectangle):
        return VRectangle(r.x, r.y, r.w, r.h)
    if isinstance(r, rg.Polygon):
        return VPolygon([tuple(p) for p in r.points])
    return VMask(r.mask.astype(np.uint8), tuple(r.offset))


def test_binary_bytes_equal_toolkit_writer() -> None:
    regions = _regions()
    buf = io.BytesIO()
    vot_io.write_trajectory_binary(buf, [_to_vot(r) for r in regions])
    assert ws.encode_binary(regions) == buf.getvalue()


@pytest.mark.parametrize("suffix", [".bin", ".txt"])
def test_toolkit_reads_what_we_write(tmp_path: Path, suffix: str) -> None:
    regions = _regions()
    path = tmp_path / ("run" + suffix)
    ws.write_trajectory(path, regions)
    theirs = vot_io.read_trajectory(str(path))
    ours = ws.read_trajectory(path)
    assert len(theirs) == len(ours) == len(regions)
    for t, o in zip(theirs, ours, strict=True):
        if isinstance(o, rg.Special):
            assert t.code == o.code
        elif isinstance(o, rg.Rectangle):
            assert (t.x, t.y, t.width, t.height) == pytest.approx((o.x, o.y, o.w, o.h))
        elif isinstance(o, rg.Polygon):
            np.testing.assert_allclose(np.array(t.points()), o.points, rtol=1e-6)
        else:
            assert tuple(t.offset) == tuple(o.offset)
            np.testing.assert_array_equal(t.mask != 0, o.mask)
    assert not list(tmp_path.glob("*.tmp"))  # atomic write leaves no temp file


def test_text_preferred_over_binary(tmp_path: Path) -> None:
    ws.write_trajectory(tmp_path / "s_00000000.bin", [rg.Special(1)])
    assert ws.find_trajectory(tmp_path, "s_00000000").suffix == ".bin"
    ws.write_trajectory(tmp_path / "s_00000000.txt", [rg.Special(1)])
    assert ws.find_trajectory(tmp_path, "s_00000000").suffix == ".txt"
    assert ws.find_trajectory(tmp_path, "s_00000050") is None


def test_bad_binary(tmp_path: Path) -> None:
    data = ws.encode_binary(_regions())
    with pytest.raises(FormatError, match="truncated"):
        ws.decode_binary(data[:-3], "x.bin")
    with pytest.raises(FormatError, match="version"):
        ws.decode_binary(b"\x02\x00" + data[2:], "x.bin")
    with pytest.raises(FormatError, match="region type 9"):
        ws.decode_binary(b"\x01\x00\x01\x00\x00\x00\x09", "x.bin")
    with pytest.raises(FormatError, match="trailing"):
        ws.decode_binary(data + b"\x00", "x.bin")
