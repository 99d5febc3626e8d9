"""Atomic file writes for report outputs (temporary file in the same folder, then ``os.replace``)."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so readers never see a half-written file.

    A regular file (not a link) that already holds exactly ``data``, readable by all (0644, as written here), is
    left as it is: a report rerun rewrites hundreds of unchanged pages and figures, and comparing costs a tenth
    of writing aside and renaming."""
    path = Path(path)
    try:
        status = os.lstat(path)
        if (stat.S_ISREG(status.st_mode) and stat.S_IMODE(status.st_mode) == 0o644 and status.st_size == len(data)
                and path.read_bytes() == data):  # fmt: skip
            return path
    except OSError:  # (not there yet, or unreadable: written below)
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; reports are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))
