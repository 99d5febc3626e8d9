"""Checkpoint loading: safe unpickling of foreign objects, strict keys, variant detection, clear errors."""

from __future__ import annotations

import hashlib
import sys
import textwrap

import pytest

torch = pytest.importorskip("torch")

from odtrack_eval.errors import OdtrackEvalError  # noqa: E402
from odtrack_eval.trackers.odtrack.checkpoint import (  # noqa: E402
    ForeignObject,
    checkpoint_sha256,
    load_checkpoint,
    read_checkpoint,
)
from odtrack_eval.trackers.odtrack.config import get_config  # noqa: E402
from odtrack_eval.trackers.odtrack.errors import (  # noqa: E402
    CheckpointKeysError,
    CheckpointReadError,
    CheckpointUnsafeError,
    CheckpointVariantError,
)
from odtrack_eval.trackers.odtrack.model import ODTrackNet, build_model  # noqa: E402

TINY = get_config("odtrack-test")


@pytest.fixture()
def tiny_state():
    torch.manual_seed(0)
    return build_model(TINY).state_dict()


def _fresh_tiny() -> ODTrackNet:
    return build_model(TINY, init=False)


def test_round_trip_official_container(tmp_path, tiny_state):
    path = tmp_path / "ODTrack_ep0300.pth.tar"
    torch.save({"net": tiny_state, "epoch": 300, "net_type": "ODTrack"}, path)
    model = _fresh_tiny()
    info = load_checkpoint(model, path, TINY)
    for k, v in model.state_dict().items():
        assert torch.equal(v, tiny_state[k]), k
    assert info.epoch == 300 and info.n_tensors == len(tiny_state) and info.foreign_globals == ()
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() == checkpoint_sha256(path)


def test_ddp_prefix_is_stripped(tmp_path, tiny_state):
    path = tmp_path / "ddp.pth"
    torch.save({"net": {f"module.{k}": v for k, v in tiny_state.items()}}, path)
    model = _fresh_tiny()
    info = load_checkpoint(model, path, TINY)
    assert info.n_tensors == len(tiny_state)
    for k, v in model.state_dict().items():  # every weight arrived under its name without "module."
        assert torch.equal(v, tiny_state[k]), k


