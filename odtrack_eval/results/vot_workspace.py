"""vot-toolkit's results layout: ``<workspace>/results/<tracker>/<experiment>/<seq>/<seq>_<anchor:08d>.{txt,bin}``.

Each run is one trajectory file plus ``<seq>_<anchor:08d>_<property>.value`` files (``time``).
Element 0 of a trajectory is the special code 1 (initialisation); the others are the tracker's
outputs in the run's own (proxy) order, so a backward run is stored in reverse time.

Reading reproduces what the toolkit holds in memory (``vot/tracker/results.py``,
``vot/region/io.py``): ``.txt`` is preferred when both exist; text masks are read with
``mask_optimize_read`` (cropped, and the thin-mask quirk of :func:`odtrack_eval.regions.region.toolkit_read`),
binary masks are kept as written; binary rectangles and polygons are float32.

Binary format (little endian, protocols.md §11.4): header ``<hI`` (version 1, count), then per
region a type byte: 0 special ``<I``; 1 rectangle ``<ffff``; 2 polygon ``<H`` n + 2n ``f``; 3 mask
``<hhHHH`` (x0, y0, w, h, n) + n ``H`` run lengths; 4 point ``<ff`` (not a region we use: rejected).
The toolkit's writer splits runs longer than 255*255 into ``65025, 0, rest`` so they fit uint16;
:func:`encode_binary` does the same.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from odtrack_eval.errors import FormatError, LayoutError
from odtrack_eval.regions import region as rg

BINARY_VERSION = 1
#: ``mask_to_rle(maxstride=255*255)`` in the toolkit's binary writer.
MAX_STRIDE = 255 * 255
EXPERIMENT = "baseline"


def run_name(sequence: str, anchor: int) -> str:
    return f"{sequence}_{anchor:08d}"


def sequence_dir(results_root: str | Path, tracker: str, sequence: str, experiment: str = EXPERIMENT) -> Path:
    """``<results_root>/<tracker>/<experiment>/<sequence>`` (``results_root`` is a workspace's ``results/``)."""
    return Path(results_root) / tracker / experiment / sequence


def find_trajectory(folder: Path, name: str) -> Path | None:
    """The file the toolkit would read for run ``name``: ``.txt`` first, then ``.bin``."""
    for ext in (".txt", ".bin"):
        p = folder / (name + ext)
        if p.is_file():
            return p
    return None


# --------------------------------------------------------------------------------------------- binary


def _split_runs(runs: list[int]) -> list[int]:
    out: list[int] = []
    for i, r in enumerate(runs):
        if i > 0 and r == 0:
            out.append(0)
            continue
        while r > MAX_STRIDE:
            out.extend((MAX_STRIDE, 0))
            r -= MAX_STRIDE
        if r > 0 or i == 0:
            out.append(r)
    return out


def encode_binary(regions: Iterable[rg.Region]) -> bytes:
    """The toolkit's binary trajectory bytes for ``regions``."""
    regions = list(regions)
    parts = [struct.pack("<hI", BINARY_VERSION, len(regions))]
    for r in regions:
        if isinstance(r, rg.Special):
            parts.append(struct.pack("<BI", 0, int(r.code)))
        elif isinstance(r, rg.Rectangle):
            parts.append(struct.pack("<Bffff", 1, r.x, r.y, r.w, r.h))
        elif isinstance(r, rg.Polygon):
            pts = np.asarray(r.points, dtype=np.float64).ravel().tolist()
            parts.append(struct.pack(f"<BH{len(pts)}f", 2, len(pts) // 2, *pts))
        elif isinstance(r, rg.Mask):
            h, w = r.mask.shape
            runs = _split_runs(rg.rle_encode(r.mask)) if r.mask.size else [0]
            x0, y0 = int(r.offset[0]), int(r.offset[1])
            if not (-32768 <= x0 < 32768 and -32768 <= y0 < 32768 and w < 65536 and h < 65536 and len(runs) < 65536):
                raise ValueError(f"mask at ({x0},{y0}) of size {w}x{h} with {len(runs)} runs does not fit the format")
            parts.append(struct.pack(f"<BhhHHH{len(runs)}H", 3, x0, y0, w, h, len(runs), *runs))
        else:
            raise TypeError(f"not a region: {r!r}")
    return b"".join(parts)


def decode_binary(data: bytes, path: str | Path = "<binary>") -> list[rg.Region]:
    """Parse a binary trajectory; truncated or unknown content raises :class:`FormatError` (entry index)."""
    expected = "a vot-toolkit binary trajectory (<hI header, typed regions)"
    if len(data) < 6:
        raise FormatError(path, f"{len(data)} bytes, too short for the header", None, expected)
    version, count = struct.unpack_from("<hI", data, 0)
    if version != BINARY_VERSION:
        raise FormatError(path, f"version {version}", None, f"version {BINARY_VERSION}")
    off = 6
    out: list[rg.Region] = []
    try:
        for i in range(count):
            (kind,) = struct.unpack_from("<B", data, off)
            off += 1
            if kind == 0:
                (code,) = struct.unpack_from("<I", data, off)
                off += 4
                out.append(rg.Special(int(code)))
            elif kind == 1:
                x, y, w, h = struct.unpack_from("<ffff", data, off)
                off += 16
                out.append(rg.Rectangle(x, y, w, h))
            elif kind == 2:
                (n,) = struct.unpack_from("<H", data, off)
                off += 2
                pts = np.frombuffer(data, dtype="<f4", count=2 * n, offset=off).astype(np.float64)
                if pts.size != 2 * n:
                    raise struct.error("truncated polygon")
                off += 8 * n
                out.append(rg.Polygon(pts.reshape(-1, 2)))
            elif kind == 3:
                x0, y0, w, h, n = struct.unpack_from("<hhHHH", data, off)
                off += 10
                runs = np.frombuffer(data, dtype="<u2", count=n, offset=off)
                if runs.size != n:
                    raise struct.error("truncated mask")
                off += 2 * n
                try:
                    m = rg.rle_decode(runs, w, h)
                except ValueError as exc:
                    raise FormatError(path, f"entry {i}: bad mask RLE: {exc}", None, expected) from None
                out.append(rg.Mask(m, (x0, y0)))
            else:
                raise FormatError(
                    path, f"entry {i}: region type {kind}", None, "0 special, 1 rectangle, 2 polygon, 3 mask"
                )
    except (struct.error, ValueError) as exc:
        raise FormatError(path, f"truncated after {len(out)} of {count} regions ({exc})", None, expected) from None
    if off != len(data):
        raise FormatError(path, f"{len(data) - off} trailing bytes after {count} regions", None, expected)
    return out


# --------------------------------------------------------------------------------------------- files


def read_trajectory(path: str | Path) -> list[rg.Region]:
    """Regions of one run as the toolkit holds them (see module docstring)."""
    path = Path(path)
    if path.suffix == ".bin":
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise FormatError(path, "file not found") from None
        return decode_binary(data, path)
    return [rg.toolkit_read(r) for r in rg.read_regions(path)]


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def write_trajectory(path: str | Path, regions: Sequence[rg.Region]) -> None:
    """Write a trajectory atomically; ``.bin`` gives the binary format, anything else text."""
    path = Path(path)
    if path.suffix == ".bin":
        _atomic_write(path, encode_binary(regions))
    else:
        _atomic_write(path, "".join(rg.format_region(r) + "\n" for r in regions).encode())


def write_values(path: str | Path, values: Iterable[float]) -> None:
    """A ``.value`` property file (one float per line), atomically."""
    _atomic_write(Path(path), "".join(f"{float(v)!r}\n" for v in values).encode())


def read_values(path: str | Path) -> np.ndarray:
    path = Path(path)
    out = []
    for i, line in enumerate(path.read_text().splitlines(), start=1):
        s = line.strip()
        if not s:
            continue
        try:
            out.append(float(s))
        except ValueError:
            raise FormatError(path, f"{s!r} is not a number", i, "one number per line") from None
    return np.array(out, dtype=np.float64)


def list_trackers(results_root: str | Path, experiment: str = EXPERIMENT) -> list[str]:
    """Folders of ``results_root`` that hold an ``<experiment>`` folder (sorted)."""
    root = Path(results_root)
    if not root.is_dir():
        raise LayoutError(f"{root}: results folder does not exist")
    return sorted(p.name for p in root.iterdir() if (p / experiment).is_dir())
