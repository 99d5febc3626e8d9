"""results/reading.py: bytes and digests of every file, in order, from parallel threads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from blake3 import blake3

from odtrack_eval.errors import FormatError
from odtrack_eval.results.reading import digest_files, read_files
from tests._spy import count_reads


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


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from odtrack_eval.results import reading

    return count_reads(monkeypatch, reading)


def test_an_unchanged_file_is_hashed_once_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report looks at each result file three times; a file whose status is unchanged is not read again,
    and any write (even one that keeps the size) makes it read again."""
    from odtrack_eval import hashing

    monkeypatch.setattr(hashing, "RACY_SECONDS", 0.0)  # the files count as settled at once
    paths = [tmp_path / f"f{i}.txt" for i in range(12)]
    for i, p in enumerate(paths):
        p.write_text(f"{i},1,2,3\n")
    reads = _counting_reads(monkeypatch)
    first = read_files(paths, lambda data, i: len(data))[1]
    assert len(reads) == 12 and digest_files(paths) == first and len(reads) == 12  # (known: nothing read)
    paths[3].write_text("9,1,2,3\n")  # same size, new content
    again = digest_files(paths)
    assert reads[12:] == ["f3.txt"] and again[3] != first[3] and again[:3] + again[4:] == first[:3] + first[4:]
    assert again[3] == hashing.content_digest(b"9,1,2,3\n")


def test_files_changed_just_before_they_are_read_are_read_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Timestamps may be coarse: a file changed within RACY_SECONDS is never known by its status (git's rule)."""
    paths = [tmp_path / f"f{i}.txt" for i in range(10)]
    for p in paths:
        p.write_text("1,2,3,4\n")
    reads = _counting_reads(monkeypatch)
    digest_files(paths)
    digest_files(paths)
    assert len(reads) == 20


def test_a_file_replaced_or_restored_with_its_old_times_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same size and the old modification time put back (``touch -r``, or a replacement renamed in): the inode
    or the change time still differs, so the file is read again."""
    import os

    from odtrack_eval import hashing

    monkeypatch.setattr(hashing, "RACY_SECONDS", 0.0)
    paths = [tmp_path / f"f{i}.txt" for i in range(10)]
    for p in paths:
        p.write_text("1,2,3,4\n")
    reads = _counting_reads(monkeypatch)
    digest_files(paths)
    old = paths[2].stat()
    paths[2].write_text("5,6,7,8\n")  # rewritten in place, times put back
    os.utime(paths[2], ns=(old.st_atime_ns, old.st_mtime_ns))
    replacement = tmp_path / "new.txt"
    replacement.write_text("9,9,9,9\n")
    os.utime(replacement, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(replacement, paths[5])  # another inode under the same name
    again = digest_files(paths)
    assert sorted(reads[10:]) == ["f2.txt", "f5.txt"]  # (read by two threads: in either order)
    assert again[2] == hashing.content_digest(b"5,6,7,8\n") and again[5] == hashing.content_digest(b"9,9,9,9\n")
