"""report/files.py: atomic writes that leave an identical file alone."""

from __future__ import annotations

from pathlib import Path

from odtrack_eval.report.files import write_bytes, write_text


def test_identical_content_is_not_rewritten_and_changed_content_is(tmp_path: Path) -> None:
    page = tmp_path / "sub" / "page.html"
    write_text(page, "<p>one</p>")
    first = page.stat()
    write_text(page, "<p>one</p>")  # a rerun: same bytes
    assert page.stat().st_ino == first.st_ino and page.stat().st_mtime_ns == first.st_mtime_ns
    write_text(page, "<p>two</p>")  # same size, other bytes: replaced whole
    assert page.read_text() == "<p>two</p>" and page.stat().st_ino != first.st_ino
    write_bytes(page, b"")
    assert page.read_bytes() == b"" and sorted(p.name for p in page.parent.iterdir()) == ["page.html"]
