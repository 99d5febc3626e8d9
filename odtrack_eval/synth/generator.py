"""Write a procedural benchmark in the exact LaSOT layout.

::

    <out>/<class>/<class>-<n>/img/00000001.jpg ...
                              groundtruth.txt      x,y,w,h integers, one line per frame
                              full_occlusion.txt   one comma-separated line of 0/1
                              out_of_view.txt      one comma-separated line of 0/1
                              nlp.txt              one sentence, no trailing newline
    <out>/att/<class>-<n>.txt                      14 flags, LaSOT toolkit order (IV,...,ARC)
    <out>/testing_set.txt                          the sequence list, one name per line
    <out>/synth.json                               generator version, seed, options, events

The same seed and options give byte-identical files (numpy ``default_rng`` per sequence,
OpenCV JPEG encoding at a fixed quality, sorted JSON without timestamps).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.parallel import map_threads
from odtrack_eval.synth.render import render
from odtrack_eval.synth.script import CLASSES, EVENTS, LASOT_CODES, annotate, assign_events, build_script
from odtrack_eval.synth.textures import COLORS

GENERATOR_VERSION = 1
MANIFEST = "synth.json"
JPEG_QUALITY = 90


@dataclass(frozen=True)
class SynthOptions:
    sequences: int = 12
    frames: int = 150
    seed: int = 0
    width: int = 320
    height: int = 240

    def __post_init__(self) -> None:
        if self.sequences < 1:
            raise OdtrackEvalError(f"--sequences must be at least 1, got {self.sequences}")
        if self.frames < 2:
            raise OdtrackEvalError(f"--frames must be at least 2, got {self.frames}")
        if self.width < 64 or self.height < 64:
            raise OdtrackEvalError(f"frame size must be at least 64x64, got {self.width}x{self.height}")


def sequence_names(count: int) -> list[str]:
    """``card-1, tile-1, disc-1, puck-1, card-2, ...`` (LaSOT style: class, dash, 1-based index)."""
    classes = list(CLASSES)
    return [f"{classes[i % len(classes)]}-{i // len(classes) + 1}" for i in range(count)]


def _flags_line(flags: np.ndarray) -> str:
    return ",".join("1" if f else "0" for f in flags)


def _describe(cls: str, script: Any, annotation: Any) -> str:
    words = [f"{script.color_name} {script.texture} {cls}"]
    if annotation.attributes["BC"]:
        words.append("among similar objects")
    if annotation.attributes["OV"]:
        words.append("that leaves the view")
    return " ".join(words)


def _write_sequence(root: Path, index: int, name: str, events: dict[str, bool], options: SynthOptions) -> dict:
    rng = np.random.default_rng([options.seed, index])
    cls = name.rsplit("-", 1)[0]
    script = build_script(rng, cls, events, options.frames, options.width, options.height, COLORS)
    annotation = annotate(script)
    folder = root / cls / name
    img = folder / "img"
    img.mkdir(parents=True, exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    for t, frame in enumerate(render(script, rng), start=1):
        ok, data = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), params)
        if not ok:  # pragma: no cover - OpenCV without JPEG support
            raise OdtrackEvalError("OpenCV could not encode a JPEG frame")
        (img / f"{t:08d}.jpg").write_bytes(data.tobytes())
    gt_text = "".join(f"{x},{y},{w},{h}\n" for x, y, w, h in annotation.ground_truth.tolist())
    (folder / "groundtruth.txt").write_text(gt_text, encoding="ascii", newline="\n")
    (folder / "full_occlusion.txt").write_text(_flags_line(annotation.full_occlusion), encoding="ascii")
    (folder / "out_of_view.txt").write_text(_flags_line(annotation.out_of_view), encoding="ascii")
    description = _describe(cls, script, annotation)
    (folder / "nlp.txt").write_text(description, encoding="utf-8")
    flags = [annotation.attributes[c] for c in LASOT_CODES]
    (root / "att" / f"{name}.txt").write_text(_flags_line(np.array(flags)), encoding="ascii")
    return {
        "name": name,
        "class": cls,
        "frames": options.frames,
        "events": {k: v for k, v in script.events.items()},
        "attributes": [c for c in LASOT_CODES if annotation.attributes[c]],
        "absent_frames": int((annotation.full_occlusion | annotation.out_of_view).sum()),
        "partially_occluded_frames": int(annotation.partial_occlusion.sum()),
        "language": description,
    }


def generate(
    out: str | Path,
    options: SynthOptions = SynthOptions(),
    overwrite: bool = False,
    threads: int = 2,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write the benchmark to ``out`` and return it. ``overwrite`` replaces an earlier synth output only."""
    root = Path(out).expanduser()
    if root.exists() and any(root.iterdir()):
        if not overwrite:
            raise OdtrackEvalError(f"{root} is not empty; choose an empty folder or pass --overwrite")
        if not (root / MANIFEST).is_file():
            raise OdtrackEvalError(
                f"{root} is not empty and was not written by 'odtrack-eval synth'; refusing to overwrite"
            )
        shutil.rmtree(root)
    (root / "att").mkdir(parents=True, exist_ok=True)
    names = sequence_names(options.sequences)
    events = assign_events(np.random.default_rng([options.seed, 1 << 20]), options.sequences)
    # Sequences are independent (own generator each), so threads cannot change any byte.
    records = map_threads(
        lambda i: _write_sequence(root, i, names[i], events[i], options),
        range(len(names)),
        threads=max(1, threads),
        on_done=None if progress is None else (lambda record: progress(record["name"])),
    )
    (root / "testing_set.txt").write_text("".join(f"{n}\n" for n in names), encoding="ascii")
    manifest = {
        "generator": "odtrack-eval synth",
        "generator_version": GENERATOR_VERSION,
        "options": {
            "sequences": options.sequences,
            "frames": options.frames,
            "seed": options.seed,
            "width": options.width,
            "height": options.height,
            "jpeg_quality": JPEG_QUALITY,
        },
        "layout": "LaSOT (distributed): <class>/<class>-<n>/{img/%08d.jpg, groundtruth.txt, full_occlusion.txt, "
        "out_of_view.txt, nlp.txt}; att/<seq>.txt toolkit-style flags; testing_set.txt",
        "attribute_codes": list(LASOT_CODES),
        "events": list(EVENTS),
        "sequences": records,
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return root
