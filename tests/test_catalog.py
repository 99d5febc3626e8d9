"""Finding dataset roots: --root, environment variable, user catalog file."""

from __future__ import annotations

import pytest

from odtrack_eval.catalog import config_path, locate, read_config, resolve_root
from odtrack_eval.errors import FormatError, OdtrackEvalError
from tests._shared import REPO


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for var in ("LASOT_ROOT", "GOT10K_ROOT", "TRACKINGNET_ROOT", "VOT2020_ROOT", "ODTRACK_EVAL_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return monkeypatch


def test_order_root_env_config(clean_env, tmp_path):
    a, b, c = (tmp_path / n for n in "abc")
    for p in (a, b, c):
        p.mkdir()
    cfg = tmp_path / "xdg" / "odtrack-eval" / "catalog.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(f'[datasets]\nlasot = "{c}"\n')
    assert config_path() == cfg
    assert resolve_root("lasot") == c
    clean_env.setenv("LASOT_ROOT", str(b))
    assert resolve_root("lasot") == b
    assert resolve_root("lasot", a) == a
    assert locate("lasot").source == "$LASOT_ROOT"


def test_config_family_keys_relative_paths_and_env_override(clean_env, tmp_path):
    (tmp_path / "data" / "GOT-10k").mkdir(parents=True)
    (tmp_path / "vot").mkdir()
    cfg = tmp_path / "my.toml"
    cfg.write_text('[datasets]\ngot10k = "data/GOT-10k"\nvot2020 = "vot"\n')
    clean_env.setenv("ODTRACK_EVAL_CONFIG", str(cfg))
    for name in ("got10k-val", "got10k_test", "got10k-train"):  # the family key serves every split
        assert resolve_root(name) == tmp_path / "data" / "GOT-10k"
    assert resolve_root("vot") == tmp_path / "vot"  # alias of vot2020
    assert "my.toml [datasets] got10k" in locate("got10k-val").source


def test_nothing_configured_lists_three_ways(clean_env):
    with pytest.raises(OdtrackEvalError) as exc:
        resolve_root("trackingnet")
    msg = str(exc.value)
    assert "--root" in msg and "TRACKINGNET_ROOT" in msg and "catalog.toml" in msg and "[datasets]" in msg


def test_missing_folder_and_bad_config(clean_env, tmp_path):
    with pytest.raises(OdtrackEvalError, match="from --root does not exist"):
        resolve_root("lasot", tmp_path / "nope")
    cfg = tmp_path / "bad.toml"
    cfg.write_text(f"[datasets]\nlasot = 3\notb100 = '~nosuchuser_odt/OTB'\ntnl2k = '{tmp_path}'\n")
    table = read_config(cfg)  # bad lines are kept as errors for their own keys, never for the others
    assert isinstance(table["lasot"], FormatError) and "datasets.lasot = 3 is not a string" in str(table["lasot"])
    assert isinstance(table["otb100"], FormatError) and "~nosuchuser_odt" in str(table["otb100"])
    clean_env.setenv("ODTRACK_EVAL_CONFIG", str(cfg))
    assert resolve_root("tnl2k") == tmp_path
    with pytest.raises(FormatError, match="bad.toml: datasets.lasot = 3 is not a string"):
        resolve_root("lasot")
    with pytest.raises(FormatError, match="nosuchuser_odt"):
        resolve_root("otb100")
    with pytest.raises(OdtrackEvalError, match="--root '~nosuchuser_odt/x'"):
        resolve_root("lasot", "~nosuchuser_odt/x")
    clean_env.delenv("ODTRACK_EVAL_CONFIG")
    cfg.write_text("[datasets\n")
    with pytest.raises(FormatError, match="not valid TOML"):
        read_config(cfg)
    clean_env.setenv("ODTRACK_EVAL_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(FormatError, match="absent.toml: file not found"):
        resolve_root("lasot")


def test_repository_template_parses():

    template = REPO / "datasets" / "catalog.toml"
    table = read_config(template)
    assert {"lasot", "lasot_ext", "trackingnet", "got10k", "tnl2k", "otb100", "vot2020", "folder"} <= set(table)
