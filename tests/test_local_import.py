"""Importing dataset paths from a pytracking/OSTrack/ODTrack ``local.py`` into the user catalog.

The local.py texts are written here in the shapes those code bases generate (``settings.<name>_path =
'...'`` inside ``local_env_settings()``) plus the expression forms users write by hand. Expected catalog
keys come from the attribute table in the module (the names the OSTrack/ODTrack dataset classes read);
expected paths are the literals written below.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from odtrack_eval.catalog import locate, read_config
from odtrack_eval.errors import FormatError
from odtrack_eval.local_import import merge_into_catalog, read_local_py

LOCAL_PY = """\
raise SystemExit("this file must never be executed")
import not_installed_anywhere
from lib.test.evaluation.environment import EnvSettings

def local_env_settings():
    settings = EnvSettings()

    # Set your local paths here.

    settings.davis_dir = ''
    settings.prj_dir = '/home/me/ODTrack'
    settings.got10k_lmdb_path = '/home/me/ODTrack/data/got10k_lmdb'
    settings.got10k_path = settings.prj_dir + '/data/got10k'
    settings.lasot_extension_subset_path = os.path.join(settings.prj_dir, 'data', 'lasot_extension_subset')
    settings.lasot_path = r'D:\\data\\LaSOTBenchmark'
    settings.otb_path = f"{settings.prj_dir}/data/otb"
    settings.tnl2k_path = find_tnl2k()
    settings.trackingnet_path = ''
    settings.trackingnet_path = 'data/trackingnet'
    settings.vot18_path = '/data/vot2018'
    settings.results_path = '/home/me/ODTrack/output/test/tracking_results'    # Where to store tracking results
    settings.vot20_path = "/data/it's/vot2020/sequences"
    return settings
