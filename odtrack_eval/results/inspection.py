"""Inspection: what a downloaded results folder holds and what the protocol would do with it, without scoring.

Leaderboard reproduction starts with a dozen archives of raw results, each with its own layout,
number format and surprises (files missing, another benchmark's files, x1,y1,x2,y2 boxes, an offset
from a convention change, NaN rows). For each tracker folder this module lists the facts as
:class:`Fact` objects of a fixed set of kinds (:data:`KINDS`) and gives the verdict the evaluation
would reach under the protocol (:mod:`.verdict`): ``ok``, ``warn`` (scored with repairs or
suspicions) or ``refused`` (with the reason, naming file and line). It reads every file but never
scores: the verdicts come from the same listing, parser, validation and rules as the evaluation.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from odtrack_eval.backend import Backend, choose_backend
from odtrack_eval.datasets.names import display_name, names_of
from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.hashing import KeyBuilder, source_digest
from odtrack_eval.protocols import Protocol
from odtrack_eval.results.layout import TrackerRuns
from odtrack_eval.results.listing import RunListing, foreign_refusal, list_run, listed_bytes, missing_message
from odtrack_eval.results.reader import file_parser
from odtrack_eval.results.reading import digest_files, read_files
from odtrack_eval.results.validation import Finding, offset_evidence, validate
from odtrack_eval.results.verdict import STRICT_HINT, Verdict, handling
from odtrack_eval.sequence import Sequence as DatasetSequence
from odtrack_eval.store import ArrayStore

__all__ = ["KINDS", "Fact", "Inspection", "TrackerInspection", "inspect_entry", "inspect_folder", "number_format",
           "ground_truths", "inspect_evaluated"]

#: Every kind of fact, in report order; ``count`` is a number of files, or of rows for the row kinds.
KINDS = ("runs", "missing", "foreign", "format", "length", "corners", "offset", "nan", "inf", "negative",
         "zero_size", "times")  # fmt: skip
ROW_KINDS = ("nan", "inf", "negative", "zero_size")
#: Validation's finding kinds under their inspection names.
_KIND_OF_FINDING = {
    "length_mismatch": "length",
    "looks_like_corners": "corners",
    "nan_rows": "nan",
    "inf_rows": "inf",
    "negative_size": "negative",
    "zero_size": "zero_size",
}


@dataclass(frozen=True)
class Fact:
    """One kind of fact about a tracker's folder: ``count`` files (rows for :data:`ROW_KINDS`)."""

    kind: str
    count: int
    message: str

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "count": self.count, "message": self.message}


@dataclass
class TrackerInspection:
    """A tracker folder's layout, facts and verdict (``reason``: why it is refused)."""

    name: str
    layout: str
    verdict: Verdict = "ok"
    reason: str | None = None
    facts: list[Fact] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"name": self.name, "layout": self.layout, "verdict": self.verdict}
        if self.reason is not None:
            out["reason"] = self.reason
        out["findings"] = [f.to_dict() for f in self.facts]
        return out

    def _refuse(self, reason: str) -> None:
        if self.verdict != "refused":
            self.verdict, self.reason = "refused", reason

    def _warn(self) -> None:
        if self.verdict == "ok":
            self.verdict = "warn"


