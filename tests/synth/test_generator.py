"""The procedural benchmark: LaSOT layout, determinism, and attribute flags that match the data.

The flag checks recompute each attribute from the written files with the thresholds of the
LaSOT/OTB attribute definitions spelled out here, independently of the generator's code.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.cli import main
from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.imageio import image_size, read_rgb
from odtrack_eval.synth import SynthOptions, generate, load_synth

CODES = ["IV", "POC", "DEF", "MB", "CM", "ROT", "BC", "VC", "SV", "FOC", "FM", "OV", "LR", "ARC"]
OPTIONS = SynthOptions(sequences=12, frames=90, seed=7)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("synth") / "bench", OPTIONS)


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_bytes(bench: Path, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", OPTIONS, threads=1)
    assert _digest(again) == _digest(bench)


def test_other_seed_gives_other_videos(bench: Path, tmp_path: Path) -> None:
    other = generate(tmp_path / "other", SynthOptions(sequences=12, frames=90, seed=8))
    a, b = _digest(bench), _digest(other)
    assert a.keys() == b.keys()
    assert a["card/card-1/img/00000001.jpg"] != b["card/card-1/img/00000001.jpg"]


def test_lasot_layout(bench: Path) -> None:
    names = (bench / "testing_set.txt").read_text().split()
    assert len(names) == 12 and names[:5] == ["card-1", "tile-1", "disc-1", "puck-1", "card-2"]
    for name in names:
        folder = bench / name.split("-")[0] / name
        gt_lines = (folder / "groundtruth.txt").read_text().splitlines()
        assert len(gt_lines) == 90
        assert all(
            len(line.split(",")) == 4 and all(v.lstrip("-").isdigit() for v in line.split(",")) for line in gt_lines
        )
        for flag_file in ("full_occlusion.txt", "out_of_view.txt"):
            text = (folder / flag_file).read_text()
            assert "\n" not in text and len(text.split(",")) == 90 and set(text.split(",")) <= {"0", "1"}
        nlp = (folder / "nlp.txt").read_text()
        assert nlp and "\n" not in nlp
        assert sorted(p.name for p in (folder / "img").iterdir()) == [f"{i:08d}.jpg" for i in range(1, 91)]
        assert image_size(folder / "img" / "00000001.jpg") == (320, 240)
        att = (bench / "att" / f"{name}.txt").read_text().strip().split(",")
        assert len(att) == 14 and set(att) <= {"0", "1"}
    meta = json.loads((bench / "synth.json").read_text())
    assert meta["options"]["seed"] == 7 and [s["name"] for s in meta["sequences"]] == names


def _flags_from_files(bench: Path, name: str) -> dict[str, bool]:
    folder = bench / name.split("-")[0] / name
    gt = np.loadtxt(folder / "groundtruth.txt", delimiter=",")
    foc = np.array((folder / "full_occlusion.txt").read_text().split(","), dtype=int).astype(bool)
    ov = np.array((folder / "out_of_view.txt").read_text().split(","), dtype=int).astype(bool)
    valid = ~(foc | ov)
    # absent frames carry 0,0,0,0 and visible frames a real box
    assert np.all(gt[~valid] == 0) and np.all(gt[valid, 2:] > 0)
    inside = valid & (gt[:, 0] > 0) & (gt[:, 1] > 0) & (gt[:, 0] + gt[:, 2] < 320) & (gt[:, 1] + gt[:, 3] < 240)
    area = gt[:, 2] * gt[:, 3]
    scale = np.sqrt(area / area[0])
    ratio = (gt[:, 2] / np.maximum(gt[:, 3], 1)) / (gt[0, 2] / gt[0, 3])
    centre = gt[:, :2] + gt[:, 2:] / 2
    step = np.hypot(*np.diff(centre, axis=0).T)
    pairs = valid[1:] & valid[:-1]
    return {
        "FOC": bool(foc.any()),
        "OV": bool(ov.any()),
        "FM": bool((step[pairs] > 20).any()),
        # size flags are only decidable where the box is not cut by the border
        "SV?": bool(((scale[inside] < 0.5) | (scale[inside] > 2)).any()),
        "ARC?": bool(((ratio[inside] < 0.5) | (ratio[inside] > 2)).any()),
        "LR?": bool((area[inside] < 1000).any()),
    }


def test_attribute_flags_match_ground_truth(bench: Path) -> None:
    dataset = load_synth(bench)
    seen = {c: set() for c in CODES}
    for seq in dataset:
        flags = {c: c in seq.attributes for c in CODES}
        derived = _flags_from_files(bench, seq.name)
        for code in ("FOC", "OV", "FM"):
            assert flags[code] == derived[code], (seq.name, code)
        for code in ("SV", "ARC", "LR"):
            # boxes touching the border (not strictly inside) may still count: derived => flag
            assert flags[code] or not derived[code + "?"], (seq.name, code)
        # the first frame shows the target; a full occlusion passes through partial ones
        assert seq.visible[0] and not (flags["FOC"] and not flags["POC"]), seq.name
        for code, value in flags.items():
            seen[code].add(value)
    for code in ("DEF", "ROT", "VC"):  # not simulated
        assert seen[code] == {False}
    for code in set(CODES) - {"DEF", "ROT", "VC"}:
        assert seen[code] == {True, False}, f"{code} should vary over 12 sequences"


def test_illumination_flag_matches_frame_brightness(bench: Path) -> None:
    for seq in load_synth(bench):
        paths = seq.frame_paths()
        means = np.array([read_rgb(p).mean() for p in paths[::3]])
        ratio = means.max() / means.min()
        if "IV" in seq.attributes:
            assert ratio > 1.3, (seq.name, ratio)
        else:
            assert ratio < 1.2, (seq.name, ratio)


def test_events_in_manifest_explain_flags(bench: Path) -> None:
    meta = json.loads((bench / "synth.json").read_text())
    for record in meta["sequences"]:
        events, attrs = record["events"], set(record["attributes"])
        assert ("BC" in attrs) <= bool(events["distractors"])
        assert ("CM" in attrs) == bool(events["camera"])
        assert ("FOC" in attrs) <= (events["occlusion"] == "full")
        assert ("OV" in attrs) <= bool(events["out_of_view"])
        assert ("MB" in attrs) <= ("FM" in attrs or bool(events["out_of_view"]))


def test_refuses_to_overwrite_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("x")
    with pytest.raises(OdtrackEvalError, match="not empty"):
        generate(tmp_path, SynthOptions(sequences=1, frames=3))
    with pytest.raises(OdtrackEvalError, match="not written by"):
        generate(tmp_path, SynthOptions(sequences=1, frames=3), overwrite=True)
    assert (tmp_path / "mine.txt").exists()


def test_bad_options() -> None:
    with pytest.raises(OdtrackEvalError, match="--frames"):
        SynthOptions(frames=1)
    with pytest.raises(OdtrackEvalError, match="--sequences"):
        SynthOptions(sequences=0)


def test_cli_synth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["synth", "--out", str(tmp_path / "s"), "--sequences", "2", "--frames", "5", "--seed", "3"])
    assert exc.value.code == 0
    assert "wrote 2 sequences x 5 frames" in capsys.readouterr().out
    assert (tmp_path / "s" / "tile" / "tile-1" / "img" / "00000005.jpg").is_file()
    with pytest.raises(SystemExit) as exc:
        main(["synth", "--out", str(tmp_path / "s"), "--sequences", "2"])
    assert exc.value.code == 2