"""


@pytest.fixture
def catalog_env(monkeypatch, tmp_path):
    for var in ("LASOT_ROOT", "LASOT_EXT_ROOT", "GOT10K_ROOT", "OTB100_ROOT", "VOT2020_ROOT"):
        monkeypatch.delenv(var, raising=False)
    cfg = tmp_path / "cfg" / "catalog.toml"
    monkeypatch.setenv("ODTRACK_EVAL_CONFIG", str(cfg))
    return cfg


def test_reads_paths_without_running_the_file(tmp_path: Path) -> None:
    path = tmp_path / "local.py"
    path.write_text(LOCAL_PY)
    found = read_local_py(path)
    got = {e.key: (e.path, e.attribute, e.line) for e in found.entries}
    assert got == {
        "got10k": ("/home/me/ODTrack/data/got10k", "got10k_path", 13),
        "lasot_ext": ("/home/me/ODTrack/data/lasot_extension_subset", "lasot_extension_subset_path", 14),
        "lasot": ("D:\\data\\LaSOTBenchmark", "lasot_path", 15),
        "otb100": ("/home/me/ODTrack/data/otb", "otb_path", 16),
        "vot2020": ("/data/it's/vot2020/sequences", "vot20_path", 22),
    }
    reasons = {name: reason for _, name, reason in found.skipped}
    assert reasons["tnl2k_path"] == "not a plain path: find_tnl2k()"
    assert ("trackingnet_path", "empty (not set)") in {(n, r) for _, n, r in found.skipped}
    assert reasons["trackingnet_path"].startswith("relative path")
    assert "LMDB" in reasons["got10k_lmdb_path"] and "VOT2018" in reasons["vot18_path"]
    assert "--results" in reasons["results_path"]


def test_merge_keeps_comments_and_existing_keys(tmp_path: Path, catalog_env: Path) -> None:
    (tmp_path / "local.py").write_text(LOCAL_PY)
    found = read_local_py(tmp_path / "local.py")
    catalog_env.parent.mkdir()
    catalog_env.write_text("# my catalog\n[datasets]\nlasot = '/fast/LaSOT'  # SSD copy\n\n[other]\nx = 1\n")
    added, kept = merge_into_catalog(catalog_env, found)
    assert [e.key for e in kept] == ["lasot"]
    assert sorted(e.key for e in added) == ["got10k", "lasot_ext", "otb100", "vot2020"]
    text = catalog_env.read_text()
    assert text.startswith("# my catalog\n[datasets]\n") and "lasot = '/fast/LaSOT'  # SSD copy" in text
    table = read_config(catalog_env)
    assert table["lasot"] == Path("/fast/LaSOT") and table["got10k"] == Path("/home/me/ODTrack/data/got10k")
    assert table["vot2020"] == Path("/data/it's/vot2020/sequences")
    # the family key serves every GOT-10k split, as the local.py root did
    assert locate("got10k-val").path == Path("/home/me/ODTrack/data/got10k")
    assert merge_into_catalog(catalog_env, found)[0] == []  # a second import adds nothing


def test_cli_prints_then_writes(tmp_path: Path, catalog_env: Path) -> None:
    (tmp_path / "local.py").write_text(LOCAL_PY)

    def cli(*args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "odtrack_eval", "datasets", "import-local", str(tmp_path / "local.py"), *args]
        return subprocess.run(cmd, capture_output=True, text=True)

    dry = cli()
    assert dry.returncode == 0 and not catalog_env.exists()
    assert "otb100 = '/home/me/ODTrack/data/otb'  # from local.py:16 (otb_path)" in dry.stdout
    assert "skipped local.py:17 tnl2k_path" in dry.stderr and "--write" in dry.stderr
    wrote = cli("--write")
    assert wrote.returncode == 0 and "added   otb100" in wrote.stdout
    assert read_config(catalog_env)["otb100"] == Path("/home/me/ODTrack/data/otb")
    again = cli("--write")
    assert "same    otb100 = /home/me/ODTrack/data/otb" in again.stdout


def test_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "local.py"
    bad.write_text("settings.lasot_path = '/data\n")
    with pytest.raises(FormatError, match=r"local.py:1: not valid Python"):
        read_local_py(bad)
    with pytest.raises(FormatError, match="file not found"):
        read_local_py(tmp_path / "missing.py")


def test_hostile_files_fail_clearly_and_quickly(tmp_path: Path) -> None:
    """Doubling a string 40 times, 100,000 chained additions, a 2 MB file: bounded, never a crash."""
    doubling = tmp_path / "doubling.py"
    doubling.write_text("s.a = 'x'\n" + "s.a = s.a + s.a\n" * 40 + "s.lasot_path = '/data/' + s.a\n")
    found = read_local_py(doubling)
    assert found.entries == [] and [name for _, name, _ in found.skipped] == ["lasot_path"]  # stopped at 4096 chars
    chained = tmp_path / "chained.py"
    chained.write_text("s.lasot_path = '/data'" + " + 'x'" * 100_000 + "\n")
    try:
        found = read_local_py(chained)
    except FormatError as exc:  # the parser itself may refuse the depth
        assert "chained.py" in str(exc)
    else:
        assert found.entries == [] and found.skipped and len(found.skipped[0][2]) < 200
    big = tmp_path / "big.py"
    big.write_text("# " + "x" * (2 << 20) + "\n")
    with pytest.raises(FormatError, match="larger than 1 MB"):
        read_local_py(big)


def test_values_and_names_cannot_inject_catalog_keys(tmp_path: Path, catalog_env: Path) -> None:
    import os

    from odtrack_eval.local_import import catalog_lines

    folder = tmp_path / "in\nlasot = '/evil'"
    os.makedirs(folder, exist_ok=True)
    local = folder / "local.py"
    local.write_text(
        "s.otb_path = '/data/OTB'\ns.tnl2k_path = '/data/a\\nlasot = 1'\ns.lasot_path = '~nosuchuser_odt/L'\n"
    )
    evil_name = tmp_path / "local\nlasot = '~attacker'.py"
    evil_name.write_text(local.read_text())
    found = read_local_py(evil_name)
    assert [e.key for e in found.entries] == ["otb100"]
    reasons = {name: why for _, name, why in found.skipped}
    assert "control characters" in reasons["tnl2k_path"] and "nosuchuser_odt" in reasons["lasot_path"]
    assert all("\n" not in line for line in catalog_lines(found))
    merge_into_catalog(catalog_env, found)
    table = read_config(catalog_env)
    assert set(table) == {"otb100"} and table["otb100"] == Path("/data/OTB")
