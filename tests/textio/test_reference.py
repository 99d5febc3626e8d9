"""textio/reference.py: malformed files are named by file and line, in a message of bounded length."""

from __future__ import annotations

from pathlib import Path

import pytest

from odtrack_eval.errors import FormatError
from odtrack_eval.textio import parse_table_reference


def _error(data: bytes, ncols: int | None = 4) -> FormatError:
    with pytest.raises(FormatError) as err:
        parse_table_reference(data, Path("res/seq.txt"), ncols)
    return err.value


def test_a_huge_line_is_quoted_shortly() -> None:
    line = b",".join([b"1.5"] * 3_000_000)  # ~12 MB, no newline
    err = _error(line)
    assert err.line == 1 and len(str(err)) < 400 and "3,000,000 values" not in str(err)
    assert "characters)" in str(err) and str(err).startswith(str(Path("res/seq.txt")) + ":1:")


def test_cr_only_line_endings_name_line_one_and_say_why() -> None:
    err = _error(b"1,2,3,4\r5,6,7,8\r9,10,11,12\r")
    assert err.line == 1 and "found 12 values" in str(err) and "CR only" in str(err)


def test_crlf_files_are_fine_and_their_errors_have_editor_line_numbers() -> None:
    assert parse_table_reference(b"1,2,3,4\r\n5,6,7,8\r\n", "f", 4).shape == (2, 4)
    err = _error(b"1,2,3,4\r\n5,6,7\r\n")
    assert err.line == 2 and "CR only" not in str(err)


@pytest.mark.parametrize("token", ["1_000", "0x10", "1e", "1d5", "--1", "１"])
def test_tokens_python_or_numpy_might_half_read_are_errors_with_a_line(token: str) -> None:
    err = _error(f"1,2,3,4\n1,2,3,{token}\n".encode())
    assert err.line == 2 and "is not a number" in str(err) and err.expected == "x,y,w,h"
