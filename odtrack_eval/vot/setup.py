"""``vot setup``: register an odtrack-eval tracker in a vot-toolkit workspace's ``trackers.ini``.

The entry runs :mod:`odtrack_eval.vot.trax_wrapper` with this interpreter (``python = ...``, so the
toolkit need not run in the same environment) over ``traxpython``; the tracker name and device reach
the wrapper as ``env_ODTRACK_EVAL_TRACKER`` / ``env_ODTRACK_EVAL_DEVICE`` (vot-toolkit turns ``env_X``
keys into environment variables). Other sections of an existing ``trackers.ini`` are kept.
"""

from __future__ import annotations

import configparser
import io
import os
import re
import sys
from pathlib import Path

from odtrack_eval.vot.trax_wrapper import ENV_DEVICE, ENV_TRACKER

#: vot-toolkit's tracker identifier rule (``VALID_IDENTIFIER``).
_VALID = re.compile(r"^[a-zA-Z0-9_-]+$")


def identifier(name: str) -> str:
    """A valid vot-toolkit identifier for tracker ``name`` (other characters become ``_``)."""
    ident = re.sub(r"[^a-zA-Z0-9_-]", "_", Path(name).stem if name.endswith(".toml") else name)
    return ident or "tracker"


def tracker_section(
    name: str, device: str = "cpu", python: str | None = None, trackers_dirs: list[str] | None = None
) -> dict[str, str]:
    entry = {
        "label": name,
        "protocol": "traxpython",
        "command": "odtrack_eval.vot.trax_wrapper",
        "python": python or sys.executable,
        f"env_{ENV_TRACKER}": str(Path(name).resolve()) if name.endswith(".toml") else name,
        f"env_{ENV_DEVICE}": device,
    }
    if trackers_dirs:
        entry["env_ODTRACK_EVAL_TRACKERS"] = os.pathsep.join(str(Path(d).resolve()) for d in trackers_dirs)
    return entry


def write_entry(
    workspace: str | Path, name: str, ident: str | None = None, device: str = "cpu",
    python: str | None = None, trackers_dirs: list[str] | None = None,
) -> tuple[Path, str]:  # fmt: skip
    """Add or replace the section of ``name`` in ``<workspace>/trackers.ini``; return (path, identifier)."""
    ident = ident or identifier(name)
    if not _VALID.match(ident):
        raise ValueError(f"{ident!r} is not a valid vot-toolkit tracker identifier (letters, digits, - and _)")
    path = Path(workspace) / "trackers.ini"
    config = configparser.ConfigParser(interpolation=None)
    config.optionxform = str  # type: ignore[assignment,method-assign]
    if path.is_file():
        config.read(path)
    if config.has_section(ident):
        config.remove_section(ident)
    config[ident] = tracker_section(name, device, python, trackers_dirs)
    buf = io.StringIO()
    config.write(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(buf.getvalue())
    tmp.replace(path)
    return path, ident


def write_config(workspace: str | Path, stack: str, sequences: str = "sequences") -> Path | None:
    """Write ``config.yaml`` for a new workspace (kept if it exists); returns the path written or None."""
    path = Path(workspace) / "config.yaml"
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"registry:\n- ./trackers.ini\nstack: {stack}\nsequences: {sequences}\n")
    return path
