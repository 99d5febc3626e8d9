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


def test_a_link_or_a_private_file_with_the_same_bytes_is_replaced(tmp_path: Path) -> None:
    """The skip must not keep what a write would have changed: a link stays a link to whatever it points at,
    and a 0600 file would stay unreadable to the people the report is shared with."""
    target = tmp_path / "elsewhere.html"
    target.write_text("<p>one</p>")
    link = tmp_path / "page.html"
    link.symlink_to(target)
    write_text(link, "<p>one</p>")
    assert not link.is_symlink() and link.read_text() == "<p>one</p>"
    target.write_text("<p>CHANGED</p>")  # (the page no longer follows it)
    assert link.read_text() == "<p>one</p>"
    private = tmp_path / "private.html"
    private.write_text("<p>one</p>")
    private.chmod(0o600)
    write_text(private, "<p>one</p>")
    assert private.stat().st_mode & 0o777 == 0o644
