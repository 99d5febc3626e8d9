"""The run manifest: what produced a results folder, written next to the result files.

``<results>/<tracker>/<param>[_NNN]/<dataset>/run_manifest.json`` records the toolkit version
and git commit, the tracker definition and checkpoint hash, devices, library versions, the
timing protocol and one entry per session (a resumed run appends a session). Resuming into a
folder that holds results of a *different* definition (implementation, parameters or checkpoint
bytes) is refused, so one folder never mixes two trackers' outputs; a folder without results
(e.g. after a run whose checkpoint failed to load) takes the new definition.

Several runs may share a folder (:mod:`.claims`): every read-modify-write of the manifest happens
under the folder's lock, and each session updates its own entry (found by its id), so no session
is lost.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

from odtrack_eval import __version__
from odtrack_eval.errors import FormatError, ResultsError
from odtrack_eval.runner.claims import folder_lock, hold_session, others_running
from odtrack_eval.runner.storage import atomic_write, has_results
from odtrack_eval.runner.tasks import TIMING_PROTOCOL
from odtrack_eval.trackers.definition import TrackerDefinition

MANIFEST_NAME = "run_manifest.json"
FORMAT = "odtrack-eval run manifest 1"
_LIBRARIES = (
    "numpy",
    "opencv-contrib-python-headless",
    "opencv-python",
    "opencv-python-headless",
    "pillow",
    "torch",
    "torchvision",
    "timm",
    "got10k",
    "ray",
    "tqdm",
)


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def git_info() -> dict[str, Any] | None:
    """Commit and dirty flag of the toolkit's source checkout, or None outside a git checkout."""
    source = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
        if commit.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None}


@functools.lru_cache(maxsize=1)
def _distribution_versions() -> tuple[tuple[str, str], ...]:
    found = []
    for dist in _LIBRARIES:
        try:
            found.append((dist, metadata.version(dist)))
        except metadata.PackageNotFoundError:
            continue
    return tuple(found)


def library_versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0], **dict(_distribution_versions())}
    cv2 = sys.modules.get("cv2")
    if cv2 is not None:
        versions["cv2 (loaded)"] = cv2.__version__
    torch = sys.modules.get("torch")  # only report CUDA details if the tracker already imported torch
    if torch is not None:
        versions["torch cuda"] = str(getattr(torch.version, "cuda", None))
        cudnn = getattr(torch.backends, "cudnn", None)
        if cudnn is not None and cudnn.is_available():
            versions["cudnn"] = str(cudnn.version())
    return versions


def _identity(tracker: dict[str, Any], checkpoint_sha256: str | None) -> dict[str, Any]:
    """The fields that must agree for two sessions to share a results folder."""
    return {
        "implementation": tracker["implementation"],
        "parameters": tracker["parameters"],
        "checkpoint_sha256": checkpoint_sha256,
    }


class RunManifest:
    """Create or extend the manifest of one results folder; every save is atomic."""

    @classmethod
    def open(
        cls,
        folder: Path,
        definition: TrackerDefinition,
        dataset: dict[str, Any],
        run: dict[str, Any],
    ) -> RunManifest:
        path = folder / MANIFEST_NAME
        tracker = definition.to_dict()
        checkpoint_sha = sha256_file(definition.checkpoint) if definition.checkpoint else None
        session = {
            "id": uuid.uuid4().hex,
            **run,
            "started": now(),
            "ended": None,
            "status": "running",
            "host": {"hostname": socket.gethostname(), "platform": platform.platform(), "argv": sys.argv},
            "libraries": library_versions(),
        }
        with folder_lock(folder):
            data = _read(path)
            if data is not None:
                before = _identity(data.get("tracker", {}), data.get("checkpoint_sha256"))
                now_identity = _identity(tracker, checkpoint_sha)
                if before != now_identity:
                    if others_running(folder):
                        raise ResultsError(
                            f"{folder}: a run of another tracker definition is in progress there; "
                            "use another --run-id or --results folder"
                        )
                    if has_results(folder):
                        raise ResultsError(
                            f"{folder} holds results of a different tracker definition "
                            f"(was {json.dumps(before, sort_keys=True)}, "
                            f"now {json.dumps(now_identity, sort_keys=True)}); "
                            "use another --run-id or --results folder"
                        )
                    data = None  # no results yet: nothing to mix up, start afresh
            if data is None:
                data = _fresh(tracker, checkpoint_sha, dataset)
            data["tracker"] = tracker
            data["sessions"].append(session)
            manifest = cls(path, data, session["id"])
            manifest.save()
            manifest._session_fd = hold_session(folder)  # (taken under the folder lock: no gap to slip into)
        return manifest

    def __init__(self, path: Path, data: dict[str, Any], session_id: str | None = None):
        self.path = path
        self.data = data
        self.session_id = session_id or (data["sessions"][-1].get("id") if data.get("sessions") else None)
        self._session_fd: int | None = None

    @property
    def session(self) -> dict[str, Any]:
        for entry in reversed(self.data["sessions"]):
            if entry.get("id") == self.session_id:
                return entry
        return self.data["sessions"][-1]

    def finish(self, status: str, **fields: Any) -> None:
        """Record this session's end, re-reading the file first: other sessions may have written it."""
        with folder_lock(self.path.parent):
            current = _read(self.path)
            if current is not None:
                mine = [e for e in current.get("sessions", []) if e.get("id") == self.session_id]
                if not mine:
                    current.setdefault("sessions", []).append(self.session)
                self.data = current
            session = self.session
            session.update(fields)
            session["status"] = status
            session["ended"] = now()
            session["libraries"] = library_versions()  # the tracker may have imported torch meanwhile
            try:
                self.save()
            finally:
                self.release()

    def release(self) -> None:
        """Stop holding this session's share of the folder (the process ending does it too)."""
        if self._session_fd is not None:
            os.close(self._session_fd)
            self._session_fd = None

    def save(self) -> None:
        atomic_write(self.path, json.dumps(self.data, indent=2, sort_keys=False) + "\n")


def _read(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise FormatError(path, f"invalid JSON: {exc.msg}", exc.lineno, "a run manifest") from None


def _fresh(tracker: dict[str, Any], checkpoint_sha: str | None, dataset: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "toolkit": {"name": "odtrack-eval", "version": __version__, "git": git_info()},
        "tracker": tracker,
        "checkpoint_sha256": checkpoint_sha,
        "dataset": dataset,
        "timing_protocol": TIMING_PROTOCOL,
        "result_format": "tab-separated x y w h per frame, repr-exact float64; <seq>_time.txt seconds per "
        "frame; <seq>_score.txt when the tracker reports scores",
        "sessions": [],
    }
