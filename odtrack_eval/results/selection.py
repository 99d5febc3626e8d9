"""Which discovered result entries to evaluate, and under which name: the ``--tracker`` values.

A value is either a name as discovered (``odtrack``, ``odtrack/baseline``, or a tracker folder) or, in the
spirit of pytracking's ``trackerlist(name, parameter_name, run_ids, display_name)``,
``TRACKER:PARAM[:RUNS[:LABEL]]``: the runs ``RUNS`` (``300``, ``0,1,2``, ``0-4``; empty = all; listed ids
must exist, a range takes the runs present in it) of parameter set ``PARAM`` of tracker ``TRACKER``, shown
as ``LABEL``. That matters for ODTrack-style folders, whose ``_NNN`` suffix is often a checkpoint epoch
(``baseline_300``) rather than a repetition: without a selector, ``baseline_100`` and ``baseline_300`` are
averaged as two runs of one entry (the evaluation warns when run ids are not 0..k-1).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from odtrack_eval.errors import OdtrackEvalError, ResultsError
from odtrack_eval.results.layout import TrackerRuns, discover_trackers

#: ``--help`` text of the option that takes these values.
TRACKER_HELP = (
    "Only these trackers (repeatable): a NAME as found, or TRACKER:PARAM[:RUNS[:LABEL]] "
    "(e.g. odtrack:baseline:300:ODTrack-B)."
)


@dataclass(frozen=True)
class Selector:
    name: str  # a discovered name, or the tracker folder when ``param`` is given
    param: str | None = None
    runs: tuple[int, ...] | None = None  # run ids named one by one (each must exist); None: no filter
    spans: tuple[tuple[int, int], ...] = ()  # ``lo-hi`` ranges: the runs present in them
    label: str | None = None
    text: str = ""

    def picks(self, run_id: int | None) -> bool:
        if self.runs is None and not self.spans:
            return True
        return run_id is not None and (run_id in (self.runs or ()) or any(lo <= run_id <= hi for lo, hi in self.spans))


def _run_ids(text: str, spec: str) -> tuple[tuple[int, ...] | None, tuple[tuple[int, int], ...]]:
    if not text:
        return None, ()
    ids: list[int] = []
    spans: list[tuple[int, int]] = []
    for part in text.split(","):
        lo, dash, hi = part.partition("-")
        try:
            if dash:
                spans.append((int(lo), int(hi)))
            else:
                ids.append(int(part))
        except ValueError:
            raise ResultsError(
                f"--tracker {spec!r}: run ids {text!r} are not integers (e.g. 300, 0,1,2 or 0-4)"
            ) from None
    return (tuple(sorted(set(ids))) if ids else None), tuple(spans)


def parse_selector(spec: str) -> Selector:
    """``NAME`` or ``TRACKER:PARAM[:RUNS[:LABEL]]`` (see the module docstring)."""
    parts = spec.split(":", 3)  # a LABEL may itself hold ':'
    if len(parts) == 1:
        return Selector(spec, text=spec)
    if not parts[0] or not parts[1]:
        raise ResultsError(f"--tracker {spec!r}: expected NAME or TRACKER:PARAM[:RUNS[:LABEL]]")
    label = parts[3] if len(parts) == 4 and parts[3] else None
    runs, spans = _run_ids(parts[2] if len(parts) > 2 else "", spec)
    return Selector(parts[0], parts[1], runs, spans, label, spec)


def display_name(spec: str) -> str:
    """The name the entry picked by ``spec`` is reported under."""
    sel = parse_selector(spec)
    if sel.param is None:
        return sel.name
    filtered = sel.runs is not None or bool(sel.spans)
    return sel.label or f"{sel.name}/{sel.param}" + (f":{sel.text.split(':', 3)[2]}" if filtered else "")


def tracker_folders(specs: list[str] | None) -> set[str] | None:
    """The tracker names the ``--tracker`` values can pick (None: all), for ``discover_trackers(only=...)``."""
    if not specs:
        return None
    return {parse_selector(spec).name.split("/")[0] for spec in specs}


def select_entries(entries: list[TrackerRuns], specs: list[str] | None, results_dir: Path) -> list[TrackerRuns]:
    """The entries the ``--tracker`` values pick (all if none), in the order given, runs filtered and renamed."""
    if not specs:
        return entries
    found = sorted(e.name for e in entries)
    out: list[TrackerRuns] = []
    for sel in map(parse_selector, specs):
        if sel.param is None:
            hits = [e for e in entries if sel.name in (e.name, e.tracker)]
            if not hits:
                raise ResultsError(f"no results for {sel.name!r} in {results_dir}; found: {found}")
            out += [e for e in hits if e not in out]
            continue
        of_tracker = [e for e in entries if e.tracker == sel.name]
        if not of_tracker:
            raise ResultsError(f"no results for tracker {sel.name!r} in {results_dir}; found: {found}")
        entry = next((e for e in of_tracker if (e.param or "") == sel.param), None)
        if entry is None:
            params = sorted(e.param or "(none)" for e in of_tracker)
            raise ResultsError(
                f"--tracker {sel.text!r}: {sel.name} has no parameter set {sel.param!r}; it has {params}"
            )
        have = {r.run_id for r in entry.runs}
        listed = sorted("none" if i is None else str(i) for i in have)
        missing = [i for i in sel.runs or () if i not in have]
        kept = tuple(r for r in entry.runs if sel.picks(r.run_id))
        if missing or not kept:
            what = f"no run {missing}" if missing else "no run in the range"
            raise ResultsError(
                f"--tracker {sel.text!r}: {what} of {sel.name}/{sel.param} in {entry.folder}; runs: {listed}"
            )
        entry = dataclasses.replace(entry, runs=kept, name=display_name(sel.text))
        if any(e.name == entry.name for e in out):
            raise ResultsError(f"--tracker {sel.text!r}: the name {entry.name!r} is used twice; give a LABEL")
        out.append(entry)
    return out


def find_entries(results_dir: Path, tag: str, trackers: list[str] | None) -> list[TrackerRuns]:
    """The tracker entries of ``results_dir`` to evaluate (only the asked-for folders are looked into)."""
    try:
        found = discover_trackers(results_dir, tag, tracker_folders(trackers))
        entries = select_entries(found, trackers, results_dir)
    except OdtrackEvalError:  # where that finds nothing, look into all: the same result or the full message
        entries = select_entries(discover_trackers(results_dir, tag), trackers, results_dir)
    if not entries:
        raise ResultsError(f"{results_dir}: no tracker results found (expected one folder per tracker)")
    return entries
