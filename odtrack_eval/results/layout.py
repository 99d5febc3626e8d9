"""Find tracker result files in the folder layouts users already have (protocols.md §11, peers.md §4.1).

``RESULTS_DIR`` holds one folder per tracker. Inside one, we recognise:

* pytracking: ``<tracker>/<param>[_NNN]/<seq>.txt`` (+ ``<seq>_time.txt``);
* ODTrack/OSTrack: ``<tracker>/<param>[_NNN]/<dataset>/<seq>.txt``, the dataset subfolder chosen by
  the dataset tag (aliases such as ``lasot_extension_subset`` for ``lasot_ext``);
* pysot / got10k OTB-style: ``<tracker>/<seq>.txt`` (+ ``<tracker>/times/<seq>_time.txt``);
* MATLAB toolkits (LaSOT, TNL2K): ``<tracker>_tracking_result/<seq>.txt`` (the suffix is dropped);
* got10k GOT-10k style: ``<tracker>/<seq>/<seq>_NNN.txt`` (``NNN`` = repetition = run).

Discovery only lists files; nothing is parsed. Which file belongs to which dataset sequence is
decided by :meth:`RunFiles.match`, because only the dataset knows its names.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from odtrack_eval.errors import LayoutError, ResultsError
from odtrack_eval.results.naming import RUN_FOLDER, SIDE_SUFFIXES, TIME_SUFFIX
from odtrack_eval.sequence import canonical_name

__all__ = ["RunFiles", "TrackerRuns", "discover_trackers", "dataset_folder_matches", "REALTIME_PARAM"]

#: The parameter folder of a ``run --realtime`` run (``baseline-rt30fps``, ``default-rt25fps-lat40ms``).
REALTIME_PARAM = re.compile(r"-rt[0-9.]+fps(-lat[0-9.]+ms)?$")

_MATLAB_SUFFIX = "_tracking_result"
_TIMES_DIR = "times"

# Dataset-subfolder names that tools write for one benchmark, keyed by our dataset tag. Compared
# after canonical_name(), so case and separators do not matter. (OSTrack/ODTrack write
# ``lasot_extension_subset``; the ``_lmdb`` loaders write their own name; got10k splits share one.)
DATASET_FOLDER_ALIASES: dict[str, tuple[str, ...]] = {
    "lasot": ("lasot", "lasot_lmdb", "lasot_test"),
    "lasot_ext": ("lasot_ext", "lasot_extension_subset", "lasot_extension", "lasotext"),
    "otb": ("otb", "otb100", "otb2015", "tb100"),
    "tnl2k": ("tnl2k", "tnl2k_test"),
    "got10k": ("got10k", "got10k_test", "got10k_val", "got10k_lmdb", "got-10k"),
    "trackingnet": ("trackingnet", "trackingnet_test", "tnet"),
    "vot2020": ("vot2020", "vot20", "vot"),
}


@dataclass(frozen=True)
class RunFiles:
    """The files of one run (one ``_NNN`` folder, or the only run of a flat layout).

    ``boxes`` and ``times`` map the sequence name *as spelled in the file name* to its path.
    They are keyed by the spelling rather than by :func:`canonical_name` because real datasets
    contain distinct sequences with equal canonical names (TNL2K ``SuperMan_video_01-Done`` and
    ``SuperMan_video_01_done``); :meth:`match` resolves names exactly first, canonically second.
    """

    run_id: int | None
    folder: Path
    boxes: Mapping[str, Path]
    times: Mapping[str, Path]

    def match(self, names: Iterable[str], foreign: Collection[str] = ()) -> tuple[dict[str, Path], list[str]]:
        """Map dataset sequence ``names`` to box files; return ``(found, missing)``.

        A file whose name is exactly another dataset sequence's name, or one of ``foreign`` (names of
        another benchmark's sequences), is never used for a canonical match: LaSOT's ``car-2`` is not
        OTB100's ``Car2``. Two files that canonically match one sequence (``Jogging_1.txt`` and
        ``jogging-1.txt``) raise :class:`ResultsError` naming both.
        """
        stems = self.boxes if not foreign else {k: v for k, v in self.boxes.items() if k not in foreign}
        return _match(list(names), stems, self.folder)

    def time_file(self, stem: str) -> Path | None:
        """The time file of the box file spelled ``stem`` (None if the run has none)."""
        return self.times.get(stem)


@dataclass(frozen=True)
class TrackerRuns:
    """One evaluated entry: a tracker (and parameter set) with one or more runs.

    ``name`` is what reports show: ``<tracker>`` when the tracker folder has one parameter set,
    ``<tracker>/<param>`` when it has several. Runs ``_000, _001...`` of one parameter set are
    the runs of one entry; evaluators average per-sequence curves over them (protocols.md §2).
    """

    name: str
    tracker: str
    param: str | None
    runs: tuple[RunFiles, ...]
    layout: str
    folder: Path


def dataset_folder_matches(folder_name: str, dataset_tag: str) -> bool:
    """Whether a dataset subfolder name (``lasot_extension_subset``) belongs to ``dataset_tag``."""
    folder, tag = canonical_name(folder_name), canonical_name(dataset_tag)
    if folder == tag:
        return True
    for key, aliases in DATASET_FOLDER_ALIASES.items():
        group = {canonical_name(key), *(canonical_name(a) for a in aliases)}
        if tag in group and folder in group:
            return True
    return False


def discover_trackers(
    results_root: str | Path, dataset_tag: str | None = None, only: Collection[str] | None = None
) -> list[TrackerRuns]:
    """List every tracker entry under ``results_root`` (one folder per tracker), sorted by name.

    ``dataset_tag`` picks the dataset subfolder of ODTrack/OSTrack layouts (required only when a
    run folder holds several). Tracker folders with no results for that dataset are left out.
    ``only``: look into these trackers' folders only (names as discovered; a large results folder
    then costs nothing for the trackers not asked for).
    Raises :class:`LayoutError` when nothing usable is found or the layout is ambiguous.
    """
    root = Path(results_root).expanduser()
    if not root.is_dir():
        raise LayoutError(f"{root}: results folder not found (expected one sub-folder per tracker)")
    if _box_stems(_files(root)):
        raise LayoutError(
            f"{root}: holds result files directly; it looks like one tracker's folder. "
            f"Pass its parent folder (one sub-folder per tracker)."
        )
    entries: list[TrackerRuns] = []
    seen: dict[str, Path] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        tracker = folder.name
        if tracker.endswith(_MATLAB_SUFFIX) and len(tracker) > len(_MATLAB_SUFFIX):
            tracker = tracker[: -len(_MATLAB_SUFFIX)]
        if only is not None and tracker not in only:
            continue
        if tracker in seen:
            raise LayoutError(
                f"two folders hold results of tracker {tracker!r}: {seen[tracker]} and {folder}"
            )
        found = _discover_tracker(folder, tracker, dataset_tag)
        if found:
            seen[tracker] = folder
            entries.extend(found)
    if not entries:
        what = f" for dataset {dataset_tag!r}" if dataset_tag else ""
        raise LayoutError(
            f"{root}: found no tracker results{what} (expected <tracker>/<seq>.txt, "
            f"<tracker>/<param>[_NNN]/<seq>.txt or <tracker>/<param>[_NNN]/<dataset>/<seq>.txt)"
        )
    return sorted(entries, key=lambda e: e.name.lower())


def _discover_tracker(folder: Path, tracker: str, tag: str | None) -> list[TrackerRuns]:
    files = _files(folder)
    stems = _box_stems(files)
    if stems:  # flat: pysot, got10k OTB-style, MATLAB toolkits
        times = _time_stems(files)
        times_dir = folder / _TIMES_DIR
        if times_dir.is_dir():
            times = {**_time_stems(_files(times_dir)), **times}
        layout = "matlab" if folder.name.endswith(_MATLAB_SUFFIX) else "flat"
        run = RunFiles(None, folder, MappingProxyType(stems), MappingProxyType(times))
        return [TrackerRuns(tracker, tracker, None, (run,), layout, folder)]
    subdirs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    got10k = _got10k_runs(folder, subdirs)
    if got10k:
        return [TrackerRuns(tracker, tracker, None, got10k, "got10k", folder)]
    by_param: dict[str, list[RunFiles]] = {}
    layouts: set[str] = set()
    for sub in subdirs:
        m = RUN_FOLDER.match(sub.name)
        param, run_id = (m["param"], int(m["run"])) if m else (sub.name, None)
        picked = _run_folder(sub, tag)
        if picked is None:
            continue
        run_folder, layout = picked
        layouts.add(layout)
        files_here = _files(run_folder)
        run = RunFiles(
            run_id,
            run_folder,
            MappingProxyType(_box_stems(files_here)),
            MappingProxyType(_time_stems(files_here)),
        )
        by_param.setdefault(param, []).append(run)
    entries = []
    for param, runs in sorted(by_param.items()):
        ids = [r.run_id for r in runs]
        if None in ids and len(ids) > 1:
            raise LayoutError(
                f"{folder}: parameter {param!r} has both a folder without run id and run folders "
                f"{', '.join(str(r.folder) for r in runs if r.run_id is not None)}; "
                f"move one of them away so the runs of one entry are unambiguous"
            )
        runs.sort(key=lambda r: -1 if r.run_id is None else r.run_id)
        # (a real-time run's folder is always named: its scores are not the tracker's offline ones)
        name = tracker if len(by_param) == 1 and not REALTIME_PARAM.search(param) else f"{tracker}/{param}"
        layout = "odtrack" if "odtrack" in layouts else "pytracking"
        entries.append(TrackerRuns(name, tracker, param, tuple(runs), layout, folder))
    return entries


def _run_folder(folder: Path, tag: str | None) -> tuple[Path, str] | None:
    """Where the box files of a ``<param>[_NNN]`` folder are: itself or a dataset subfolder."""
    subs = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
    with_boxes = [p for p in subs if _box_stems(_files(p))]
    if tag is not None:
        matching = [p for p in with_boxes if dataset_folder_matches(p.name, tag)]
        if len(matching) > 1:
            exact = [p for p in matching if canonical_name(p.name) == canonical_name(tag)]
            if len(exact) != 1:
                raise LayoutError(
                    f"{folder}: several dataset folders match {tag!r}: "
                    f"{', '.join(sorted(p.name for p in matching))}"
                )
            matching = exact
        if matching:
            return matching[0], "odtrack"
    if _box_stems(_files(folder)):
        return folder, "pytracking"
    if tag is None and len(with_boxes) == 1:
        return with_boxes[0], "odtrack"
    if tag is None and len(with_boxes) > 1:
        raise LayoutError(
            f"{folder}: holds results for several datasets "
            f"({', '.join(sorted(p.name for p in with_boxes))}); say which dataset is evaluated"
        )
    return None


def _got10k_runs(folder: Path, subdirs: list[Path]) -> tuple[RunFiles, ...]:
    """Runs of the got10k GOT-10k layout ``<seq>/<seq>_NNN.txt``, or () if it is not that layout.

    Its ``<seq>_time.txt`` holds one column per repetition, so times are not attached here.
    """
    per_run: dict[int, dict[str, Path]] = {}
    for sub in subdirs:
        pattern = re.compile(re.escape(sub.name) + r"_(\d{3})\.txt$", re.IGNORECASE)
        reps = [(int(m.group(1)), f) for f in _files(sub) if (m := pattern.match(f.name))]
        if not reps:
            return ()
        for rep, path in reps:
            per_run.setdefault(rep, {})[sub.name] = path
    return tuple(
        RunFiles(rep, folder, MappingProxyType(stems), MappingProxyType({}))
        for rep, stems in sorted(per_run.items())
    )


def _files(folder: Path) -> list[Path]:
    # os.scandir knows the entry type from the directory listing: no stat() per file.
    try:
        with os.scandir(folder) as entries:
            return [folder / e.name for e in entries if not e.name.startswith(".") and e.is_file()]
    except OSError:
        return []


def _box_stems(files: list[Path]) -> dict[str, Path]:
    """``{stem: path}`` of the files that hold boxes (``.txt``, not a time/score side file)."""
    out: dict[str, Path] = {}
    for f in files:
        if f.suffix.lower() != ".txt":
            continue
        stem = f.name[:-4]
        if not stem or stem.lower().endswith(SIDE_SUFFIXES):
            continue
        out[stem] = f
    return out


def _time_stems(files: list[Path]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for f in files:
        stem = f.name[:-4]
        if (
            f.suffix.lower() == ".txt"
            and stem.lower().endswith(TIME_SUFFIX)
            and len(stem) > len(TIME_SUFFIX)
        ):
            out[stem[: -len(TIME_SUFFIX)]] = f
    return out


def _match(names: list[str], stems: Mapping[str, Path], folder: Path) -> tuple[dict[str, Path], list[str]]:
    wanted = set(names)
    by_canonical: dict[str, list[str]] = {}
    for stem in stems:
        by_canonical.setdefault(canonical_name(stem), []).append(stem)
    found: dict[str, Path] = {}
    missing: list[str] = []
    claimed: dict[str, str] = {}
    for name in names:
        # Files spelled exactly like *another* sequence of the dataset belong to that sequence.
        candidates = [s for s in by_canonical.get(canonical_name(name), ()) if s == name or s not in wanted]
        if not candidates:
            missing.append(name)
            continue
        if len(candidates) > 1:
            listed = " and ".join(str(stems[s]) for s in sorted(candidates))
            raise ResultsError(f"{folder}: files {listed} both hold results of sequence {name!r}; remove one")
        stem = candidates[0]
        if stem in claimed:
            raise ResultsError(
                f"{stems[stem]}: matches both sequences {claimed[stem]!r} and {name!r}; "
                f"rename it to the exact sequence name"
            )
        claimed[stem] = name
        found[name] = stems[stem]
    return found, missing
