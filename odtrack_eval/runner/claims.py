"""Claims: which process tracks which sequence when several runs share one results folder.

Two ``odtrack-eval run`` processes on one folder (two terminals, two machines on a shared disk, a
cluster job started twice) must split the work instead of tracking every sequence twice. Before a
sequence is tracked, the process that will write its results takes an exclusive ``flock`` on
``<folder>/.claims/<seq>.lock`` and holds it until the result files are written; a sequence whose
lock is held elsewhere is left to that process. ``flock`` locks die with their process, so a
killed run never leaves a claim behind (the next run simply takes it). The manifest's
read-modify-write is serialised by the same mechanism (:func:`folder_lock`).

NFS: Linux emulates ``flock`` with POSIX locks on NFS (lockd), which is what makes this work across
machines; a file system without any locking support makes concurrent runs track sequences twice,
as before, but never corrupts a file (every write is atomic).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Generic, TypeVar

__all__ = ["Claims", "folder_lock", "hold_session", "others_running", "ClaimingTasks", "CLAIMS_DIR"]

CLAIMS_DIR = ".claims"
T = TypeVar("T")


def _lock_path(folder: Path, name: str) -> Path:
    return folder / CLAIMS_DIR / f"{name}.lock"


_UNSUPPORTED_WARNED: list[bool] = []


def _flock(fd: int, operation: int) -> bool:
    """``flock``; False where another process holds the lock (non-blocking calls). A file system without
    lock support (ENOLCK, e.g. NFSv3 without lockd) counts as granted, with one warning: runs then do not
    coordinate (they may track a sequence twice) but never fail, as before locks were used."""
    try:
        fcntl.flock(fd, operation)
    except BlockingIOError:
        return False
    except OSError as exc:
        if not _UNSUPPORTED_WARNED:
            _UNSUPPORTED_WARNED.append(True)
            warnings.warn(f"file locks are not supported here ({exc.strerror or exc}): runs sharing this "
                          "results folder will not split the work", stacklevel=3)  # fmt: skip
    return True


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's exclusive lock (blocking) for a read-modify-write of shared files."""
    path = _lock_path(folder, ".manifest")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        _flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # (closing releases the lock)


def hold_session(folder: Path) -> int:
    """A shared lock every running session holds on the folder (until the returned fd is closed)."""
    fd = os.open(_lock_path(folder, ".sessions"), os.O_CREAT | os.O_RDWR, 0o644)
    _flock(fd, fcntl.LOCK_SH)
    return fd


def others_running(folder: Path) -> bool:
    """Whether another process holds a session on the folder (call under :func:`folder_lock`)."""
    fd = os.open(_lock_path(folder, ".sessions"), os.O_CREAT | os.O_RDWR, 0o644)
    try:
        free = _flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return not free
    finally:
        os.close(fd)


class Claims:
    """The sequences this process has claimed in one results folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        (folder / CLAIMS_DIR).mkdir(parents=True, exist_ok=True)
        self._held: dict[str, int] = {}

    def try_claim(self, name: str) -> bool:
        """Claim ``name`` unless another process holds it (never blocks)."""
        if name in self._held:
            return True
        fd = os.open(_lock_path(self.folder, name), os.O_CREAT | os.O_RDWR, 0o644)
        try:
            claimed = _flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BaseException:
            os.close(fd)
            raise
        if not claimed:
            os.close(fd)
            return False
        self._held[name] = fd
        return True

    def release(self, name: str) -> None:
        fd = self._held.pop(name, None)
        if fd is not None:
            os.close(fd)

    def release_all(self) -> None:
        for name in list(self._held):
            self.release(name)


class ClaimingTasks(Generic[T]):
    """Tasks handed out one at a time, each only once this process has claimed its sequence and found
    it still undone. Backends take tasks lazily from :meth:`take` (or by iterating), so two processes
    on one folder interleave their claims and split the work."""

    def __init__(self, tasks: Sequence[T], claims: Claims, name_of: Callable[[T], str], done: Callable[[str], bool]):
        self._tasks = list(tasks)
        self._next = 0
        self.claims = claims
        self._name_of = name_of
        self._done = done
        #: Sequences skipped because another process had claimed or finished them.
        self.elsewhere: list[str] = []

    def __len__(self) -> int:
        return len(self._tasks)

    def take(self) -> T | None:
        """The next task this process may track, or None when there is none left."""
        while self._next < len(self._tasks):
            task = self._tasks[self._next]
            self._next += 1
            name = self._name_of(task)
            if not self.claims.try_claim(name):
                self.elsewhere.append(name)
                continue
            if self._done(name):  # finished by another process between planning and claiming
                self.claims.release(name)
                self.elsewhere.append(name)
                continue
            return task
        return None

    def __iter__(self) -> Iterator[T]:
        while (task := self.take()) is not None:
            yield task
