"""Exception hierarchy: every user-facing error says which file, which line and what was expected."""

from __future__ import annotations

from pathlib import Path


class OdtrackEvalError(Exception):
    """Base class for errors the CLI reports as a clean message (no traceback)."""


class FormatError(OdtrackEvalError):
    """A file does not have the expected content.

    Carries the path and, where known, the 1-based line number so messages read
    ``path:line: problem (expected ...)``.
    """

    def __init__(self, path: str | Path, problem: str, line: int | None = None, expected: str | None = None):
        self.path = Path(path)
        self.line = line
        self.problem = problem
        self.expected = expected
        where = f"{self.path}:{line}" if line is not None else f"{self.path}"
        msg = f"{where}: {problem}"
        if expected:
            msg += f" (expected {expected})"
        super().__init__(msg)


class LayoutError(OdtrackEvalError):
    """A folder does not look like any layout we know."""


class ResultsError(OdtrackEvalError):
    """Tracker results are missing, incomplete or invalid for the chosen protocol."""


class RuleRefusal(ResultsError):
    """A protocol rule refuses one sequence's results (short results, NaN or inf rows...).

    Raised by the metrics, which know sequences but not files; the evaluation names the file with
    :meth:`at`. ``row``: the first offending 1-based row of the results (None: the file as a whole).
    """

    def __init__(self, sequence: str, problem: str, row: int | None = None):
        self.sequence, self.problem, self.row = sequence, problem, row
        super().__init__(f"sequence {sequence}: {problem}")

    def at(self, path: str | Path) -> ResultsError:
        """The same refusal, located in the result file ``path`` (``path:row: problem``)."""
        where = f"{path}:{self.row}" if self.row is not None else str(path)
        return ResultsError(f"{where}: {self.problem}")


#: How many names an unknown-name error lists (a benchmark has up to thousands of sequences).
_LISTED = 30


class UnknownNameError(OdtrackEvalError, KeyError):
    """An unknown protocol/dataset/tracker name; the message lists what exists."""

    def __init__(self, kind: str, name: str, available: list[str]):
        import difflib

        close = difflib.get_close_matches(name, available, n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        self.kind, self.name, self.available = kind, name, available
        shown = sorted(available)
        listed = ", ".join(shown[:_LISTED]) + (f" and {len(shown) - _LISTED} more" if len(shown) > _LISTED else "")
        super().__init__(f"unknown {kind} {name!r}.{hint} Available: {listed}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])
