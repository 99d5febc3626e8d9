"""Frame reading for the runner: fast RGB decoding and image size from the file header.

Trackers receive RGB ``uint8`` arrays (the pytracking contract). OpenCV decodes JPEG/PNG
faster than PIL and releases the GIL while doing so, which lets the runner's prefetch thread
overlap decoding with tracking. ``image_size`` reads only the header so that size checks (and
adapters that need the resolution) never decode whole frames.
"""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np

from odtrack_eval.errors import FormatError

# OpenCV >= 4.10 can decode straight to RGB; older builds decode BGR and we swap channels.
_IMREAD_RGB: int | None = getattr(cv2, "IMREAD_COLOR_RGB", None)

_EXPECTED = "a readable JPEG, PNG or BMP image"


def read_rgb(path: str | Path) -> np.ndarray:
    """Decode ``path`` to an (H, W, 3) RGB ``uint8`` array.

    Grey and palette images come back as 3 identical channels, 16-bit images are reduced to
    8 bit and alpha is dropped, as ``cv2.imread`` with a colour flag does.
    """
    path_str = str(path)
    if _IMREAD_RGB is not None:
        image = cv2.imread(path_str, _IMREAD_RGB)
    else:  # pragma: no cover - depends on the OpenCV build
        image = cv2.imread(path_str, cv2.IMREAD_COLOR)
        if image is not None:
            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if image is None:
        problem = "file not found" if not Path(path_str).is_file() else "cannot decode the image"
        raise FormatError(path_str, problem, expected=_EXPECTED)
    return image


def image_size(path: str | Path) -> tuple[int, int]:
    """Return ``(width, height)`` of a JPEG, PNG, BMP or GIF file by reading its header only.

    Falls back to a full decode for any other format OpenCV understands.
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            head = f.read(32)
            if head[:8] == b"\x89PNG\r\n\x1a\n":
                return _png_size(head, path)
            if head[:2] == b"\xff\xd8":
                f.seek(2)
                return _jpeg_size(f, path)
            if head[:2] == b"BM" and len(head) >= 26:
                width, height = struct.unpack("<ii", head[18:26])
                return abs(width), abs(height)
            if head[:6] in (b"GIF87a", b"GIF89a"):
                return struct.unpack("<HH", head[6:10])
    except FileNotFoundError:
        raise FormatError(path, "file not found", expected=_EXPECTED) from None
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise FormatError(path, "cannot read the image size", expected=_EXPECTED)
    return int(image.shape[1]), int(image.shape[0])


def _png_size(head: bytes, path: Path) -> tuple[int, int]:
    if head[12:16] != b"IHDR":
        raise FormatError(path, "PNG file without an IHDR chunk", expected=_EXPECTED)
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


# Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(f, path: Path) -> tuple[int, int]:
    """Walk the JPEG marker segments until the first start-of-frame segment."""
    while True:
        byte = f.read(1)
        while byte and byte != b"\xff":  # skip garbage between segments (tolerated by decoders)
            byte = f.read(1)
        while byte == b"\xff":  # fill bytes
            byte = f.read(1)
        if not byte:
            raise FormatError(path, "JPEG file ends before its start-of-frame marker", expected=_EXPECTED)
        marker = byte[0]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # stand-alone markers, no length
            continue
        length_bytes = f.read(2)
        if len(length_bytes) != 2:
            raise FormatError(path, "truncated JPEG segment header", expected=_EXPECTED)
        (length,) = struct.unpack(">H", length_bytes)
        if marker in _SOF_MARKERS:
            data = f.read(5)
            if len(data) != 5:
                raise FormatError(path, "truncated JPEG start-of-frame segment", expected=_EXPECTED)
            height, width = struct.unpack(">HH", data[1:5])
            return int(width), int(height)
        if marker == 0xD9:
            raise FormatError(path, "JPEG file has no start-of-frame marker", expected=_EXPECTED)
        f.seek(length - 2, 1)
