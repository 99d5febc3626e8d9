"""Tracker registry: definition files, entry points (real importlib.metadata lookups),
checkpoints, factory parameters and the got10k adapter."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from odtrack_eval.cli import main
from odtrack_eval.errors import FormatError, UnknownNameError
from odtrack_eval.trackers.definition import CheckpointError, TrackerDefinition, load_definition
from odtrack_eval.trackers.got10k_adapter import Got10kAdapter, as_got10k
from odtrack_eval.trackers.registry import (
    TrackerBuildError,
    TrackerRegistry,
    build_tracker,
    resolve_tracker,
    shipped_dir,
)

SHIPPED = ["opencv-csrt", "opencv-kcf", "opencv-mil", "opencv-mosse", "static"]

PLUGIN = textwrap.dedent(
    '''
    from odtrack_eval.trackers.definition import TrackerDefinition

    class Shifter:
        def __init__(self, shift=1.0):
            self.shift = shift

        def initialize(self, image, info):
            self.box = list(info["init_bbox"])

        def track(self, image, info):
            self.box = [self.box[0] + self.shift] + self.box[1:]
            return {"target_bbox": self.box}

    def make():
        return Shifter()

    class Got10kStyle:
        """got10k contract: init(image, box) / update(image) on PIL images."""
        def init(self, image, box):
            assert image.__class__.__module__.startswith("PIL"), type(image)
            self.box = list(box)

        def update(self, image):
            assert image.mode == "RGB"
            return [self.box[0], self.box[1] + 2, self.box[2], self.box[3]]

    def with_checkpoint(checkpoint, device="cpu"):
        tracker = Shifter()
        tracker.checkpoint, tracker.device = checkpoint, device
        return tracker

    DEFINITION = TrackerDefinition("ignored", "odt_plugin_demo:Shifter", {"shift": 5.0})
    '''
)

ENTRY_POINTS = textwrap.dedent(
    """
    [odtrack_eval.trackers]
    plugin-demo = odt_plugin_demo:make
    plugin-def = odt_plugin_demo:DEFINITION
    plugin-got10k = odt_plugin_demo:Got10kStyle
    """
)


@pytest.fixture(autouse=True)
def _no_user_trackers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("ODTRACK_EVAL_TRACKERS", raising=False)


@pytest.fixture()
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A third-party package 'installed' on sys.path with a dist-info declaring entry points."""
    site = tmp_path / "site"
    (site / "odt_plugin_demo").mkdir(parents=True)
    (site / "odt_plugin_demo" / "__init__.py").write_text(PLUGIN)
    dist = site / "odt_plugin_demo-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: odt-plugin-demo\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(site))
    yield site
    for name in [m for m in sys.modules if m.startswith("odt_plugin_demo")]:
        del sys.modules[name]


def _run(tracker, frames: int = 4) -> list[list[float]]:
    image = np.zeros((20, 30, 3), np.uint8)
    tracker.initialize(image, {"init_bbox": [1.0, 2.0, 3.0, 4.0]})
    return [list(tracker.track(image, {})["target_bbox"]) for _ in range(frames)]