def inspect_entry(
    entry: TrackerRuns,
    names: Sequence[str],
    truths: dict[str, np.ndarray] | None,
    tag: str,
    dataset_label: str,
    protocol: Protocol,
    *,
    allow_missing: bool = False,
    strict: bool = False,
    backend: Backend | None = None,
    store: ArrayStore | None = None,
) -> TrackerInspection:
    """Inspect one tracker entry against the sequences ``names`` of benchmark ``tag``.

    ``truths``: ground-truth boxes by sequence (None: names only, so no length, corner or offset
    evidence); ``protocol`` already resolved for the benchmark. ``store``: keep the result under a key of
    everything it depends on (every file's bytes and path, the ground truth, the rules, the options and the
    inspection code), so a rerun on the same files only hashes them.
    """
    listings = [list_run(run, names, dataset_label, allow_missing=True, tag=tag) for run in entry.runs]
    key = base = None
    if store is not None:
        base = _entry_base(entry, listings, names, truths, tag, dataset_label, protocol, allow_missing, strict)
        key = _entry_key(base, digest_files([p for li in listings for p in li.paths]))
        hit = store.get(_STORE_KIND, key)
        if hit is not None:
            try:
                return _decode(hit[0].tobytes())
            except (ValueError, KeyError, TypeError, IndexError):
                pass  # (an intact entry of another shape: inspected again)
    out, read = _inspect(entry, listings, names, truths, tag, protocol, allow_missing, strict, backend)
    if store is not None and key is not None and base is not None:
        if read is not None:  # kept under the bytes inspected (a file rewritten meanwhile: not the looked-up key)
            key = _entry_key(base, read)
        store.put(_STORE_KIND, key, [np.frombuffer(json.dumps(out.to_dict()).encode(), dtype=np.uint8)])
    return out


def _inspect(entry: TrackerRuns, listings: list[RunListing], names: Sequence[str],
             truths: dict[str, np.ndarray] | None, tag: str, protocol: Protocol, allow_missing: bool, strict: bool,
             backend: Backend | None) -> tuple[TrackerInspection, list[bytes] | None]:  # fmt: skip
    """The inspection itself (what :func:`inspect_entry` keeps in the cache) and the digests of the files it read
    (None: it read none)."""
    out = TrackerInspection(entry.name, entry.layout)
    ids = [r.run_id for r in entry.runs]
    runs_text = "1 run" if len(ids) == 1 else f"{len(ids)} runs ({', '.join(map(str, ids))}), averaged as repetitions"
    out.facts.append(Fact("runs", len(ids), runs_text))
    refusal = foreign_refusal(listings, len(names), tag)
    if refusal is not None:
        out._refuse(refusal)
    _listing_facts(out, listings, names, tag, allow_missing, strict)
    if refusal is not None:
        return out, None
    try:
        backend = backend or choose_backend(listed_bytes(listings))
        parse = file_parser(listings, backend)
        num_boxes = [len(li.box_paths) for li in listings]
        starts = np.cumsum([0] + [len(li.paths) for li in listings]).tolist()

        def read(data: bytes, index: int) -> tuple[np.ndarray, tuple[str, ...] | None]:
            run = next(r for r in range(len(listings)) if index < starts[r + 1])
            is_box = index - starts[run] < num_boxes[run]
            return parse(data, index), number_format(data) if is_box else None

        parsed, digests = read_files([p for li in listings for p in li.paths], read)
    except OdtrackEvalError as exc:
        out.facts.append(Fact("format", 1, str(exc)))
        out._refuse(str(exc))
        return out, None
    _content_facts(out, listings, parsed, starts, truths, protocol, strict)
    return out, digests


#: The code an inspection's cache entry depends on (hashed at import, like the evaluation's).
INSPECTION_CODE = ("odtrack_eval.results", "odtrack_eval.textio", "odtrack_eval.protocols", "odtrack_eval.boxes",
                   "odtrack_eval.errors", "odtrack_eval.datasets.names", "odtrack_eval.backend")  # fmt: skip
_CODE_KEY = f"{source_digest(INSPECTION_CODE)}\0numpy {np.__version__}"
_STORE_KIND = "inspection"


