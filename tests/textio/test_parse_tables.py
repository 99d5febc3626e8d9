"""textio.parse_tables: many files at once (threads on the compiled backend) equal one reference parse each."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.backend import Backend
from odtrack_eval.errors import FormatError
from odtrack_eval.textio import parse_table_reference, parse_tables


def test_parallel_parse_matches_one_call_and_names_the_bad_file(tmp_path: Path, both_paths: str) -> None:
    rng = np.random.default_rng(8)
    paths = [tmp_path / f"s{i}.txt" for i in range(24)]
    blobs = [
        "\n".join(",".join(f"{v:.4f}" for v in row) for row in rng.random((3000, 4)) * 500).encode() + b"\n"
        for _ in paths
    ]
    backend = Backend(both_paths)
    got = parse_tables(blobs, paths, backend=backend)
    for blob, path, arr in zip(blobs, paths, got, strict=True):
        assert arr.tobytes() == parse_table_reference(blob, path, 4, "x,y,w,h").tobytes()
    bad = list(blobs)
    bad[5] = bad[5].replace(b",", b";", 1)  # not a clean file: parse_table decides
    bad[19] = bad[19] + b"1,2,3\n"  # ragged row, second half
    with pytest.raises(FormatError, match="s19.txt"):
        parse_tables(bad, paths, backend=backend)
    bad[3] = b"1,2,x,4\n"  # first half: reported first, as a sequential parse would
    with pytest.raises(FormatError, match="s3.txt"):
        parse_tables(bad, paths, backend=backend)