@pytest.fixture()
def foreign_module(tmp_path, monkeypatch):
    """A package that exists while saving and is gone while loading, like lib.train.admin in the wild."""
    pkg = tmp_path / "fakeodlib_x7"
    (pkg / "admin").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "admin" / "__init__.py").write_text("")
    (pkg / "admin" / "stats.py").write_text(
        textwrap.dedent(
            """
            import builtins

            class AverageMeter:
                def __init__(self):
                    self.avg, self.count = 0.5, 3

            class Settings:
                def __init__(self, env):
                    self.env = env

            class Sneaky:
                def __init__(self, marker):
                    self.marker = marker

                def __reduce__(self):
                    return (builtins.exec, ("open(%r, 'w').close()" % self.marker,))
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import fakeodlib_x7.admin.stats as stats

    yield stats
    for name in [n for n in sys.modules if n.startswith("fakeodlib_x7")]:
        del sys.modules[name]


def _unimport(stats) -> None:
    for name in [n for n in sys.modules if n.startswith("fakeodlib_x7")]:
        del sys.modules[name]
    sys.path[:] = [p for p in sys.path if "fakeodlib" not in p and p != str(_root(stats))]


def _root(stats):
    from pathlib import Path

    return Path(stats.__file__).parents[2]


def test_foreign_training_objects_become_inert_placeholders(tmp_path, tiny_state, foreign_module):
    stats = foreign_module
    marker = tmp_path / "executed.txt"
    path = tmp_path / "with_stats.pth.tar"
    torch.save(
        {
            "net": tiny_state,
            "epoch": 5,
            "stats": {"train": stats.AverageMeter()},
            "settings": stats.Settings(env={"workspace": "/x"}),
            "sneaky": stats.Sneaky(str(marker)),
        },
        path,
    )
    _unimport(stats)
    with pytest.raises(ModuleNotFoundError):
        __import__("fakeodlib_x7")
    # Plain weights_only loading refuses the file ...
    with pytest.raises(Exception, match="(?i)global"):
        torch.load(path, weights_only=True)
    # ... the loader maps the unknown globals to placeholders and never runs them.
    raw = read_checkpoint(path)
    assert "fakeodlib_x7.admin.stats.AverageMeter" in raw.foreign_globals
    assert "builtins.exec" in raw.foreign_globals
    assert not marker.exists()
    assert isinstance(raw.content["stats"]["train"], ForeignObject)
    assert raw.content["stats"]["train"]._state == {"avg": 0.5, "count": 3}
    assert isinstance(raw.content["sneaky"], ForeignObject)
    info = load_checkpoint(_fresh_tiny(), path, TINY)
    assert info.epoch == 5 and not marker.exists()


def test_system_module_globals_are_refused(tmp_path, tiny_state):
    import os

    class CallsSystem:
        def __reduce__(self):
            return (os.system, ("true",))

    path = tmp_path / "evil.pth"
    torch.save({"net": tiny_state, "x": CallsSystem()}, path)
    with pytest.raises(CheckpointUnsafeError, match="system"):
        read_checkpoint(path)


def test_foreign_object_inside_net_is_rejected(tmp_path, tiny_state, foreign_module):
    stats = foreign_module
    path = tmp_path / "bad_net.pth"
    torch.save({"net": {**tiny_state, "backbone.extra": stats.AverageMeter()}}, path)
    _unimport(stats)
    with pytest.raises(CheckpointReadError, match="not tensors: backbone.extra"):
        load_checkpoint(_fresh_tiny(), path, TINY)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "not found"), (b"", "empty"), (b"hello, this is text\n", "not a"), ("truncate", "truncated")],
)
def test_unreadable_files_name_the_path(tmp_path, tiny_state, content, message):
    path = tmp_path / "ck.pth"
    if content == "truncate":
        torch.save({"net": tiny_state}, tmp_path / "full.pth")
        data = (tmp_path / "full.pth").read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(CheckpointReadError, match=message) as exc:
        read_checkpoint(path)
    assert str(path) in str(exc.value)
    assert isinstance(exc.value, OdtrackEvalError)


def test_large_checkpoint_for_base_definition_says_which_variant_it_looks_like(tmp_path):
    c = 1024  # only the sentinel entries of an ODTrack-L state dict (enough to recognise it, small file)
    sd = {
        "backbone.cls_token": torch.zeros(1, 1, c),
        "backbone.pos_embed_z": torch.zeros(1, 144, c),
        "backbone.pos_embed_x": torch.zeros(1, 576, c),
        "backbone.patch_embed.proj.weight": torch.zeros(c, 3, 16, 16),
        "backbone.blocks.23.norm1.weight": torch.zeros(c),
        "box_head.conv1_ctr.0.weight": torch.zeros(256, c, 3, 3),
    }
    path = tmp_path / "large.pth.tar"
    torch.save({"net": sd}, path)
    cfg = get_config("odtrack-b384")
    with torch.device("meta"):
        model = ODTrackNet(cfg)
    with pytest.raises(CheckpointVariantError) as exc:
        load_checkpoint(model, path, cfg)
    msg = str(exc.value)
    assert "looks like odtrack-l384 / odtrack-l384-got" in msg and "embed dim 1024, depth 24" in msg
    assert "definition is odtrack-b384" in msg and str(path) in msg


def test_other_depth_is_a_variant_error(tmp_path, tiny_state):
    path = tmp_path / "tiny.pth"
    torch.save({"net": tiny_state}, path)
    cfg = TINY.replace(depth=3, name="tiny3")
    with pytest.raises(CheckpointVariantError, match="looks like odtrack-test"):
        load_checkpoint(build_model(cfg, init=False), path, cfg)


def test_missing_unexpected_and_misshaped_keys_are_all_listed(tmp_path, tiny_state):
    sd = dict(tiny_state)
    del sd["backbone.blocks.1.mlp.fc2.bias"]
    sd["backbone.blocks.1.extra.weight"] = torch.zeros(3)
    sd["backbone.blocks.0.mlp.fc1.weight"] = torch.zeros(100, 64)
    path = tmp_path / "edited.pth"
    torch.save({"net": sd}, path)
    with pytest.raises(CheckpointKeysError) as exc:
        load_checkpoint(_fresh_tiny(), path, TINY)
    err = exc.value
    assert err.missing == ["backbone.blocks.1.mlp.fc2.bias"]
    assert err.unexpected == ["backbone.blocks.1.extra.weight"]
    assert err.mismatched == [("backbone.blocks.0.mlp.fc1.weight", (100, 64), (256, 64))]
    for text in ("missing", "fc2.bias", "unexpected", "extra.weight", "(100, 64) vs (256, 64)"):
        assert text in str(err)


def test_legacy_format_loads_and_legacy_foreign_objects_get_a_clear_error(tmp_path, tiny_state, foreign_module):
    plain = tmp_path / "legacy.pth"
    torch.save({"net": tiny_state}, plain, _use_new_zipfile_serialization=False)
    load_checkpoint(_fresh_tiny(), plain, TINY)
    with_stats = tmp_path / "legacy_stats.pth"
    torch.save(
        {"net": tiny_state, "stats": foreign_module.AverageMeter()}, with_stats, _use_new_zipfile_serialization=False
    )
    _unimport(foreign_module)
    with pytest.raises(CheckpointReadError, match="legacy"):
        read_checkpoint(with_stats)
