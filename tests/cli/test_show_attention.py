"""``odtrack-eval show attention`` on a synthetic benchmark with the tiny ODTrack and a checkpoint file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("matplotlib")

from odtrack_eval.cli import main  # noqa: E402
from odtrack_eval.imageio import read_rgb  # noqa: E402
from odtrack_eval.synth import SynthOptions, generate, load_synth  # noqa: E402
from odtrack_eval.trackers.odtrack.config import get_config  # noqa: E402
from odtrack_eval.trackers.odtrack.model import build_model  # noqa: E402
from tests._shared import REAL  # noqa: E402

TINY = get_config("odtrack-test")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for var in ("ODTRACK_EVAL_TRACKERS", "ODTRACK_EVAL_CONFIG", "LASOT_ROOT", "ODTRACK_CKPT"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("b") / "synth", SynthOptions(sequences=2, frames=12, seed=6))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny weights (seed 3, not the definition's seed 0) in the official container."""
    torch.manual_seed(3)
    path = tmp_path_factory.mktemp("ck") / "ODTrack_ep0300.pth.tar"
    torch.save({"net": build_model(TINY).state_dict(), "epoch": 300}, path)
    return path


def _cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code


def _args(bench: Path, out: Path, *more: str) -> list[str]:
    return ["show", "attention", "odtrack-test", "-d", "lasot", "--root", str(bench), "-s", "tile-1",
            "-o", str(out), "--no-progress", *more]  # fmt: skip


def _expected(bench: Path, checkpoint: Path, frames: list[int], layer: int):
    """The same frames traced through the Python API with the checkpoint loaded directly."""
    from odtrack_eval.report.attention import overlay
    from odtrack_eval.trackers.odtrack.attention import trace_attention
    from odtrack_eval.trackers.odtrack.tracker import build_engine

    engine, _ = build_engine("odtrack-test", checkpoint)
    seq = load_synth(bench)["tile-1"]
    images = [read_rgb(p) for p in seq.frame_paths()]
    traced = trace_attention(engine, images, seq.init_box, frames, layer)
    return traced, [overlay(t.crop, t.attention, t.present) for t in traced]


def test_png_shows_the_checkpoints_attention_for_each_frame(bench, checkpoint, tmp_path, capsys):
    out = tmp_path / "fig" / "att.png"
    assert _cli(_args(bench, out, "--checkpoint", str(checkpoint), "--frames", "3,9", "--frames", "6")) == 0
    stdout = capsys.readouterr().out
    assert f"wrote {out}" in stdout
    assert stdout.count("search tokens present in layer 2") == 3  # the default layer is the last one (2)
    traced, overlays = _expected(bench, checkpoint, [3, 6, 9], layer=2)
    for t in traced:
        assert f"frame {t.frame}: {100 * t.search_share:.1f}% of the token's attention" in stdout
    image = read_rgb(out)
    dark = (image < 250).any(axis=2)
    top = int(np.flatnonzero(dark[:, 2])[0])  # the first panel's top-left corner is at the left edge
    height = int(np.argmin(dark[top:, 2]))
    row = dark[top + height // 2]
    edges = np.flatnonzero(np.diff(np.concatenate([[0], row.astype(int), [0]])))
    runs = list(zip(edges[::2], edges[1::2], strict=True))
    assert len(runs) == 3  # frames 3, 6, 9 side by side
    grid = TINY.feat_size_s
    for (x0, x1), expected in zip(runs, overlays, strict=True):
        cell = (x1 - x0) / grid
        patch = expected.shape[0] // grid
        for r, c in [(1, 1), (2, 6), (5, 3), (7, 7)]:  # token centres (the frame label covers (0, 0))
            got = image[int(top + (r + 0.5) * cell), int(x0 + (c + 0.5) * cell)].astype(int)
            want = expected[r * patch + patch // 2, c * patch + patch // 2].astype(int)
            assert (np.abs(got - want) <= 3).all(), (r, c, got, want)


def test_layer_option_and_pdf(bench, checkpoint, tmp_path, capsys):
    out = tmp_path / "att.pdf"
    assert _cli(_args(bench, out, "--checkpoint", str(checkpoint), "--frames", "4", "--layer", "1")) == 0
    assert "64 of 64 search tokens present in layer 1" in capsys.readouterr().out  # no elimination before block 1
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("more", "message"),
    [
        (["--frames", "4", "--layer", "3"], "error: --layer 3: odtrack-test has layers 1..2"),
        (["--frames", "1"], "error: --frames 1: sequence tile-1 has frames 1..12; frame 1 initialises the tracker"),
        (["--frames", "5,13"], "error: --frames 13: sequence tile-1 has frames 1..12"),
        (["--frames", "5,x"], "error: --frames 5,x: expected frame numbers"),
    ],
)
def test_bad_options_are_named_in_cli_words(bench, tmp_path, capsys, more, message):
    assert _cli(_args(bench, tmp_path / "a.png", *more)) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "a.png").exists()


def test_other_picture_formats_and_other_trackers_are_refused(bench, tmp_path, capsys):
    assert _cli(_args(bench, tmp_path / "a.jpg", "--frames", "4")) == 2
    err = capsys.readouterr().err
    assert "error: --out" in err and "a.jpg: expected a file name ending in .png or .pdf" in err
    args = _args(bench, tmp_path / "a.png", "--frames", "4")
    args[2] = "static"
    assert _cli(args) == 2
    assert "show attention needs an ODTrack tracker" in capsys.readouterr().err


def test_annotation_only_root_says_frames_are_needed(tmp_path, capsys):
    annotations = REAL / "lasot" / "annotations"
    if not annotations.is_dir():
        pytest.skip(f"needs the real LaSOT annotations at {annotations}")
    args = ["show", "attention", "odtrack-test", "-d", "lasot", "--root", str(annotations), "-s", "airplane-1",
            "--frames", "5", "-o", str(tmp_path / "a.png")]  # fmt: skip
    assert _cli(args) == 2
    err = capsys.readouterr().err
    assert "sequence airplane-1 of LaSOT has annotations only: show attention needs its frames" in err
