"""results/reading.py: bytes and digests of every file, in order, from parallel threads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from blake3 import blake3

from odtrack_eval.errors import FormatError
from odtrack_eval.results.reading import read_files


def test_read_and_digest_match_sequential_reads(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    paths = []
    for i in range(30):
        p = tmp_path / f"f{i}.txt"
        p.write_bytes(rng.bytes(int(rng.integers(0, 200_000))))
        paths.append(p)
    datas, digests = read_files(paths)
    assert datas == [p.read_bytes() for p in paths]
    assert digests == [blake3(len(d).to_bytes(8, "little") + d).digest() for d in datas]
    missing = tmp_path / "nope.txt"
    with pytest.raises(FormatError, match="nope.txt") as err:
        read_files([*paths[:10], missing, *paths[10:]])
    assert "cannot read the file" in str(err.value)
    with pytest.raises(FormatError, match="is a folder"):
        read_files([*paths[:3], tmp_path])
