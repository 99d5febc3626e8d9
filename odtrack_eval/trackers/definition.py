"""Tracker definition files: one TOML file per shipped tracker variant.

A definition names a factory (``implementation = "module:factory"``) and the keyword
arguments it is called with, so variants of one implementation (ODTrack-B/L, CSRT/KCF) are
data, not code. Format::

    name = "opencv-csrt"                      # the name users type
    implementation = "odtrack_eval.trackers.baselines:opencv_tracker"
    description = "OpenCV CSRT (CPU)"         # optional
    baseline = true                           # optional: no learned model (never marked fastest)
    checkpoint = "${ODTRACK_CKPT}/odtrack_b256.pth"   # optional; ~ and $VARS expanded,
                                              # relative paths are relative to this file
    [parameters]                              # keyword arguments of the factory
    kind = "csrt"
    [results]                                 # optional: the pytracking result folders
    tracker = "opencv-csrt"                   # default: name
    param = "default"                         # default: "default"

Results land in ``<results>/<tracker>/<param>[_NNN]/<dataset>/`` (pytracking/ODTrack layout).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from odtrack_eval.errors import FormatError, OdtrackEvalError

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

_TOP_KEYS = ("name", "implementation", "description", "checkpoint", "parameters", "results", "baseline")
_RESULT_KEYS = ("tracker", "param")
_IMPLEMENTATION = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
_TOML_LINE = re.compile(r"line (\d+)")


class CheckpointError(OdtrackEvalError):
    """A definition's checkpoint file is missing or unreadable."""


@dataclass(frozen=True)
class TrackerDefinition:
    """Everything needed to build one tracker variant, in any process.

    Picklable on purpose: worker processes and Ray actors receive the definition and build
    the tracker themselves.
    """

    name: str
    implementation: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    checkpoint: Path | None = None
    description: str = ""
    results_tracker: str = ""
    results_param: str = "default"
    source: str = ""
    #: The checkpoint came from the command line (``--checkpoint``), not the definition file.
    checkpoint_given: bool = field(default=False, compare=False)
    #: A baseline (static, OpenCV trackers): a lower bound, not a method; its speed is never marked best.
    baseline: bool = False

    def __post_init__(self) -> None:
        if not self.results_tracker:
            object.__setattr__(self, "results_tracker", self.name)

    def with_checkpoint(self, path: str | Path | None) -> TrackerDefinition:
        """A copy using ``path`` (e.g. from ``--checkpoint``) instead of the file's checkpoint."""
        if path is None:
            return self
        return replace(self, checkpoint=Path(path).expanduser(), checkpoint_given=True)

    def check_checkpoint(self) -> None:
        """Raise :class:`CheckpointError` unless the checkpoint (if any) is a readable file."""
        if self.checkpoint is None:
            return
        ckpt = self.checkpoint
        unresolved = re.findall(r"\$\{?(\w+)", str(ckpt))
        hint = "" if self.checkpoint_given else "; pass --checkpoint PATH to use another file"
        if unresolved:
            hint = f"; set the environment variable {', '.join(sorted(set(unresolved)))}" + hint
        if not ckpt.is_file():
            problem = "is a directory" if ckpt.is_dir() else "does not exist"
            raise CheckpointError(
                f"tracker {self.name!r} (defined in {self.source or 'code'}): checkpoint {str(ckpt)!r} {problem}{hint}"
            )
        if not os.access(ckpt, os.R_OK):
            raise CheckpointError(f"tracker {self.name!r}: checkpoint {str(ckpt)!r} is not readable")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for the run manifest)."""
        return {
            "name": self.name,
            "implementation": self.implementation,
            "parameters": dict(self.parameters),
            "checkpoint": str(self.checkpoint) if self.checkpoint else None,
            "description": self.description,
            "results": {"tracker": self.results_tracker, "param": self.results_param},
            "source": self.source,
            "baseline": self.baseline,
        }


def load_definition(path: str | Path) -> TrackerDefinition:
    """Parse and validate one definition file; errors name the file, line and expected form."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FormatError(path, "file not found", expected="a tracker definition (.toml)") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FormatError(path, f"not UTF-8 text ({exc.reason})", expected="a TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        line = int(match.group(1)) if match else None
        raise FormatError(path, f"invalid TOML: {exc}", line, "a TOML tracker definition") from None
    return definition_from_mapping(data, path)


def _line_of(raw_text: str, key: str) -> int | None:
    for lineno, line in enumerate(raw_text.splitlines(), start=1):
        if re.match(rf"\s*\[?\s*{re.escape(key)}\b", line):
            return lineno
    return None


def definition_from_mapping(data: Mapping[str, Any], path: Path) -> TrackerDefinition:
    """Validate parsed TOML ``data`` read from ``path``."""
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""

    def fail(key: str, problem: str, expected: str) -> FormatError:
        return FormatError(path, problem, _line_of(text, key), expected)

    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        raise fail(unknown[0], f"unknown key {unknown[0]!r}", f"only {', '.join(_TOP_KEYS)}")
    for key in ("name", "implementation"):
        if not isinstance(data.get(key), str):
            raise FormatError(path, f"missing or non-string {key!r}", None, f'{key} = "..."')
    name, implementation = data["name"], data["implementation"]
    if not _NAME.match(name):
        raise fail("name", f"invalid tracker name {name!r}", "letters, digits and _ . + - (no spaces)")
    if not _IMPLEMENTATION.match(implementation):
        raise fail("implementation", f"invalid implementation {implementation!r}", '"package.module:factory"')
    parameters = data.get("parameters", {})
    if not isinstance(parameters, dict):
        raise fail("parameters", "'parameters' is not a table", "[parameters] with key = value lines")
    results = data.get("results", {})
    if not isinstance(results, dict) or any(k not in _RESULT_KEYS for k in results):
        raise fail("results", f"invalid [results] table {results!r}", 'tracker = "..." and/or param = "..."')
    for key, value in results.items():
        if not isinstance(value, str) or not _NAME.match(value):
            raise fail("results", f"invalid results {key} {value!r}", "a folder name without spaces or slashes")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise fail("description", "'description' is not a string", 'description = "..."')
    baseline = data.get("baseline", False)
    if not isinstance(baseline, bool):
        raise fail("baseline", "'baseline' is not true or false", "baseline = true")
    checkpoint = data.get("checkpoint")
    if checkpoint is not None and (not isinstance(checkpoint, str) or not checkpoint):
        raise fail("checkpoint", "'checkpoint' is not a non-empty string", 'checkpoint = "path/to/file.pth"')
    return TrackerDefinition(
        name=name,
        implementation=implementation,
        parameters=dict(parameters),
        checkpoint=_resolve_checkpoint(checkpoint, path.parent) if checkpoint else None,
        description=description,
        results_tracker=results.get("tracker", name),
        results_param=results.get("param", "default"),
        source=str(path),
        baseline=baseline,
    )


def _resolve_checkpoint(value: str, base: Path) -> Path:
    """Expand ``~`` and ``$VARS``; relative paths are relative to the definition file's folder."""
    expanded = Path(os.path.expanduser(os.path.expandvars(value)))
    if not expanded.is_absolute() and "$" not in str(expanded):
        expanded = base / expanded
    return expanded