def test_shipped_definitions(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = TrackerRegistry()
    available = registry.available()
    for name in SHIPPED:
        assert available[name] == str(shipped_dir() / f"{name}.toml")
        definition = registry.resolve(name)
        assert definition.name == name and definition.results_tracker == name
        assert definition.results_param == "default"
        tracker = build_tracker(definition)
        assert callable(tracker.initialize) and callable(tracker.track)


def test_unknown_tracker_lists_what_exists() -> None:
    with pytest.raises(UnknownNameError) as exc:
        resolve_tracker("opencv-kfc")
    message = str(exc.value)
    assert "unknown tracker 'opencv-kfc'" in message and "Did you mean 'opencv-kcf'" in message
    for name in SHIPPED:
        assert name in message


def test_entry_point_plugin_is_found_and_run(installed_plugin: Path) -> None:
    registry = TrackerRegistry()
    assert registry.available()["plugin-demo"] == "entry point odt_plugin_demo:make"
    definition = registry.resolve("plugin-demo")
    assert definition.implementation == "odt_plugin_demo:make" and "odt-plugin-demo" in definition.source
    assert _run(build_tracker(definition), 2) == [[2.0, 2.0, 3.0, 4.0], [3.0, 2.0, 3.0, 4.0]]
    # an entry point may also carry a full definition (parameters included)
    assert _run(build_tracker(registry.resolve("plugin-def")), 1) == [[6.0, 2.0, 3.0, 4.0]]
    # got10k-style trackers are wrapped automatically and receive PIL images
    wrapped = build_tracker(registry.resolve("plugin-got10k"))
    assert isinstance(wrapped, Got10kAdapter)
    assert _run(wrapped, 1) == [[1.0, 4.0, 3.0, 4.0]]


def test_entry_point_found_by_the_cli_in_a_fresh_process(installed_plugin: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed_plugin), os.environ.get("PYTHONPATH", "")])}
    code = "from odtrack_eval.cli import main; main()"
    proc = subprocess.run(
        [sys.executable, "-c", code, "run", "plugin-demx", "--dataset", "lasot", "--root", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Did you mean 'plugin-demo'" in proc.stderr and "plugin-got10k" in proc.stderr


def test_definition_files_in_user_folders_shadow_shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "fast-static.toml").write_text(
        'name = "static"\nimplementation = "odtrack_eval.trackers.baselines:StaticTracker"\n'
        '[results]\ntracker = "my-static"\nparam = "v2"\n'
    )
    monkeypatch.setenv("ODTRACK_EVAL_TRACKERS", str(folder))
    definition = resolve_tracker("static")
    assert definition.source == str(folder / "fast-static.toml")
    assert (definition.results_tracker, definition.results_param) == ("my-static", "v2")
    (folder / "dup.toml").write_text('name = "static"\nimplementation = "a:b"\n')
    with pytest.raises(FormatError, match="also defined in"):
        resolve_tracker("static")


def test_definition_path_and_format_errors(tmp_path: Path) -> None:
    good = tmp_path / "t.toml"
    good.write_text('name = "t"\nimplementation = "odtrack_eval.trackers.baselines:StaticTracker"\n')
    assert resolve_tracker(str(good)).name == "t"
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "t"\nimplementation = "x:y"\n\n[parameters]\nkind = "csrt"\ncheckpoints = "w.pth"\n')
    load_definition(bad)  # unknown keys inside [parameters] are the factory's business
    bad.write_text('name = "t"\nimplementation = "x:y"\ncheckpoints = "w.pth"\n')
    with pytest.raises(FormatError, match=r"bad.toml:3: unknown key 'checkpoints'"):
        load_definition(bad)
    bad.write_text('name = "t"\nimplementation = "not a factory"\n')
    with pytest.raises(FormatError, match=r"bad.toml:2: invalid implementation .*module:factory"):
        load_definition(bad)
    bad.write_text('name = "t"\nimplementation = "x:y"\n[parameters\n')
    with pytest.raises(FormatError, match=r"bad.toml:3: invalid TOML"):
        load_definition(bad)
    bad.write_text('implementation = "x:y"\n')
    with pytest.raises(FormatError, match="missing or non-string 'name'"):
        load_definition(bad)
    with pytest.raises(FormatError, match="file not found"):
        resolve_tracker(str(tmp_path / "nope.toml"))


def test_missing_checkpoint_gives_a_clear_error(tmp_path: Path, installed_plugin: Path, capsys) -> None:
    path = tmp_path / "ckpt.toml"
    path.write_text(
        'name = "needs-weights"\nimplementation = "odt_plugin_demo:with_checkpoint"\ncheckpoint = "weights/b256.pth"\n'
    )
    definition = load_definition(path)
    assert definition.checkpoint == tmp_path / "weights" / "b256.pth"  # relative to the definition file
    with pytest.raises(CheckpointError, match=r"checkpoint '.*weights/b256.pth' does not exist.*--checkpoint"):
        build_tracker(definition)
    with pytest.raises(SystemExit) as exc:
        main(["run", str(path), "--dataset", "lasot", "--root", str(tmp_path)])
    assert exc.value.code == 2
    assert "b256.pth' does not exist" in capsys.readouterr().err
    weights = tmp_path / "other.pth"
    weights.write_bytes(b"w")
    tracker = build_tracker(definition.with_checkpoint(weights), device="cuda:1")
    assert tracker.checkpoint == weights and tracker.device == "cuda:1"


def test_checkpoint_with_unset_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ODT_TEST_WEIGHTS", raising=False)
    path = tmp_path / "env.toml"
    path.write_text('name = "e"\nimplementation = "a:b"\ncheckpoint = "${ODT_TEST_WEIGHTS}/x.pth"\n')
    with pytest.raises(CheckpointError, match="set the environment variable ODT_TEST_WEIGHTS"):
        load_definition(path).check_checkpoint()
    monkeypatch.setenv("ODT_TEST_WEIGHTS", str(tmp_path))
    (tmp_path / "x.pth").write_bytes(b"")
    load_definition(path).check_checkpoint()


def test_factory_errors(installed_plugin: Path) -> None:
    with pytest.raises(TrackerBuildError, match=r"parameters \['shift', 'speed'\] do not fit .*Shifter\(shift\)"):
        build_tracker(TrackerDefinition("x", "odt_plugin_demo:Shifter", {"shift": 1, "speed": 2}))
    with pytest.raises(TrackerBuildError, match="has a checkpoint but odt_plugin_demo:Shifter takes no 'checkpoint'"):
        build_tracker(TrackerDefinition("x", "odt_plugin_demo:Shifter", checkpoint=Path(__file__)))
    with pytest.raises(TrackerBuildError, match="has no attribute 'Nothing'"):
        build_tracker(TrackerDefinition("x", "odt_plugin_demo:Nothing"))
    with pytest.raises(TrackerBuildError, match="cannot import 'odt_missing_pkg'"):
        build_tracker(TrackerDefinition("x", "odt_missing_pkg:f"))
    with pytest.raises(TrackerBuildError, match="neither initialize/track"):
        build_tracker(TrackerDefinition("x", "builtins:dict"))


def test_got10k_identity_tracker_runs_unchanged() -> None:
    from got10k.trackers import IdentityTracker

    adapter = Got10kAdapter(IdentityTracker())
    assert _run(adapter, 2) == [[1.0, 2.0, 3.0, 4.0]] * 2


def test_as_got10k_runs_our_tracker_in_got10k(tmp_path: Path) -> None:
    from odtrack_eval.trackers.baselines import StaticTracker

    files = []
    for i in range(3):
        files.append(str(tmp_path / f"{i}.jpg"))
        Image.fromarray(np.full((12, 16, 3), 40 * i, np.uint8)).save(files[-1])
    boxes, times = as_got10k(StaticTracker(), "static").track(files, np.array([2.0, 3.0, 4.0, 5.0]))
    assert boxes.tolist() == [[2.0, 3.0, 4.0, 5.0]] * 3 and times.shape == (3,)