def _entry_base(entry: TrackerRuns, listings: list[RunListing], names: Sequence[str],
                truths: dict[str, np.ndarray] | None, tag: str, dataset_label: str, protocol: Protocol,
                allow_missing: bool, strict: bool) -> str:  # fmt: skip
    """Everything one entry's inspection depends on but the files' bytes; file paths included, since facts name
    files (built once: the key of the lookup and the key of what was read share it)."""
    key = KeyBuilder("inspection").text(_CODE_KEY).text(repr(protocol)).text(f"{entry.name}\0{entry.layout}")
    key.text(f"{tag}\0{dataset_label}\0{allow_missing}\0{strict}\0" + "\0".join(names))
    key.text(repr([r.run_id for r in entry.runs]))
    for name in names:
        key.array(None if truths is None else truths.get(name))
    for li in listings:
        key.text(repr((li.order, [str(p) for p in li.paths], li.time_names, li.missing,
                       sorted((t, sorted(v)) for t, v in li.foreign.items()), str(li.run.folder),
                       sorted(li.run.boxes), sorted(li.run.times))))  # fmt: skip
    return key.hexdigest()


def _entry_key(base: str, digests: list[bytes]) -> str:
    """The entry's key: :func:`_entry_base` and the digests of its files' bytes (in the listings' order)."""
    return KeyBuilder("inspection-entry").text(base).digests(digests).hexdigest()


def _decode(data: bytes) -> TrackerInspection:
    d = json.loads(data)
    facts = [Fact(f["kind"], int(f["count"]), f["message"]) for f in d["findings"]]
    return TrackerInspection(d["name"], d["layout"], d["verdict"], d.get("reason"), facts)


def _listing_facts(out: TrackerInspection, listings: list[RunListing], names: Sequence[str], tag: str,
                   allow_missing: bool, strict: bool) -> None:  # fmt: skip
    """Missing and foreign files."""
    missing = sorted({m for li in listings for m in li.missing})
    if missing:
        first = next(li for li in listings if li.missing)
        message = missing_message(first.run.folder, first.missing, len(names), dataset_label=display_name(tag))
        if allow_missing:  # (as evaluate: those sequences are left out for every tracker; not a repair)
            message = (f"{first.run.folder}: no result file for {len(missing)} of {len(names)} sequences "
                       f"({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}); with --allow-missing they "
                       "are left out for every tracker")  # fmt: skip
            out.facts.append(Fact("missing", len(missing), message))
            out._warn()
        else:
            out.facts.append(Fact("missing", len(missing), message))
            out._refuse(message)
    matched = {str(p) for li in listings for p in li.box_paths}
    own = names_of(tag)  # (files of sequences of this benchmark outside the evaluated set are not foreign)
    by_benchmark: dict[str, list[str]] = defaultdict(list)
    for li in listings:
        named = {s: t for t, stems in li.foreign.items() for s in stems}
        for stem, path in li.run.boxes.items():
            if str(path) not in matched and stem not in own:
                by_benchmark[named.get(stem, "")].append(stem)
    for other, stems in sorted(by_benchmark.items(), key=lambda kv: -len(kv[1])):
        examples = ", ".join(sorted(stems)[:3]) + (", ..." if len(stems) > 3 else "")
        whose = f"{display_name(other)} sequences" if other else "no sequence of any known benchmark"
        out.facts.append(Fact("foreign", len(stems), f"{len(stems)} files name {whose} ({examples}); not read"))
        if not other:  # (notes.txt, a README: not results of anything; evaluate ignores them too)
            continue
        if strict:
            out._refuse(f"{listings[0].run.folder}: {len(stems)} files name {whose} ({STRICT_HINT})")
        else:
            out._warn()


