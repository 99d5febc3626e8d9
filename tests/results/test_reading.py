"""results/reading.py: bytes and digests of every file, in order, from parallel threads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from blake3 import blake3

from odtrack_eval.errors import FormatError
from odtrack_eval.results.reading import digest_files, read_files


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
    assert digest_files(paths) == digests
    sizes, again = read_files(paths, lambda data, i: (i, len(data)))
    assert again == digests and sizes == [(i, len(d)) for i, d in enumerate(datas)]
    missing = tmp_path / "nope.txt"
    with pytest.raises(FormatError, match="nope.txt") as err:
        read_files([*paths[:10], missing, *paths[10:]])
    assert "cannot read the file" in str(err.value)
    with pytest.raises(FormatError, match="is a folder"):
        read_files([*paths[:3], tmp_path])
    with pytest.raises(FormatError, match="nope.txt"):
        digest_files([*paths[:20], missing])


def test_the_first_failing_transform_in_file_order_is_raised(tmp_path: Path) -> None:
    paths = []
    for i in range(40):
        paths.append(tmp_path / f"f{i:02d}.txt")
        paths[-1].write_text(str(i))

    def fail_on_odd_tens(data: bytes, index: int) -> int:
        if index in (13, 37):  # one in each half (each thread)
            raise ValueError(f"bad {index}")
        return int(data)

    with pytest.raises(ValueError, match="bad 13"):
        read_files(paths, fail_on_odd_tens)
