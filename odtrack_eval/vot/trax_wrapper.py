"""TraX server that lets vot-toolkit drive any odtrack-eval tracker (``protocol = traxpython``).

vot-toolkit starts ``python -m odtrack_eval.vot.trax_wrapper`` with ``TRAX=1`` and talks TraX over
stdin/stdout. The tracker is chosen by environment variables (set in ``trackers.ini`` as
``env_ODTRACK_EVAL_TRACKER = name``; see :mod:`odtrack_eval.vot.setup`):

* ``ODTRACK_EVAL_TRACKER``: registry name or path of a ``.toml`` definition (required);
* ``ODTRACK_EVAL_DEVICE``: ``cpu`` (default), ``cuda``, ``cuda:K``;
* ``ODTRACK_EVAL_TRACKERS``: extra definition folders (the registry's own variable).

Protocol notes. Images arrive as file paths (channel ``color``) and are read as RGB. The wrapper
advertises mask, rectangle and polygon input, so the toolkit sends the ground truth as it is (a mask
for VOT2020); the tracker gets its bounding box as ``init_bbox`` (and the region as ``init_region``).
Replies are rectangles (or masks when the tracker returns ``target_mask``). A new INITIALIZE
re-initialises the same tracker object (one process per sequence, one initialisation per anchor).

Nothing may reach stdout except TraX messages: before anything else runs, file descriptor 1 is
moved to a private descriptor used only by the TraX library, and fd 1 (and ``sys.stdout``) then
point to stderr, so prints of the tracker, of libraries and of C code cannot corrupt the protocol.
"""

from __future__ import annotations

import os
import sys
from typing import Any

ENV_TRACKER = "ODTRACK_EVAL_TRACKER"
ENV_DEVICE = "ODTRACK_EVAL_DEVICE"


def _protect_stdout() -> int:
    """Return a private duplicate of the real stdout; fd 1 and sys.stdout now go to stderr."""
    sys.stdout.flush()
    private = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return private


def _make_server(out_fd: int | None) -> Any:
    """A ``trax.server.Server`` whose messages go to ``out_fd`` (socket mode when TRAX_SOCKET is set)."""
    from trax import Properties  # noqa: F401  (imported for its side effect of loading the library)
    from trax.server import Server

    formats = ["mask", "rectangle", "polygon"]
    if out_fd is None or os.environ.get("TRAX_SOCKET"):
        return Server(formats, ["path"], ["color"], tracker_name="odtrack-eval")
    from ctypes import byref

    from trax import HandleWrapper, TraxException
    from trax._ctypes import (
        trax_is_alive,
        trax_logger,
        trax_logger_setup,
        trax_metadata_create,
        trax_metadata_release,
        trax_server_setup_file_v,
    )
    from trax.image import Image, ImageChannel
    from trax.region import Region

    server = Server.__new__(Server)
    server._logger = trax_logger()
    mdata = trax_metadata_create(
        Region.encode_list(formats), Image.encode_list(["path"]), ImageChannel.encode_list(["color"]),
        b"odtrack-eval", b"odtrack-eval tracker over TraX", b"odtrack-eval", 0,
    )  # fmt: skip
    logger = trax_logger_setup(server._logger, None, 0)
    handle = trax_server_setup_file_v(mdata, 0, out_fd, logger, 0)
    trax_metadata_release(byref(mdata))
    if not handle or trax_is_alive(handle) == 0:
        raise TraxException("cannot set up the TraX server")
    server._handle = HandleWrapper(handle)
    return server


def _to_region(traxregion: Any) -> Any:
    """TraX region -> odtrack_eval.regions.region region."""
    import numpy as np

    from odtrack_eval.regions import region as rg

    kind = traxregion.type
    if kind == "mask":
        x, y = traxregion.offset()
        return rg.mask_from_full(traxregion.array() != 0, (x, y))
    if kind == "rectangle":
        x, y, w, h = traxregion.bounds()
        return rg.Rectangle(float(x), float(y), float(w), float(h))
    if kind == "polygon":
        return rg.Polygon(np.array([traxregion.get(i) for i in range(traxregion.size())], dtype=np.float64))
    raise ValueError(f"unsupported TraX region type {kind!r}")


def _to_trax(region: Any) -> Any:
    import numpy as np
    from trax.region import Mask, Rectangle

    from odtrack_eval.regions import region as rg

    if isinstance(region, rg.Mask):
        m = np.ascontiguousarray(region.mask, dtype=np.uint8)
        if m.size == 0:
            m = np.zeros((1, 1), np.uint8)
        return Mask.create(m, int(region.offset[0]), int(region.offset[1]))
    return Rectangle.create(region.x, region.y, region.w, region.h)


def serve(tracker: Any, server: Any) -> None:
    """Answer INITIALIZE / FRAME requests until the client quits."""
    import numpy as np
    from trax import TraxStatus

    from odtrack_eval.imageio import read_rgb
    from odtrack_eval.regions import region as rg
    from odtrack_eval.runner.multistart import output_region

    frame = 0
    while True:
        request = server.wait()
        if request.type == TraxStatus.QUIT:
            break
        image = read_rgb(request.image["color"].path())
        if request.type == TraxStatus.INITIALIZE:
            region = _to_region(request.objects[0][0])
            bbox = rg.region_to_bbox(region)
            if not np.all(np.isfinite(bbox)):
                server.quit("initialisation region is empty")
                return
            tracker.initialize(image, {"init_bbox": bbox.tolist(), "init_region": region})
            frame = 0
            server.status([(_to_trax(region if not isinstance(region, rg.Polygon) else
                                     rg.Rectangle(*bbox.tolist())), {})])  # fmt: skip
        else:
            frame += 1
            out = tracker.track(image, {"frame": frame})
            server.status([(_to_trax(output_region(out, "trax", frame)), {})])


def main() -> None:
    out_fd = None if os.environ.get("TRAX_SOCKET") else _protect_stdout()
    name = os.environ.get(ENV_TRACKER)
    if not name:
        sys.stderr.write(f"odtrack_eval.vot.trax_wrapper: set {ENV_TRACKER} to a tracker name\n")
        sys.exit(2)
    from odtrack_eval.trackers.registry import TrackerRegistry, build_tracker

    tracker = build_tracker(TrackerRegistry().resolve(name), device=os.environ.get(ENV_DEVICE, "cpu"))
    server = _make_server(out_fd)
    try:
        serve(tracker, server)
    finally:
        try:
            server.quit()
        except Exception:  # noqa: BLE001 - the client may already be gone
            pass


if __name__ == "__main__":
    main()