def _content_facts(out: TrackerInspection, listings: list[RunListing], parsed: list, starts: list[int],
                   truths: dict[str, np.ndarray] | None, protocol: Protocol, strict: bool) -> None:  # fmt: skip
    """Format, validation findings, offsets and times of the parsed files."""
    formats: Counter[tuple[str, ...]] = Counter()
    findings: list[Finding] = []
    first_rows: list[tuple[np.ndarray, np.ndarray]] = []
    times: list[np.ndarray] = []
    for r, li in enumerate(listings):
        for k, (name, path) in enumerate(zip(li.order, li.box_paths, strict=True)):
            boxes, style = parsed[starts[r] + k]
            formats[style] += 1
            gt = truths.get(name) if truths is not None else None
            if gt is None:
                findings += [f for f in validate(boxes, boxes, path) if f.kind in ("nan_rows", "inf_rows",
                                                                                   "negative_size", "zero_size")]
            else:
                findings += validate(boxes, gt, path)
                if len(boxes) and len(gt):
                    first_rows.append((boxes[0], gt[0]))
        times += [parsed[starts[r] + len(li.box_paths) + k][0] for k in range(len(li.time_paths))]
    out.facts.append(Fact("format", sum(formats.values()), _describe_formats(formats)))

    by_kind: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_kind[_KIND_OF_FINDING[f.kind]].append(f)
    corners = 2 * len(by_kind.get("corners", ())) > len(first_rows)
    for kind in KINDS:
        group = by_kind.get(kind)
        if not group:
            continue
        rows = sum(f.count or 0 for f in group)
        count = rows if kind in ROW_KINDS else len(group)
        files = f"{len(group)} file{'s' if len(group) != 1 else ''}"
        h = handling(group[0].kind, protocol, group[0].shorter)
        if kind == "length":
            short = [f for f in group if f.shorter]
            hs = handling("length_mismatch", protocol, True)
            if short and hs.action == "refuse":
                h = hs
            how = "; ".join(
                f"{len(fs)} {side}: {handling('length_mismatch', protocol, side == 'shorter').how}"
                for side, fs in (("shorter", short), ("longer", [f for f in group if not f.shorter])) if fs
            )
        else:
            how = h.how
        out.facts.append(Fact(kind, count, f"{files} (first: {group[0]}); {how}"))
        _judge(out, h.action, f"{group[0]}", strict)
    offset = offset_evidence(first_rows, corners)
    if offset is not None:
        out.facts.append(Fact("offset", offset[1], offset[0]))
        _judge(out, "suspect", f"{listings[0].run.folder}: {offset[0]}", strict)
    if times:
        from odtrack_eval.metrics.speed import speed_of

        found = speed_of(times)
        speed = (f"{found.fps:.1f} FPS over {found.frames} tracked frames (frame 0 excluded)" if found is not None
                 else "no usable times")  # fmt: skip
        out.facts.append(Fact("times", len(times), f"{len(times)} time files: {speed}"))
    else:
        out.facts.append(Fact("times", 0, "no time files (no FPS)"))


def _describe_formats(formats: Counter[tuple[str, ...]]) -> str:
    """One phrase per kind of file (decimal places merged to the most any file has)."""
    merged: Counter[tuple[str, ...]] = Counter()
    places: dict[tuple[str, ...], int] = {}
    for style, n in formats.items():
        key = tuple("decimals" if s.startswith("decimals (") else s for s in style)
        merged[key] += n
        digits = [int(re.sub(r"\D", "", s)) for s in style if s.startswith("decimals (")]
        places[key] = max([places.get(key, 0), *digits])
    phrases = []
    for key, n in merged.most_common():
        words = [f"decimals (up to {places[key]} digits)" if s == "decimals" else s for s in key]
        phrases.append(", ".join(words) if len(merged) == 1 else f"{n} files {', '.join(words)}")
    return "; ".join(phrases)


def _judge(out: TrackerInspection, action: str, where: str, strict: bool) -> None:
    if action == "refuse":
        out._refuse(f"{where}; the protocol refuses it")
    elif action in ("repair", "suspect"):
        if strict:
            out._refuse(f"{where} ({STRICT_HINT})")
        else:
            out._warn()


_NUMBER = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf", re.IGNORECASE)
#: The same numbers (not nan, inf) as (mantissa, exponent part) pairs, for the digit counts in one pass.
_MANTISSA = re.compile(rb"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def number_format(data: bytes, sample: int = 4096) -> tuple[str, ...]:
    """How a result file writes its numbers (from its first ``sample`` bytes), e.g.
    ``("comma-separated", "17-digit floats (Python repr)")`` or ``("tab-separated", "integers", "CRLF")``."""
    head = data[:sample]
    first = next((line for line in head.splitlines() if line.strip()), b"")
    if b"," in first:
        delimiter = "comma-separated"
    elif b"\t" in first:
        delimiter = "tab-separated"
    else:
        delimiter = "space-separated"
    if _NUMBER.search(head) is None:
        return (delimiter, "empty") if not data.strip() else (delimiter,)
    numbers = _MANTISSA.findall(head)  # (mantissa, exponent) of every number; nan and inf have neither
    exponent = any(e for _, e in numbers)
    digits = max((len(m.replace(b".", b"").lstrip(b"0")) for m, _ in numbers), default=0)
    decimals = max((len(m) - m.index(b".") - 1 for m, _ in numbers if b"." in m), default=0)
    if digits >= 15:
        style = "17-digit floats (Python repr)"
    elif decimals:
        style = f"decimals (up to {decimals} digits)"
    else:
        style = "integers"
    out = (delimiter, style) + (("exponents",) if exponent else ())
    return out + (("CRLF",) if b"\r\n" in head else ())


@dataclass
class Inspection:
    """Every inspected tracker of one results folder, for one benchmark under one protocol."""

    dataset: str
    protocol: str
    num_sequences: int
    trackers: list[TrackerInspection]
    #: False when only the shipped list of names was known (no dataset root): no length, corner or
    #: offset evidence.
    with_ground_truth: bool = True

    def to_dict(self) -> dict[str, object]:
        return {
            "dataset": self.dataset,
            "protocol": self.protocol,
            "num_sequences": self.num_sequences,
            "with_ground_truth": self.with_ground_truth,
            "trackers": [t.to_dict() for t in self.trackers],
        }


def inspect_folder(
    results_dir: Path,
    names: Sequence[str],
    truths: dict[str, np.ndarray] | None,
    tag: str,
    dataset_label: str,
    protocol: Protocol,
    *,
    trackers: list[str] | None = None,
    allow_missing: bool = False,
    strict: bool = False,
    store: ArrayStore | None = None,
) -> Inspection:
    """:func:`inspect_entry` for every tracker entry of ``results_dir`` (``trackers``: as in evaluate;
    ``store``: the results cache, see :func:`inspect_entry`)."""
    from odtrack_eval.results.selection import find_entries

    entries = find_entries(results_dir, tag, trackers)
    inspected = []
    for entry in entries:
        try:
            inspected.append(inspect_entry(entry, names, truths, tag, dataset_label, protocol,
                                           allow_missing=allow_missing, strict=strict, store=store))  # fmt: skip
        except OdtrackEvalError as exc:  # (two files for one sequence, ...): that tracker only
            inspected.append(TrackerInspection(entry.name, entry.layout, "refused", str(exc)))
    return Inspection(dataset_label, protocol.name, len(names), inspected, truths is not None)


def ground_truths(dataset: Iterable[DatasetSequence]) -> dict[str, np.ndarray]:
    """The ground-truth boxes inspection compares with (sequences whose truth is withheld left out)."""
    return {s.name: s.ground_truth for s in dataset if not s.extra.get("first_frame_only")}


def inspect_evaluated(
    evaluation: Any, results_dir: Path, *, trackers: list[str] | None = None, allow_missing: bool = False,
    strict: bool = False, store: ArrayStore | None = None,
) -> Inspection:
    """The inspection of the results folder a one-pass ``evaluation`` scored, under the same rules."""
    ds = evaluation.dataset
    return inspect_folder(results_dir, ds.names, ground_truths(ds), ds.tag, ds.name,
                          evaluation.protocol.for_benchmark(ds.tag), trackers=trackers, allow_missing=allow_missing,
                          strict=strict, store=store)  # fmt: skip
